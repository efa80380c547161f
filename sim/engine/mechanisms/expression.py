"""Expression: who posts in the step, and how far the post may travel."""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class Expression(Phase):
    """Who posts this step.

    public: posted_i ~ Bernoulli(post_rate * literacy_i) if online and expressing;
    leaders: Bernoulli(activity); bots and outlets: always. Post weight w_i =
    posted_i * reach_i. The weight of a post in followers' feeds, ``spread_weight``,
    starts equal to w_i (post-truth amplification may raise it:
    :mod:`sim.engine.mechanisms.post_truth`). The chances and reaches come from
    :meth:`sim.engine.state.EcologyState.refresh_weights`.
    """

    name = "expression"

    def step(self, model: Ecology) -> None:
        state = model.state
        draw = model.streams[self.name].random(state.n)
        np.less(draw, state.post_chance, out=state.posted)
        state.posted &= state.online & state.expressing
        np.multiply(state.posted, state.reach, out=state.post_weight)
        state.spread_weight[:] = state.post_weight
