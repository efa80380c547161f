"""Deffuant, Neau, Amblard & Weisbuch (2000): bounded confidence between random pairs."""

from __future__ import annotations

import numpy as np

from sim.engine.classic.pairwise import PairwiseModel
from sim.engine.kernels.classic import uniform_meetings
from sim.engine.state import Ecology


class Deffuant(PairwiseModel):
    """Deffuant et al. (2000): if |x_i - x_j| < eps, x_i += mu (x_j - x_i), x_j += mu (x_i - x_j).

    A step is N meetings (initiator uniform, partner a uniform followee), applied
    in random sequence (exactly: the compiled kernel ``uniform_meetings`` one by one,
    or its numpy twin in batches of disjoint meetings) or, with ``semantics: matching``,
    as one set of disjoint pairs.
    """

    name = "deffuant"
    compiled_sequence = True

    def sequential(self, model: Ecology, initiators: np.ndarray, u: np.ndarray,
                   window: int) -> None:
        dyn = model.spec.dynamics
        net = model.state.network
        uniform_meetings(model.state.opinion, net.indptr, net.followees, initiators, u,
                         dyn.confidence, dyn.convergence, window)

    def meet(self, model: Ecology, a: np.ndarray, b: np.ndarray) -> None:
        dyn = model.spec.dynamics
        x = model.state.opinion
        gap = x[b] - x[a]
        move = dyn.convergence * gap * (np.abs(gap) < dyn.confidence)
        x[a] += move
        x[b] -= move
