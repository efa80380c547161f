"""Disorder metrics: content (technology power), platform (market power), pattern (social power).

Every metric is registered in :data:`sim.engine.metrics.REGISTRY` with its range and
formula. Feed-based metrics look at the impressions read by the public in the
step (``Snapshot.feed_stats``); with no such impression they are 0. Each
composite index is the plain mean of its terms, every term in [0, 1] with 0 =
the balanced ideal, so each index lies in [0, 1]:

* content_disorder = mean(visibility_gap, |voice_gap|, cocoon_tightness,
  diversity_deficit, bot_share)
* platform_disorder = mean(concentration, sensational_share,
  1 - mainstream_reach, fragmentation)
* pattern_disorder = mean(attention_top1_share, attention_gini, silent_share,
  stratum_insulation, |majority_gap|, polarization)
* disorder_index = mean(content_disorder, platform_disorder, pattern_disorder)
"""

from __future__ import annotations

import numpy as np

from sim.engine.kernels.ecology import histogram as bin_counts
from sim.engine.metrics.registry import HISTOGRAM_BINS, Snapshot, metric


def histogram(x: np.ndarray) -> np.ndarray:
    """Counts of x in HISTOGRAM_BINS equal bins on [-1, 1] (x = 1 in the last bin)."""
    return bin_counts(x, HISTOGRAM_BINS)


