"""Endogenous market power: platforms feed on their data, and the small are absorbed."""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class PlatformMarketPower(Phase):
    """Data-monopoly feedback and mergers (``dynamics.endogenous``).

    *Data feedback* (k = ``data_feedback``): with S_p the platform's share of the public
    and S_bar the mean share over open platforms (appeal > 0), each platform's appeal is
    multiplied by M_p(t) / M_p(t - 1), M_p = (1 + S_p / S_bar)^k, from the first step on:
    appeal_p(t) = appeal_p(0) M_p(t) / M_p(1) times whatever else moved it (innovation,
    interventions). A platform that gains users gains data and so appeal, which users
    who reconsider weigh with share^eta (:mod:`sim.engine.mechanisms.competition`): the
    large grow larger. Closed platforms (appeal 0) stay closed.

    *Absorption* (``absorb_floor``): an open commercial platform whose share is below the
    floor, other than the largest, is merged into the largest commercial platform: every
    account whose home it is (public, leaders, bots) moves there, and it closes (appeal
    0), never to reopen (被垄断平台收服). Mainstream apps are never absorbed. Shares still
    sum to 1. Off when both are 0. No draws.
    """

    name = "market_power"

    def step(self, model: Ecology) -> None:
        spec = model.spec.dynamics.endogenous
        if spec.data_feedback == 0 and spec.absorb_floor == 0:
            return
        state = model.state
        if spec.data_feedback > 0:
            shares = state.platform_shares()
            opened = state.platform_appeal > 0
            mean = shares[opened].mean() if opened.any() else 0.0
            multiplier = ((1.0 + shares / mean) ** spec.data_feedback if mean > 0
                          else np.ones(state.n_platforms))
            if not np.isnan(state.platform_data_multiplier).all():
                state.platform_appeal *= multiplier / state.platform_data_multiplier
            state.platform_data_multiplier = multiplier
        if spec.absorb_floor > 0:
            absorb(model, spec.absorb_floor)


def absorb(model: Ecology, floor: float) -> None:
    """Merge open commercial platforms below ``floor`` into the largest (see above)."""
    state = model.state
    shares = state.platform_shares()
    candidates = state.platform_commercial & (state.platform_appeal > 0)
    if np.count_nonzero(candidates) < 2:
        return
    largest = int(np.argmax(np.where(candidates, shares, -1.0)))
    small = candidates & (shares < floor)
    small[largest] = False
    if not small.any():
        return
    destination = np.arange(state.n_platforms, dtype=state.home_platform.dtype)
    destination[small] = largest
    state.home_platform = destination[state.home_platform]
    state.platform_appeal[small] = 0.0
