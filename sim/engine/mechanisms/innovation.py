"""Platform innovation (market power compensation): the article's unconscious adjustment."""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class PlatformInnovation(Phase):
    """Unconscious adjustment (``dynamics.adaptation.mode: innovation``): commercial
    platforms that lag the market leader innovate to win users back.

    After competition, with S_p the platforms' shares of the public and S* the largest
    share among open commercial platforms, each open commercial platform p (appeal > 0)
    has the incentive lag_p = 1 - S_p / S* (0 for the leader, 1 for a platform with no
    users) and raises its appeal with diminishing returns toward a ceiling:

        appeal_p <- appeal_p + rate * lag_p * max(0, max_appeal - appeal_p).

    Appeal is what users who reconsider their platform weigh (with share^eta,
    :mod:`sim.engine.mechanisms.competition`), so innovation redistributes users as a
    side effect of the pursuit of interest; the leader's incentive is 0 and shrinks for
    any platform as it catches up, so the redistribution is uneven and incomplete.
    Nothing happens without migration. Mainstream apps and closed platforms (appeal 0,
    e.g. an entrant that has not opened) do not innovate. Off when rate = 0 and in the
    personalisation mode (:mod:`sim.engine.mechanisms.adaptation`).
    """

    name = "innovation"

    def step(self, model: Ecology) -> None:
        state = model.state
        spec = model.spec.dynamics.adaptation
        if spec.rate == 0 or spec.mode != "innovation":
            return
        open_commercial = state.platform_commercial & (state.platform_appeal > 0)
        shares = state.platform_shares()
        leader = shares[open_commercial].max(initial=0.0)
        if leader <= 0:
            return
        lag = np.where(open_commercial, 1.0 - shares / leader, 0.0)
        room = np.maximum(0.0, spec.max_appeal - state.platform_appeal)
        state.platform_appeal += spec.rate * lag * room
