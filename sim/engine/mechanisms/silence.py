"""The spiral of silence (social power): who falls silent, and who speaks again."""

from __future__ import annotations

import numpy as np

from sim.engine.kernels.ecology import climate_sums, update_climate
from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class SpiralOfSilence(Phase):
    """Users who see their side outnumbered fall silent; they speak again when it turns
    (Noelle-Neumann 1974).

    seen_i = sum_k v_k [sign x_k = sign x_i] / sum_k v_k over the non-neutral posts
    k (x_k != 0) in i's feed, v_k = influence of k's author, judged on the
    opinions as read (before this step's update). The perceived climate is
    c_i <- m c_i + (1 - m) seen_i (m = ``memory``; c starts at 1). A member of
    the public expresses iff c_i >= theta_i, with the personal threshold
    theta_i = min(1, b_i * social_capital_i^(-capital_sensitivity)), b_i drawn
    once, uniform on threshold +- threshold_spread (clipped to [0, 1]). Users who
    read no non-neutral post keep their climate and their state.
    """

    name = "silence"

    def init(self, model: Ecology) -> None:
        state = model.state
        spec = model.spec.dynamics.silence
        base = spec.threshold + spec.threshold_spread * (
            2.0 * model.streams[self.name].random(state.n) - 1.0
        )
        base = np.clip(base, 0.0, 1.0)
        state.silence_threshold = np.minimum(
            1.0, base * state.social_capital ** (-spec.capital_sensitivity))
        state.climate = np.ones(state.n)

    def step(self, model: Ecology) -> None:
        state = model.state
        spec = model.spec.dynamics.silence
        feed = state.feed
        if not spec.enabled or feed.size == 0:
            return
        support, mass = climate_sums(feed.reader, feed.source, state.opinion, state.influence,
                                     state.n)
        update_climate(support, mass, state.is_public, spec.memory, state.climate,
                       state.silence_threshold, state.expressing)
