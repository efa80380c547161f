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

CAPTURED = ("amplify_periphery", "algorithm_reform", "traffic_cap")
"""The level interventions whose effect incumbents can capture while they run."""


class IncumbentAdaptation(Phase):
    """Incumbents capture compensations while they run, and join new public platforms.

    Capture: for each intervention k of a type in :data:`CAPTURED`,
    kappa_k <- kappa_k + r (K - kappa_k) in a step in which k is active, else
    kappa_k <- (1 - r) kappa_k (r = ``rate``, K = ``capture``), kept in
    ``state.intervention_capture``. Who captures:

    * amplify_periphery (strength s): the opinion leaders aim their posts at the
      periphery: their reach_boost is 1 + sum_k kappa_k s_k over the active ones, and
      the targets' boost falls to 1 + (1 - kappa_k) s_k;
    * algorithm_reform, traffic_cap: the commercial platforms work around the rule:
      kappa_k of the change it made to gamma or traffic_weight is undone.

    The interventions read kappa at their next ``apply`` (one step later;
    :mod:`sim.engine.interventions`). Migration: while a new_public_platform is active,
    each leader whose home is not the entrant moves there with chance ``migrate`` (one
    uniform per such leader and step; with several entrants open, to the first listed).
    """

    name = "incumbents"

    def init(self, model: Ecology) -> None:
        spec = model.spec
        names = model.state.platform_names
        types = [i.type for i in spec.interventions]
        self.captured = np.array([t in CAPTURED for t in types], dtype=bool)
        self.amplify = np.array([t == "amplify_periphery" for t in types], dtype=bool)
        self.strength = np.array([getattr(i, "strength", 0.0) for i in spec.interventions],
                                 dtype=np.float64)
        entrants = [(k, names.index(i.target.platforms[0]))
                    for k, i in enumerate(spec.interventions) if i.type == "new_public_platform"]
        self.entrant_items = np.array([k for k, _ in entrants], dtype=np.int64)
        self.entrant_platforms = np.array([p for _, p in entrants], dtype=np.int64)

    def step(self, model: Ecology) -> None:
        inc = model.spec.dynamics.incumbents
        state = model.state
        if inc.rate > 0 and self.captured.any():
            self._capture(model, inc.rate, inc.capture)
        open_now = self.entrant_platforms[state.intervention_active[self.entrant_items]]
        if inc.migrate > 0 and open_now.size:
            index = open_now[0]  # with several entrants open, the first listed
            leaders = state.leader_accounts
            away = leaders[state.home_platform[leaders] != index]
            moving = away[model.streams[self.name].random(away.size) < inc.migrate]
            state.home_platform[moving] = index

    def _capture(self, model: Ecology, rate: float, ceiling: float) -> None:
        state = model.state
        kappa = state.intervention_capture
        active = state.intervention_active & self.captured
        idle = ~state.intervention_active & self.captured
        kappa[active] += rate * (ceiling - kappa[active])
        kappa[idle] *= 1.0 - rate
        if self.amplify.any():
            on = self.amplify & state.intervention_active
            state.reach_boost[state.leader_accounts] = 1.0 + float(
                np.dot(kappa[on], self.strength[on]))
            state.refresh_weights(model.spec)
