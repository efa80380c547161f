"""Incumbents adapt to compensation (re-institutionalised inequality, docs/model.md 3.18).

Compensation shares power more evenly; the article warns that it can itself be captured
and re-institutionalise inequality (权力的再制化不平等). Here the opinion leaders, the
incumbents of attention, follow the compensating programmes into their new channels while
they run: they aim content at the amplified periphery, and they move onto a new public
platform. Off by default (``dynamics.incumbents.rate`` and ``migrate`` at 0).
"""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class IncumbentAdaptation(Phase):
    """Leaders capture amplification and join new public platforms, while these are active.

    Capture: with A the set of amplify_periphery interventions active in the step and
    s = sum of their strengths, kappa <- kappa + r (K - kappa) if A is non-empty, else
    kappa <- (1 - r) kappa (r = ``rate``, K = ``capture``). The leaders' reach_boost is
    set to 1 + kappa s; the amplified periphery's boost becomes 1 + (1 - kappa) s from the
    next step on (:class:`sim.engine.interventions.AmplifyPeriphery` reads kappa).
    Migration: while a new_public_platform is active, each leader whose home is not the
    entrant moves there with chance ``migrate`` (one uniform per such leader and step).
    """

    name = "incumbents"

    def init(self, model: Ecology) -> None:
        spec = model.spec
        names = model.state.platform_names
        self.amplify = np.array([i.type == "amplify_periphery" for i in spec.interventions],
                                dtype=bool)
        self.strength = np.array([getattr(i, "strength", 0.0) for i in spec.interventions],
                                 dtype=np.float64)
        self.entrants = [(k, names.index(i.target.platforms[0]))
                         for k, i in enumerate(spec.interventions)
                         if i.type == "new_public_platform"]

    def step(self, model: Ecology) -> None:
        inc = model.spec.dynamics.incumbents
        state = model.state
        if inc.rate > 0:
            self._capture(model, inc.rate, inc.capture)
        if inc.migrate > 0:
            for k, index in self.entrants:
                if state.intervention_active[k]:
                    leaders = state.leader_accounts
                    away = leaders[state.home_platform[leaders] != index]
                    moving = away[model.streams[self.name].random(away.size) < inc.migrate]
                    state.home_platform[moving] = index

    def _capture(self, model: Ecology, rate: float, ceiling: float) -> None:
        state = model.state
        active = self.amplify & state.intervention_active
        kappa = state.incumbent_capture
        kappa = kappa + rate * (ceiling - kappa) if active.any() else (1.0 - rate) * kappa
        state.incumbent_capture = float(kappa)
        state.reach_boost[state.leader_accounts] = 1.0 + kappa * float(
            self.strength[active].sum())
        state.refresh_weights(model.spec)
