"""Platform competition (market power): users migrate between platforms with network effects."""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology, EcologyState


class PlatformCompetition(Phase):
    """Users reconsider their home platform; network effects decide where they go.

    Each member of the public reconsiders with probability
    reconsider_rate * (1 - stickiness of its home platform) * (1 + churn_sensitivity *
    d_i), capped at 1, where d_i is the share of i's last feed outside its confidence
    bound (0 if it read nothing), and then picks
    platform p with probability appeal_p * share_p^eta / sum_q appeal_q * share_q^eta
    (shares at the start of the step; it may pick its old platform). eta > 1
    makes the large absorb the small (monopoly); eta < 1 evens shares out.
    A platform with no users attracts none unless eta = 0. ``platform_churn`` records
    the share of each platform's users who left (read by
    :mod:`sim.engine.mechanisms.adaptation`).
    """

    name = "competition"

    def step(self, model: Ecology) -> None:
        state = model.state
        spec = model.spec.dynamics.competition
        if spec.reconsider_rate == 0 or state.n_platforms < 2:
            return
        rng = model.streams[self.name]
        chance = spec.reconsider_rate * (1.0 - state.platform_stickiness[state.home_platform])
        if spec.churn_sensitivity > 0 and state.feed.size:
            chance = np.minimum(1.0, chance * (1.0 + spec.churn_sensitivity
                                               * discord(state, model.spec.dynamics.confidence)))
        before = np.bincount(state.home_platform[state.is_public], minlength=state.n_platforms)
        movers = np.flatnonzero(state.is_public & (rng.random(state.n) < chance))
        shares = state.platform_shares()
        attraction = state.platform_appeal * shares**spec.eta
        if movers.size == 0 or attraction.sum() <= 0:
            return
        cum = np.cumsum(attraction / attraction.sum())
        choice = np.searchsorted(cum, rng.random(movers.size) * cum[-1], side="right")
        old = state.home_platform[movers]
        new = np.minimum(choice, state.n_platforms - 1).astype(state.home_platform.dtype)
        state.home_platform[movers] = new
        left = np.bincount(old[new != old], minlength=state.n_platforms)
        state.platform_churn = left / np.maximum(before, 1)


def discord(state: EcologyState, confidence: float) -> np.ndarray:
    """Per account: share of its last feed outside its confidence bound (0 if it read none)."""
    feed = state.feed
    x = state.opinion
    far = np.abs(x[feed.source] - x[feed.reader]) >= confidence
    count = np.bincount(feed.reader, minlength=state.n)
    bad = np.bincount(feed.reader, weights=far, minlength=state.n)
    return np.divide(bad, count, out=np.zeros(state.n), where=count > 0)
