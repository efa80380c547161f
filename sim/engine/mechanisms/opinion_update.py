"""Opinion update: bounded confidence toward what was read."""

from __future__ import annotations

from sim.engine.kernels.ecology import apply_pull, pull_sums
from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class OpinionUpdate(Phase):
    """Bounded confidence toward what was read (synchronous, reader side only).

    x_i <- x_i + mu * sum_k w_k (x_k - x_i) / sum_k w_k over the posts k in i's
    feed with |x_k - x_i| < eps, where w_k = influence of k's author. With one
    post per feed this is the Deffuant et al. (2000) update of the reader.
    """

    name = "opinion_update"

    def step(self, model: Ecology) -> None:
        state = model.state
        feed = state.feed
        if feed.size == 0:
            return
        dyn = model.spec.dynamics
        pull, mass = pull_sums(feed.reader, feed.source, state.opinion, state.influence,
                               dyn.confidence, state.n)
        apply_pull(pull, mass, dyn.convergence, state.opinion)
