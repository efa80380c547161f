"""Hegselmann & Krause (2002): synchronous bounded-confidence averaging."""

from __future__ import annotations

import numpy as np

from sim.config.network import CompleteGraph
from sim.engine.kernels.classic import neighbourhood_means
from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class HegselmannKrause(Phase):
    """Hegselmann & Krause (2002), synchronous: x_i <- mean{x_j : j in N(i) + i,
    |x_j - x_i| <= eps}. On a complete graph the means come from sorted prefix sums; on
    other networks from the kernel ``neighbourhood_means`` (sim/engine/kernels/classic.py)."""

    name = "hegselmann_krause"
    uses_network = True  # neighbourhoods are the follow network's

    def init(self, model: Ecology) -> None:
        model.state.online[:] = True
        self.complete = isinstance(model.spec.network, CompleteGraph)

    def step(self, model: Ecology) -> None:
        state = model.state
        eps = model.spec.dynamics.confidence
        x = state.opinion
        if self.complete:
            ordered = np.sort(x)
            prefix = np.concatenate(([0.0], np.cumsum(ordered)))
            lo = np.searchsorted(ordered, x - eps, side="left")
            hi = np.searchsorted(ordered, x + eps, side="right")
            state.opinion = np.clip((prefix[hi] - prefix[lo]) / (hi - lo), -1.0, 1.0)
            return
        net = state.network
        state.opinion = neighbourhood_means(x, net.indptr, net.followees, eps)
