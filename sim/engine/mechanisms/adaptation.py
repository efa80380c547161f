"""Platform adaptation, personalisation mode: platforms tune personalisation to churn."""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class PlatformAdaptation(Phase):
    """The personalisation race (``dynamics.adaptation.mode: personalisation``): commercial
    platforms tune their algorithmic bias to their churn.

    After competition, each commercial platform p with churn c_p (share of its users
    who left in the last step with migration: ``platform_churn``) moves its algorithmic
    bias gamma_p <- clip(gamma_p + rate * (c_p - tolerated_churn) / tolerated_churn, 0,
    max_gamma): losing more users than it can afford, it personalises more (feeds
    closer to readers' views, so fewer disagreeable posts, so less churn when users'
    churn_sensitivity > 0); losing fewer, it personalises less. No policy is
    involved: economic incentives alone move the ecology toward cocoons when
    users punish disagreement, and back when they do not. This is not the article's
    unconscious adjustment (that is :mod:`sim.engine.mechanisms.innovation`). Off when
    rate = 0, in the innovation mode, and until users have migrated once (churn is NaN
    before).
    """

    name = "adaptation"

    def step(self, model: Ecology) -> None:
        state = model.state
        spec = model.spec.dynamics.adaptation
        churn = state.platform_churn
        if spec.rate == 0 or spec.mode != "personalisation" or np.isnan(churn).any():
            return
        push = spec.rate * (churn - spec.tolerated_churn) / spec.tolerated_churn
        adapted = np.clip(state.platform_gamma + push, 0.0, spec.max_gamma)
        state.platform_gamma[:] = np.where(state.platform_commercial, adapted,
                                           state.platform_gamma)
