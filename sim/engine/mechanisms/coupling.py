"""Coupled powers (A3): platform power erodes the outlet's, decides whose voice weighs and
sets the agenda (平台权力…消减了国家政府权力，限缩了个人和社会的权力)."""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class PowerCoupling(Phase):
    """Market power scales the other powers (``dynamics.coupling``), from the shares after
    this step's migration and the attention recorded up to the last step.

    * platform over outlet (k_o): outlet_factor = max(0, 1 - k_o S*), S* the largest
      commercial platform's share of the public; the mainstream outlets' reach and
      influence are outlet_reach * outlet_factor.
    * ranking over capital (k_r): influence_factor_i = ((v_i + 1) / (v_bar + 1))^k_r for
      the people (public and leaders), v_i the recent attention, v_bar its mean over
      the people: the ranking's choice of whom to show scales whose voice weighs in
      readers' updates and climate (+1: one impression, so the unseen keep some weight).
    * concentration over agenda (k_a): each commercial platform's share of recommended
      feed slots is r + k_a C (1 - r), r = ``dynamics.recommendation_share``, C the
      normalised HHI of platform shares (market_concentration); mainstream apps keep r.

    The weights are refreshed. Off (nothing changes, no refresh) when all three are 0.
    No draws.
    """

    name = "coupling"

    def step(self, model: Ecology) -> None:
        spec = model.spec.dynamics.coupling
        if not spec.on:
            return
        state = model.state
        shares = state.platform_shares()
        commercial = state.platform_commercial
        if spec.platform_over_outlet > 0:
            leader = float(shares[commercial].max(initial=0.0))
            state.outlet_factor = max(0.0, 1.0 - spec.platform_over_outlet * leader)
        if spec.ranking_over_capital > 0:
            people = state.is_reader
            seen = state.recent_attention[people]
            factor = np.ones(state.n)
            factor[people] = ((seen + 1.0) / (seen.mean() + 1.0)) ** spec.ranking_over_capital
            state.influence_factor = factor
        if spec.concentration_over_agenda > 0:
            p = state.n_platforms
            hhi = float(np.dot(shares, shares))
            concentration = 1.0 if p == 1 else min(1.0, max(0.0, (hhi - 1.0 / p)
                                                              / (1.0 - 1.0 / p)))
            base = model.spec.dynamics.recommendation_share
            raised = base + spec.concentration_over_agenda * concentration * (1.0 - base)
            state.platform_recommendation_share = np.where(commercial, raised, base)
        state.refresh_weights(model.spec)
