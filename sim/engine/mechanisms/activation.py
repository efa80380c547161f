"""Activation (technology power): who is online in the step."""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class Activation(Phase):
    """online_i ~ Bernoulli(tech_access_i); leaders, bots and outlets are always online.

    Offline users hold opinions but are never seen online; they may still talk with
    family and neighbours (:mod:`sim.engine.mechanisms.offline`).
    """

    name = "activation"

    def step(self, model: Ecology) -> None:
        state = model.state
        draw = model.streams[self.name].random(state.n)
        np.less(draw, state.tech_access, out=state.online)
        state.online |= ~state.is_public
