"""Whose view prevails: the distance of the public's opinion to each interested actor's
stance, and the market share won by new entrants (docs/model.md 3.15-3.16).

Every gap is an outcome: the public's mean (or median) opinion m, which the dynamics
move, against a stance the scenario fixes. 0 = the actor's position prevails exactly;
the larger, the further the public stands from it. A gap of an actor the scenario does
not have is 0 (there is nothing to prevail); read it with the scenario.
"""

from __future__ import annotations

import numpy as np

from sim.engine.metrics.registry import Snapshot, metric


def interested_platforms(s: Snapshot) -> np.ndarray:
    """Indices of the platforms with a stance (declared in the scenario, whatever its
    weight: with weight 0 the stance is measured but not favoured, the counterfactual)."""
    return np.flatnonzero(~np.isnan(s.state.platform_stance))


def _public_median(s: Snapshot) -> float:
    x = s.sorted_opinion
    return float(np.median(x)) if x.size else 0.0


def _share_weighted_gap(s: Snapshot, centre: float) -> float:
    state = s.state
    where = interested_platforms(s)
    if where.size == 0 or s.public_opinion.size == 0:
        return 0.0
    gaps = np.abs(centre - state.platform_stance[where])
    shares = state.platform_shares()[where]
    if shares.sum() <= 0:
        return float(gaps.mean())
    return float(np.dot(shares, gaps) / shares.sum())


@metric("platform_stance_gap", 0.0, 2.0)
def platform_stance_gap(s: Snapshot) -> float:
    """Outcome. Distance of the public's mean opinion m to the stances c_p of the platforms
    that have one (``platforms.*.stance``, whatever its weight), weighted by their shares of
    the public S_p: sum_p S_p |m - c_p| / sum_p S_p (the plain mean if they have no users;
    0 if no platform has a stance)."""
    if s.public_opinion.size == 0:
        return 0.0
    return _share_weighted_gap(s, float(s.public_opinion.mean()))


@metric("platform_stance_gap_median", 0.0, 2.0)
def platform_stance_gap_median(s: Snapshot) -> float:
    """Outcome. As platform_stance_gap with the public's median opinion in place of its
    mean (robust to a few extreme accounts)."""
    return _share_weighted_gap(s, _public_median(s))


@metric("market_power_advantage", -2.0, 2.0)
def market_power_advantage(s: Snapshot) -> float:
    """Outcome: does the side holding market power win? Among the platforms with a stance
    (whatever its weight), L the one with the largest share of the public now and l the one
    with the smallest: |m - c_l| - |m - c_L|, m the public's mean opinion. Positive: the
    public stands closer to the stance of the platform with market power. 0 with fewer
    than two platforms with a stance or when L and l have one stance."""
    state = s.state
    where = interested_platforms(s)
    if where.size < 2 or s.public_opinion.size == 0:
        return 0.0
    shares = state.platform_shares()[where]
    big = where[np.argmax(shares)]
    small = where[np.argmin(shares)]
    m = float(s.public_opinion.mean())
    return float(abs(m - state.platform_stance[small]) - abs(m - state.platform_stance[big]))


@metric("bot_stance_gap", 0.0, 2.0)
def bot_stance_gap(s: Snapshot) -> float:
    """Outcome. Distance of the public's mean opinion m to the bot campaigns' stances,
    weighted by their accounts: sum_c n_c |m - b_c| / sum_c n_c (0 without bots)."""
    counts = np.asarray(s.spec.bot_counts, dtype=np.float64)
    if counts.sum() <= 0 or s.public_opinion.size == 0:
        return 0.0
    stances = np.array([b.stance for b in s.spec.bots])
    m = float(s.public_opinion.mean())
    return float(np.dot(counts, np.abs(m - stances)) / counts.sum())


@metric("leader_agenda_gap", 0.0, 2.0)
def leader_agenda_gap(s: Snapshot) -> float:
    """Outcome. Distance of the public's mean opinion to the leaders' mean agenda,
    |m - mean_l a_l| (0 without leaders)."""
    agenda = s.state.leader_agenda
    if agenda.size == 0 or s.public_opinion.size == 0:
        return 0.0
    return float(abs(s.public_opinion.mean() - agenda.mean()))


@metric("outlet_stance_gap", 0.0, 2.0)
def outlet_stance_gap(s: Snapshot) -> float:
    """Outcome. Distance of the public's mean opinion to the mainstream outlets' stances,
    weighted by their accounts (0 without outlets)."""
    counts = np.asarray(s.spec.outlet_counts, dtype=np.float64)
    if counts.sum() <= 0 or s.public_opinion.size == 0:
        return 0.0
    stances = np.array([p.outlet.stance if p.outlet is not None else 0.0
                        for p in s.spec.platforms])
    m = float(s.public_opinion.mean())
    return float(np.dot(counts, np.abs(m - stances)) / counts.sum())


@metric("entrant_share", 0.0, 1.0)
def entrant_share(s: Snapshot) -> float:
    """Outcome. Share of the public whose home is a platform opened by a new_entrant
    intervention (0 before it opens and without one): the market share competition gives
    the entrant."""
    state = s.state
    if not state.platform_entrant.any():
        return 0.0
    return float(state.platform_shares()[state.platform_entrant].sum())


def platform_stance_gaps(s: Snapshot) -> np.ndarray:
    """Per platform: |m - c_p| and |median - c_p| (columns), m the public's mean opinion
    and c_p the platform's stance position; NaN for a platform without a stance."""
    stance = s.state.platform_stance
    mean = float(s.public_opinion.mean()) if s.public_opinion.size else 0.0
    return np.stack([np.abs(mean - stance), np.abs(_public_median(s) - stance)], axis=1)
