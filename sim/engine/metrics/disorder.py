"""Disorder metrics: content (technology power), platform (market power), pattern (social power).

Every metric is registered in :data:`sim.engine.metrics.REGISTRY` with its range and
formula. Feed-based metrics look at the impressions read by the public in the
step (``Snapshot.feed_stats``); with no such impression they are 0.

Recorded values are of two kinds (docs/measures.md). *Pressures* are what a scenario
sets or directly injects (the bots' share of impressions, the access gap in voice, the
mainstream outlets' reach, the silent share, the share of extreme posts): they are
recorded and plotted, never averaged into an index. *Outcomes* are what emerges from
the dynamics (opinions, exposure, expression, attention, platform shares). The three
indices are means of outcome terms only, one term per construct, every term in [0, 1]
with 0 = the balanced ideal, so each index lies in [0, 1]:

* content_disorder = mean(channel_distortion, cocoon_tightness)
* platform_disorder = mean(market_concentration, extremity_amplification)
* pattern_disorder = mean(attention_top1_share, expression_gap, stratum_insulation)
* disorder_index = mean(content_disorder, platform_disorder, pattern_disorder)

Plurality is not disorder: opinion spread whose holders still read each other
(``connected_diversity``) enters no index; its segregated part
(``segregated_polarisation``) and consensus made by silence or a single channel
(``homogenisation``) are recorded, and enter the indices through the terms that measure
the same constructs (``cocoon_tightness``, ``expression_gap``).
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


_CENTRES = -1.0 + (np.arange(HISTOGRAM_BINS) + 0.5) * (2.0 / HISTOGRAM_BINS)
_BIN_ABS = np.abs(_CENTRES)


def _hist_sd(counts: np.ndarray) -> float:
    """Standard deviation of values binned on [-1, 1] (bin centres)."""
    total = counts.sum()
    if total <= 0:
        return 0.0
    mean = float(np.dot(counts, _CENTRES) / total)
    return float(np.sqrt(max(0.0, np.dot(counts, (_CENTRES - mean) ** 2) / total)))


# --------------------------------------------------------------------------- content


@metric("visibility_gap", 0.0, 1.0)
def visibility_gap(s: Snapshot) -> float:
    """Outcome. Gap between what the public thinks and what it sees: W1(P_all, P_seen) / 2,
    the earth mover's distance between the opinions of the whole public (online or not) and the
    authors' opinions over the impressions the public read in the step, halved to lie in
    [0, 1] (1 = everyone at -1 while all that is seen sits at +1)."""
    if s.feed_stats["entries"] == 0:
        return 0.0
    return _clip01(_w1(_cdfs_of_counts(histogram(s.public_opinion), s.seen_histogram)) / 2.0)


@metric("channel_distortion", 0.0, 1.0)
def channel_distortion(s: Snapshot) -> float:
    """Outcome. What the channel adds to the public's own voice: W1(P_expressed, P_seen) / 2,
    the earth mover's distance between the opinions of the members of the public who
    posted in the step and the authors' opinions over the impressions the public read,
    halved to lie in [0, 1]. Bots, leaders, outlets and ranking move it; silence does not
    (it changes both sides alike). 0 without impressions or public posts."""
    state = s.state
    said = state.posted & state.is_public
    if s.feed_stats["entries"] == 0 or not said.any():
        return 0.0
    return _clip01(_w1(_cdfs_of_counts(histogram(state.opinion[said]), s.seen_histogram)) / 2.0)


@metric("voice_gap", -1.0, 1.0)
def voice_gap(s: Snapshot) -> float:
    """Pressure (the access gap as heard). Voice of the low-access strata minus their
    weight in the public:
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
    """Outcome. Mean reader-to-seen distance, (1/F) sum over the public's impressions of
    |x_reader - x_author|: lower = tighter information cocoons."""
    stats = s.feed_stats
    if stats["entries"] == 0:
        return 0.0
    return float(stats["distance"] / stats["entries"])


