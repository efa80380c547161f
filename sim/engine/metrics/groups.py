"""Per-group metrics: each stratum's and each platform's values (strata.csv, platforms.csv)."""

from __future__ import annotations

import numpy as np

from sim.engine.metrics.interests import platform_stance_gaps
from sim.engine.metrics.registry import Snapshot

STRATUM_FIELDS = ("silent_share", "online_share", "voice_share", "opinion_mean")
PLATFORM_FIELDS = ("user_share", "impression_share", "opinion_mean", "stance_gap",
                   "stance_gap_median")


def stratum_values(s: Snapshot) -> np.ndarray:
    """Per stratum of the public (rows) x STRATUM_FIELDS: silent share, online share, share of
    the public's impressions given to posts by the stratum's members (voice), mean opinion."""
    state = s.state
    k = len(state.stratum_names)
    public = state.is_public
    stratum = state.stratum[public]
    size = np.maximum(np.bincount(stratum, minlength=k), 1)
    silent = np.bincount(stratum, weights=~state.expressing[public], minlength=k) / size
    online = np.bincount(stratum, weights=state.online[public], minlength=k) / size
    authored = s.strata_counts[2]
    voice = authored / max(1, int(authored.sum()))
    opinion = np.bincount(stratum, weights=state.opinion[public], minlength=k) / size
    return np.stack([silent, online, voice, opinion], axis=1)


def platform_values(s: Snapshot) -> np.ndarray:
    """Per platform (rows) x PLATFORM_FIELDS: share of the public whose home it is, share of
    the public's impressions read by its users, mean opinion of its users, and the
    distance of the public's mean and median opinion to its stance (NaN for a platform
    without one; sim.engine.metrics.interests)."""
    state = s.state
    p = state.n_platforms
    public = state.is_public
    home = state.home_platform[public]
    count = np.bincount(home, minlength=p)
    stats = s.feed_stats
    seen = stats["platform_seen"] / max(1, stats["entries"])
    opinion = np.bincount(home, weights=state.opinion[public], minlength=p) / np.maximum(count, 1)
    columns = np.stack([count / max(1, state.n_public), seen, opinion], axis=1)
    return np.concatenate([columns, platform_stance_gaps(s)], axis=1)
