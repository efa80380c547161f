"""Hegselmann & Krause (2002): synchronous bounded-confidence averaging."""

from __future__ import annotations

import numpy as np

from sim.config.network import CompleteGraph
from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class HegselmannKrause(Phase):
    """Hegselmann & Krause (2002), synchronous: x_i <- mean{x_j : j in N(i) + i,
    |x_j - x_i| <= eps}. On a complete graph the means come from sorted prefix sums."""

    name = "hegselmann_krause"

    def init(self, model: Ecology) -> None:
        model.state.online[:] = True
        self.complete = isinstance(model.spec.network, CompleteGraph)
        self.readers = None if self.complete else model.state.network.readers

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
        readers = self.readers
        near = np.abs(x[net.followees] - x[readers]) <= eps
        total = np.bincount(readers, weights=x[net.followees] * near, minlength=state.n) + x
        count = np.bincount(readers, weights=near, minlength=state.n) + 1.0
        state.opinion = total / count
