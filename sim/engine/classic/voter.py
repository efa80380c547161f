"""The voter model (Clifford & Sudbury 1973; Holley & Liggett 1975)."""

from __future__ import annotations

import numpy as np

from sim.engine.classic.pairwise import PairwiseModel
from sim.engine.kernels.classic import copy_meetings
from sim.engine.state import Ecology


class Voter(PairwiseModel):
    """Voter model: the initiator copies its partner's opinion (+1 or -1); N copies per step."""

    name = "voter"
    compiled_sequence = True

    def init(self, model: Ecology) -> None:
        super().init(model)
        x = model.state.opinion
        x[:] = np.where(x < 0.0, -1.0, 1.0)

    def meet(self, model: Ecology, a: np.ndarray, b: np.ndarray) -> None:
        model.state.opinion[a] = model.state.opinion[b]

    def sequential(self, model: Ecology, initiators: np.ndarray, u: np.ndarray,
                   window: int) -> None:
        net = model.state.network
        copy_meetings(model.state.opinion, net.indptr, net.followees, initiators, u, window)
