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

    Exposure cost of real names (docs/model.md 3.19): while ``state.exposure_cost`` = k
    > 0 (real_name_ip_display's ``exposure_cost``), a member of the public whose social
    capital is below the public's mean and whose opinion is on the minority side of the
    visible climate (x_i * m < 0, m the mean opinion of the authors of the step's
    impressions) is judged against min(1, theta_i + k).
    """

    name = "silence"

    def init(self, model: Ecology) -> None:
        state = model.state
        spec = model.spec.dynamics.silence
        base = spec.threshold + spec.threshold_spread * (
            2.0 * model.streams[self.name].random(state.n) - 1.0
        )
        state.silence_base = np.clip(base, 0.0, 1.0)
        state.silence_threshold = thresholds(state.silence_base, state.social_capital,
                                             spec.capital_sensitivity)
        state.climate = np.ones(state.n)

    def step(self, model: Ecology) -> None:
        state = model.state
        spec = model.spec.dynamics.silence
        feed = state.feed
        if not spec.enabled or feed.size == 0:
            return
        threshold = state.silence_threshold
        if state.exposure_cost > 0:
            threshold = exposed_thresholds(state, float(state.opinion[feed.source].mean()))
        support, mass = climate_sums(feed.reader, feed.source, state.opinion, state.influence,
                                     state.n)
        update_climate(support, mass, state.is_public, spec.memory, state.climate,
                       threshold, state.expressing)


def thresholds(base: np.ndarray, capital: np.ndarray, sensitivity: float) -> np.ndarray:
    """theta = min(1, base * capital^(-sensitivity)): the personal silence threshold."""
    return np.minimum(1.0, base * capital ** (-sensitivity))


def exposed_thresholds(state, visible_mean: float) -> np.ndarray:
    """Silence thresholds under real names: + exposure_cost (capped at 1) for the public with
    below-mean social capital whose opinion is against the visible climate
    (x * visible_mean < 0: the weak who hold a minority view)."""
    public = state.is_public
    weak = public & (state.social_capital < state.social_capital[public].mean() - 1e-12)
    exposed = weak & (state.opinion * visible_mean < 0)
    return np.where(exposed, np.minimum(1.0, state.silence_threshold + state.exposure_cost),
                    state.silence_threshold)