def _cdfs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Histogram CDFs of two samples on [-1, 1] (HISTOGRAM_BINS bins); None if one is empty."""
    return _cdfs_of_counts(histogram(a), histogram(b))


def _cdfs_of_counts(ha: np.ndarray, hb: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    if ha.sum() <= 0 or hb.sum() <= 0:
        return None
    return np.cumsum(ha) / ha.sum(), np.cumsum(hb) / hb.sum()


def _w1(cdfs: tuple[np.ndarray, np.ndarray] | None) -> float:
    if cdfs is None:
        return 0.0
    return float(np.abs(cdfs[0] - cdfs[1]).sum() * (2.0 / HISTOGRAM_BINS))


def _independent_distance(cdfs: tuple[np.ndarray, np.ndarray] | None) -> float:
    if cdfs is None:
        return 0.0
    fa, fb = cdfs
    return float((fa * (1.0 - fb) + fb * (1.0 - fa)).sum() * (2.0 / HISTOGRAM_BINS))


def wasserstein_on_grid(a: np.ndarray, b: np.ndarray) -> float:
    """Earth mover's distance W1 between two samples on [-1, 1], from histograms of
    HISTOGRAM_BINS bins: W1 = sum_bins |F_a - F_b| * width (error at most one bin width)."""
    return _w1(_cdfs(a, b))


def independent_mean_distance(a: np.ndarray, b: np.ndarray) -> float:
    """E|X - Y| for X drawn from sample a and Y from sample b independently, on the grid:
    integral of F_a (1 - F_b) + F_b (1 - F_a)."""
    return _independent_distance(_cdfs(a, b))


def _clip01(value: float) -> float:
    return float(min(1.0, max(0.0, value)))


# --------------------------------------------------------------------------- content


@metric("visibility_gap", 0.0, 1.0)
def visibility_gap(s: Snapshot) -> float:
    """Gap between what the public thinks and what it sees: W1(P_all, P_seen) / 2, the earth
    mover's distance between the opinions of the whole public (online or not) and the
    authors' opinions over the impressions the public read in the step, halved to lie in
    [0, 1] (1 = everyone at -1 while all that is seen sits at +1)."""
    if s.feed_stats["entries"] == 0:
        return 0.0
    return _clip01(_w1(_cdfs_of_counts(histogram(s.public_opinion), s.seen_histogram)) / 2.0)


@metric("voice_gap", -1.0, 1.0)
def voice_gap(s: Snapshot) -> float:
    """Voice of the low-access strata minus their weight in the public:
    (impressions of posts by low-access members of the public / impressions of posts by
    the public) - (low-access share of the public). Negative = under-heard. Low-access
    strata: metrics.low_access_strata, default those with tech_access below the public's
    mean; 0 if there are none."""
    low = s.low_access
    stats = s.feed_stats
    if not low.any() or stats["entries"] == 0:
        return 0.0
    state = s.state
    heard = stats["heard"]
    if heard == 0:
        return 0.0
    voice = stats["low_heard"] / heard
    weight = np.count_nonzero(low & state.is_public) / state.n_public
    return float(voice - weight)


@metric("cocoon_index", 0.0, 2.0)
def cocoon_index(s: Snapshot) -> float:
    """Mean reader-to-seen distance, (1/F) sum over the public's impressions of
    |x_reader - x_author|: lower = tighter information cocoons."""
    stats = s.feed_stats
    if stats["entries"] == 0:
        return 0.0
    return float(stats["distance"] / stats["entries"])


@metric("exposure_diversity", 0.0, np.inf)
def exposure_diversity(s: Snapshot) -> float:
    """How varied feeds are, relative to everything shown: the within-feed variance of the
    opinions the public saw, sum_i sum_k (x_k - m_i)^2 / sum_i (c_i - 1) over readers i
    with c_i >= 2 impressions (m_i = their mean), divided by the variance of all opinions
    the public saw (ddof = 1). About 1 when feeds are random draws from what is shown
    (the share of variance not explained by who reads, 1 - eta^2); near 0 when each reader
    sees one voice; 1 when everything shown agrees."""
    stats = s.feed_stats
    entries = stats["entries"]
    if entries < 2:
        return 0.0
    seen_sum = stats["seen_sum"]
    pooled = (stats["seen_square"] - seen_sum * seen_sum / entries) / (entries - 1)
    if pooled < 1e-12:
        return 1.0
    if stats["within_dof"] == 0:
        return 0.0
    return float(stats["within_spread"] / stats["within_dof"] / pooled)


@metric("bot_share", 0.0, 1.0)
def bot_share(s: Snapshot) -> float:
    """Share of the public's impressions that showed bots' posts."""
    stats = s.feed_stats
    if stats["entries"] == 0:
        return 0.0
    return float(stats["bots"] / stats["entries"])


def cocoon_tightness(s: Snapshot) -> float:
    """1 - cocoon_index / D, clipped to [0, 1], with D = E|x_reader - x_seen| for reader and
    post drawn independently from the step's impressions: 0 when feeds are no closer to
    their readers than chance, 1 when readers see only their own opinion."""
    stats = s.feed_stats
    if stats["entries"] == 0:
        return 0.0
    chance = _independent_distance(_cdfs_of_counts(stats["reader_hist"], stats["seen_hist"]))
    if chance <= 1e-9:
        return 0.0
    return _clip01(1.0 - s.value("cocoon_index") / chance)


@metric("content_disorder", 0.0, 1.0)
def content_disorder(s: Snapshot) -> float:
    """Disorder of content: mean(visibility_gap, |voice_gap|, cocoon_tightness,
    diversity_deficit, bot_share) with cocoon_tightness = clip(1 - cocoon_index / D) (D = the
    reader-to-post distance if feeds were shuffled among readers) and diversity_deficit =
    clip(1 - exposure_diversity), each in [0, 1]."""
    deficit = _clip01(1.0 - s.value("exposure_diversity")) if s.feed_stats["entries"] else 0.0
    terms = (s.value("visibility_gap"), abs(s.value("voice_gap")), cocoon_tightness(s), deficit,
             s.value("bot_share"))
    return float(np.mean(terms))


# --------------------------------------------------------------------------- platform


@metric("platform_hhi", 0.0, 1.0)
def platform_hhi(s: Snapshot) -> float:
    """Herfindahl-Hirschman index of platform user shares, sum_p share_p^2 (shares of the
    public by home platform; 1/P = even split, 1 = monopoly)."""
    shares = s.state.platform_shares()
    return float(np.dot(shares, shares))


@metric("sensational_share", 0.0, 1.0)
def sensational_share(s: Snapshot) -> float:
    """Share of the public's impressions showing posts with |x| >= metrics.sensational_threshold."""
    stats = s.feed_stats
    if stats["entries"] == 0:
        return 0.0
    return float(stats["sensational"] / stats["entries"])


@metric("mainstream_reach", 0.0, 1.0)
def mainstream_reach(s: Snapshot) -> float:
    """Share of the online public that saw at least one post of a mainstream outlet in the
    step (0 without outlets)."""
    state = s.state
    online = np.count_nonzero(state.online & state.is_public)
    stats = s.feed_stats
    if online == 0 or stats["entries"] == 0 or state.outlet_accounts.size == 0:
        return 0.0
    return float(stats["outlet_readers"] / online)


@metric("fragmentation", 0.0, 1.0)
def fragmentation(s: Snapshot) -> float:
    """1 - 1 / effective_clusters: 0 at consensus, 1/2 for two equal opinion clusters,
    approaching 1 as opinions split into many groups."""
    clusters = s.value("effective_clusters")
    return float(1.0 - 1.0 / clusters) if clusters > 0 else 0.0


