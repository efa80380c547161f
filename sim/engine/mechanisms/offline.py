"""Offline influence (technology power): the offline side of the digital divide.

Who is online and who posts is set by ``tech_access`` and ``literacy``
(:mod:`~sim.engine.mechanisms.activation`, :mod:`~sim.engine.mechanisms.expression`).
Users who are offline in a step are never seen online, but they still hold opinions
and talk with family and neighbours.
"""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class OfflineInfluence(Phase):
    """Offline users meet one of their social ties face to face.

    Each offline member of the public with at least one tie, with probability
    ``dynamics.offline.rate``, meets a tie j drawn uniformly from its follows
    (family and neighbours are part of the social network) and, if
    |x_j - x_i| < confidence, moves: x_i <- x_i + mu (x_j - x_i) (one-sided:
    nothing is posted, so j does not hear i). All meetings read the opinions of
    the start of the phase.
    """

    name = "offline"

    def step(self, model: Ecology) -> None:
        rate = model.spec.dynamics.offline.rate
        if rate == 0:
            return
        state = model.state
        rng = model.streams[self.name]
        net = state.network
        degree = np.diff(net.indptr)
        candidates = np.flatnonzero(~state.online & state.is_public & (degree > 0))
        who = candidates[rng.random(candidates.size) < rate]
        tie = net.followees[net.indptr[who] + (rng.random(who.size) * degree[who]).astype(np.int64)]
        x = state.opinion
        gap = x[tie] - x[who]
        near = np.abs(gap) < model.spec.dynamics.confidence
        x[who[near]] += model.spec.dynamics.convergence * gap[near]