@metric("exposure_diversity", 0.0, np.inf)
def exposure_diversity(s: Snapshot) -> float:
    """Outcome. How varied feeds are, relative to everything shown: the within-feed variance of the
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
    """Pressure (the bots' volume as seen). Share of the public's impressions that showed
    bots' posts."""
    stats = s.feed_stats
    if stats["entries"] == 0:
        return 0.0
    return float(stats["bots"] / stats["entries"])


@metric("cocoon_tightness", 0.0, 1.0)
def cocoon_tightness(s: Snapshot) -> float:
    """Outcome. 1 - cocoon_index / D, clipped to [0, 1], with D = E|x_reader - x_seen| for
    reader and post drawn independently from the step's impressions: 0 when feeds are no
    closer to their readers than chance, 1 when readers see only their own opinion.
    Moved by recommendation (gamma), homophilous follows and bounded-confidence
    clustering."""
    stats = s.feed_stats
    if stats["entries"] == 0:
        return 0.0
    chance = _independent_distance(_cdfs_of_counts(stats["reader_hist"], stats["seen_hist"]))
    if chance <= 1e-9:
        return 0.0
    return _clip01(1.0 - s.value("cocoon_index") / chance)


@metric("content_disorder", 0.0, 1.0)
def content_disorder(s: Snapshot) -> float:
    """Disorder of content (outcomes only): mean(channel_distortion, cocoon_tightness):
    what the channel shows misrepresents what the public says, and feeds close around
    their readers. bot_share and voice_gap, pressures of technology power, are recorded
    beside it (docs/measures.md)."""
    return float(np.mean((s.value("channel_distortion"), s.value("cocoon_tightness"))))


# --------------------------------------------------------------------------- platform


@metric("platform_hhi", 0.0, 1.0)
def platform_hhi(s: Snapshot) -> float:
    """Pressure. Herfindahl-Hirschman index of platform user shares, sum_p share_p^2 (shares of the
    public by home platform; 1/P = even split, 1 = monopoly)."""
    shares = s.state.platform_shares()
    return float(np.dot(shares, shares))


@metric("sensational_share", 0.0, 1.0)
def sensational_share(s: Snapshot) -> float:
    """Pressure (diagnostic). Share of the public's impressions showing posts with
    |x| >= metrics.sensational_threshold."""
    stats = s.feed_stats
    if stats["entries"] == 0:
        return 0.0
    return float(stats["sensational"] / stats["entries"])


@metric("mainstream_reach", 0.0, 1.0)
def mainstream_reach(s: Snapshot) -> float:
    """Pressure (the outlets' reach as set). Share of the online public that saw at least
    one post of a mainstream outlet in the
    step (0 without outlets)."""
    state = s.state
    online = np.count_nonzero(state.online & state.is_public)
    stats = s.feed_stats
    if online == 0 or stats["entries"] == 0 or state.outlet_accounts.size == 0:
        return 0.0
    return float(stats["outlet_readers"] / online)


@metric("fragmentation", 0.0, 1.0)
def fragmentation(s: Snapshot) -> float:
    """Outcome (descriptive, in no index). 1 - 1 / effective_clusters: 0 at consensus, 1/2
    for two equal opinion clusters, approaching 1 as opinions split into many groups."""
    clusters = s.value("effective_clusters")
    return float(1.0 - 1.0 / clusters) if clusters > 0 else 0.0


@metric("market_concentration", 0.0, 1.0)
def market_concentration(s: Snapshot) -> float:
    """Outcome where competition and migration move the shares (a pressure where they do
    not: then it reads back the scenario's shares). Normalised HHI of platform user
    shares, (HHI - 1/P) / (1 - 1/P) for P platforms (1 for a single platform)."""
    p = s.state.n_platforms
    if p == 1:
        return 1.0
    return _clip01((s.value("platform_hhi") - 1.0 / p) / (1.0 - 1.0 / p))


@metric("extremity_amplification", 0.0, 1.0)
def extremity_amplification(s: Snapshot) -> float:
    """Outcome. How much platform ranking pushes extreme content: mean |x| of the authors
    of the posts recommended to the public in the step, minus mean |x| of the authors of
    all the step's posts, clipped to [0, 1]; 0 when recommendations show posts in
    proportion to what is posted (or favour the moderate). The trace of traffic-first
    ranking (traffic_weight) and of popularity amplification; replaces
    sensational_share, which counted posts beyond a fixed extremity and fell to 0 once
    opinions converged. 0 without recommended impressions."""
    state = s.state
    feed = state.feed
    chosen = feed.recommended & state.is_public[feed.reader]
    if not chosen.any() or not state.posted.any():
        return 0.0
    x = state.opinion
    seen = float(np.abs(x[feed.source[chosen]]).mean())
    posted = float(np.abs(x[state.posted]).mean())
    return _clip01(seen - posted)


@metric("platform_divergence", 0.0, 1.0)
def platform_divergence(s: Snapshot) -> float:
    """Outcome. Share of the public's opinion variance that lies between home platforms
    (eta^2 = between-platform variance / total variance): 0 when every platform's users
    hold the same mix of views, 1 when each platform is an opinion world of its own.
    Moved by platform-specific ranking, outlets and migration; 0 for one platform or at
    consensus (variance below 1e-9)."""
    state = s.state
    x = s.public_opinion
    if state.n_platforms == 1 or x.size == 0:
        return 0.0
    total = float(x.var())
    if total <= 1e-9:
        return 0.0
    home = state.home_platform[state.is_public]
    counts = np.bincount(home, minlength=state.n_platforms).astype(np.float64)
    sums = np.bincount(home, weights=x, minlength=state.n_platforms)
    used = counts > 0
    means = sums[used] / counts[used]
    between = float(np.dot(counts[used], (means - x.mean()) ** 2) / x.size)
    return _clip01(between / total)


@metric("platform_disorder", 0.0, 1.0)
def platform_disorder(s: Snapshot) -> float:
    """Disorder of platforms: mean(market_concentration, extremity_amplification): users
    gathered on few platforms, and ranking that rewards extremity. Concentration is an
    outcome where competition moves the shares (compare with the same scenario's step
    0, or with a baseline of the same initial shares); mainstream_reach and
    sensational_share, pressures of market power, are recorded beside it, and
    platform_divergence, which stays near 0 in every shipped scenario
    (docs/measures.md), is recorded but not averaged in."""
    return float(np.mean((s.value("market_concentration"),
                          s.value("extremity_amplification"))))


# --------------------------------------------------------------------------- pattern


@metric("attention_top1_share", 0.0, 1.0)
def attention_top1_share(s: Snapshot) -> float:
    """Outcome. Share of the people's recent attention (impressions, decaying with
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
    """Outcome. Expressed minus real support of the positive side: among the public's posts of the
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


@metric("stratum_insulation", 0.0, 1.0)
def stratum_insulation(s: Snapshot) -> float:
    """Outcome. How far exposure across strata falls short of independent mixing:
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


@metric("expression_gap", 0.0, 1.0)
def expression_gap(s: Snapshot) -> float:
    """Outcome. How far what the public says is from what it holds: W1(P_held, P_expressed)
    / 2 between the opinions of the whole public (online or not) and those of its members
    who posted in the step, halved to lie in [0, 1]. The spiral of silence and unequal
    access (who is online to speak) move it; bots and ranking do not. With
    channel_distortion it splits visibility_gap into the public's part and the
    channel's. 0 without public posts."""
    state = s.state
    said = state.posted & state.is_public
    if not said.any():
        return 0.0
    return _clip01(_w1(_cdfs_of_counts(histogram(s.public_opinion),
                                       histogram(state.opinion[said]))) / 2.0)


@metric("camp_segregation", 0.0, 1.0)
def camp_segregation(s: Snapshot) -> float:
    """Outcome. How rarely the two sides (x > 0 and x <= 0) read each other: 1 - (share
    of the public's impressions with reader and author on opposite sides) / (that share
    if readers and authors were paired at random, r_+ a_- + r_- a_+), clipped to [0, 1].
    0 = sides meet as often as chance; 1 = no impression crosses. 0 without such pairs."""
    feed = s.state.feed
    x = s.state.opinion
    public = s.state.is_public[feed.reader]
    if not public.any():
        return 0.0
    reader_pos = x[feed.reader[public]] > 0
    author_pos = x[feed.source[public]] > 0
    n = reader_pos.size
    r = np.count_nonzero(reader_pos) / n
    a = np.count_nonzero(author_pos) / n
    expected = r * (1.0 - a) + (1.0 - r) * a
    if expected <= 1e-12:
        return 0.0
    observed = np.count_nonzero(reader_pos != author_pos) / n
    return _clip01(1.0 - observed / expected)


@metric("segregated_polarisation", 0.0, 1.0)
def segregated_polarisation(s: Snapshot) -> float:
    """Outcome. Camps that no longer meet: polarization x camp_segregation. 0 for
    consensus, and for diverse views that still reach each other; 1 for two poles that
    never read each other."""
    return float(s.value("polarization") * s.value("camp_segregation"))


@metric("connected_diversity", 0.0, 1.0)
def connected_diversity(s: Snapshot) -> float:
    """Outcome, scored as health, not disorder: plurality that still meets,
    polarization x (1 - camp_segregation) (with segregated_polarisation it adds up to
    polarization). Not part of any index."""
    return float(s.value("polarization") * (1.0 - s.value("camp_segregation")))


@metric("homogenisation", 0.0, 1.0)
def homogenisation(s: Snapshot) -> float:
    """Outcome. Consensus made by silence or a single channel: how much narrower what the
    public sees is than what it holds, (sd(opinions held by the public) - sd(opinions
    seen)) / (1 / sqrt(3)), clipped to [0, 1] (sd over HISTOGRAM_BINS bins for the seen;
    1 / sqrt(3) is the sd of uniform opinions on [-1, 1]). 0 when what is seen is as varied
    as what is held (or more), and when the public itself agrees (real consensus is not
    homogenisation); 1 when a uniformly spread public sees a single view."""
    stats = s.feed_stats
    if stats["entries"] == 0:
        return 0.0
    held = float(s.public_opinion.std())
    seen = _hist_sd(stats["seen_hist"])
    return _clip01((held - seen) * np.sqrt(3.0))


@metric("pattern_disorder", 0.0, 1.0)
def pattern_disorder(s: Snapshot) -> float:
    """Disorder of the opinion pattern (outcomes only): mean(attention_top1_share,
    expression_gap, stratum_insulation): a few centres hold attention, what the public
    says is not what it holds, and strata do not read each other. silent_share, a
    pressure of social power, is recorded beside it; segregated_polarisation and
    homogenisation (the pluralism triple) are recorded and enter through
    cocoon_tightness and expression_gap, which measure the same constructs
    (docs/measures.md)."""
    terms = (s.value("attention_top1_share"), s.value("expression_gap"),
             s.value("stratum_insulation"))
    return float(np.mean(terms))


@metric("disorder_index", 0.0, 1.0)
def disorder_index(s: Snapshot) -> float:
    """Overall disorder: mean(content_disorder, platform_disorder, pattern_disorder)."""
    return float(np.mean([s.value("content_disorder"), s.value("platform_disorder"),
                          s.value("pattern_disorder")]))