def concentration(s: Snapshot) -> float:
    """Normalised HHI, (HHI - 1/P) / (1 - 1/P) for P platforms (1 for a single platform)."""
    p = s.state.n_platforms
    if p == 1:
        return 1.0
    return _clip01((s.value("platform_hhi") - 1.0 / p) / (1.0 - 1.0 / p))


@metric("platform_disorder", 0.0, 1.0)
def platform_disorder(s: Snapshot) -> float:
    """Disorder of platforms: mean(concentration, sensational_share, 1 - mainstream_reach,
    fragmentation), concentration = (HHI - 1/P) / (1 - 1/P) (1 for one platform)."""
    terms = (concentration(s), s.value("sensational_share"), 1.0 - s.value("mainstream_reach"),
             s.value("fragmentation"))
    return float(np.mean(terms))


# --------------------------------------------------------------------------- pattern


@metric("attention_top1_share", 0.0, 1.0)
def attention_top1_share(s: Snapshot) -> float:
    """Share of the people's recent attention (impressions, decaying with
    metrics.attention_halflife) held by the top 1 % of people (at least one). People are
    the public and the opinion leaders; bots and outlets are counted by bot_share and
    mainstream_reach instead."""
    attention = s.people_attention
    total = attention.sum()
    if total <= 0:
        return 0.0
    k = max(1, int(np.ceil(0.01 * attention.size)))
    top = np.partition(attention, attention.size - k)[attention.size - k:]
    return float(top.sum() / total)


@metric("cross_stratum_exposure", -1.0, 1.0)
def cross_stratum_exposure(s: Snapshot) -> float:
    """E-I index of who sees whom (Krackhardt & Stern 1988): (E - I) / (E + I) over the
    public's impressions of posts by the public, E = reader and author in different strata,
    I = same stratum. -1 = strata only see themselves; random mixing gives 1 - 2 sum_s p_s^2."""
    internal, readers, _ = s.strata_counts
    total = int(readers.sum())
    if total == 0:
        return 0.0
    external = total - internal
    return float((external - internal) / total)


@metric("majority_gap", -1.0, 1.0)
def majority_gap(s: Snapshot) -> float:
    """Expressed minus real support of the positive side: among the public's posts of the
    step, the share with x > 0, minus the share of the public with x > 0 (both among
    non-neutral opinions). Far from 0 = the expressed majority misrepresents the real one."""
    state = s.state
    x = state.opinion
    public = state.is_public & (x != 0)
    said = public & state.posted
    if not said.any() or not public.any():
        return 0.0
    expressed = np.count_nonzero(said & (x > 0)) / np.count_nonzero(said)
    real = np.count_nonzero(public & (x > 0)) / np.count_nonzero(public)
    return float(expressed - real)


def stratum_insulation(s: Snapshot) -> float:
    """How far exposure across strata falls short of independent mixing:
    clip((EI_expected - EI) / (1 + EI_expected)) with EI = cross_stratum_exposure and
    EI_expected = 1 - 2 sum_s r_s a_s, r_s and a_s the shares of stratum s among the
    readers and among the authors of those impressions (so who is online, i.e. the
    digital divide, does not count as insulation; only who sees whom)."""
    _, readers, authors = s.strata_counts
    total = int(readers.sum())
    if total == 0:
        return 0.0
    readers = readers / total
    authors = authors / total
    expected = 1.0 - 2.0 * float(np.dot(readers, authors))
    if expected <= -1.0 + 1e-12:
        return 0.0
    return _clip01((expected - s.value("cross_stratum_exposure")) / (1.0 + expected))


@metric("pattern_disorder", 0.0, 1.0)
def pattern_disorder(s: Snapshot) -> float:
    """Disorder of the opinion pattern: mean(attention_top1_share, attention_gini,
    silent_share, stratum_insulation, |majority_gap|, polarization), stratum_insulation =
    clip((EI_expected - cross_stratum_exposure) / (1 + EI_expected)) with EI_expected the
    E-I index of independent mixing of the same readers and authors."""
    terms = (s.value("attention_top1_share"), s.value("attention_gini"),
             s.value("silent_share"), stratum_insulation(s), abs(s.value("majority_gap")),
             s.value("polarization"))
    return float(np.mean(terms))


@metric("disorder_index", 0.0, 1.0)
def disorder_index(s: Snapshot) -> float:
    """Overall disorder: mean(content_disorder, platform_disorder, pattern_disorder)."""
    return float(np.mean([s.value("content_disorder"), s.value("platform_disorder"),
                          s.value("pattern_disorder")]))
