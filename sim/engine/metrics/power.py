"""Measures of power that moves (issue #17): capital, access and follows as outcomes.

These read the arrays that the endogenous mechanisms change (docs/model.md 3.13). Where
those mechanisms are off, they read back what the scenario set (a pressure), not an
outcome: compare runs with the mechanism on and off, or a run with its own step 0.
"""

from __future__ import annotations

import numpy as np

from sim.engine.metrics.basic import gini
from sim.engine.metrics.registry import Snapshot, metric


@metric("capital_gini", 0.0, 1.0)
def capital_gini(s: Snapshot) -> float:
    """Outcome only when capital is endogenous (dynamics.endogenous.capital_rate > 0);
    otherwise it reads back the strata's social_capital. Gini coefficient of the
    public's social capital (0 = equal)."""
    state = s.state  # clipped: equal capitals give -4e-16 in floating point
    return max(0.0, gini(state.social_capital[state.is_public]))


@metric("access_gap", 0.0, 1.0)
def access_gap(s: Snapshot) -> float:
    """Outcome only when access diffuses (dynamics.endogenous.access_rate > 0; or where
    connectivity programmes raise it); otherwise it reads back the strata's tech_access.
    Largest minus smallest mean tech_access over the strata of the public (0 = no
    digital divide)."""
    state = s.state
    public = state.is_public
    stratum = state.stratum[public]
    k = len(state.stratum_names)
    counts = np.bincount(stratum, minlength=k)
    if not counts.any():
        return 0.0
    mean = np.bincount(stratum, weights=state.tech_access[public], minlength=k)[counts > 0]
    mean = mean / counts[counts > 0]
    return float(mean.max() - mean.min())


@metric("leader_follow_share", 0.0, 1.0)
def leader_follow_share(s: Snapshot) -> float:
    """Outcome where follows move (dynamics.follows.rate, dynamics.endogenous.
    leader_harvest); otherwise it reads back the network and the leaders' selection.
    Share of all follow ties that point at opinion leaders (0 without ties)."""
    state = s.state
    total = state.network.n_ties if state.network is not None else 0
    if total == 0:
        return 0.0
    return float(state.followers[state.is_leader].sum() / total)
