"""The basic metrics: the public's opinions, clusters, silence, activity and attention."""

from __future__ import annotations

import numpy as np

from sim.engine.metrics.registry import Snapshot, metric

BOTH = ("ecology", "classic")  # opinion measures: recorded by the ecology and classic models


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal; 0 if all are zero)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    n = v.size
    total = v.sum()
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float((2.0 * np.dot(ranks, v) / (n * total)) - (n + 1.0) / n)


def mean_abs_difference(sorted_x: np.ndarray) -> float:
    """(1/N^2) sum_i sum_j |x_i - x_j| from sorted values, in O(N)."""
    n = sorted_x.size
    if n == 0:
        return 0.0
    coef = 2.0 * np.arange(n, dtype=np.float64) - (n - 1)
    value = 2.0 * np.dot(coef, sorted_x) / (n * n)
    return float(max(0.0, value))  # rounding can give -1e-17 at consensus


@metric("opinion_mean", -1.0, 1.0, families=BOTH)
def opinion_mean(s: Snapshot) -> float:
    """Mean opinion of the public: (1/N) sum_i x_i."""
    return float(s.public_opinion.mean())


@metric("opinion_var", 0.0, 1.0, families=BOTH)
def opinion_var(s: Snapshot) -> float:
    """Population variance of the public's opinions: (1/N) sum_i (x_i - mean)^2."""
    return float(s.public_opinion.var())


@metric("polarization", 0.0, 1.0, families=BOTH)
def polarization(s: Snapshot) -> float:
    """Mean absolute opinion difference over all ordered pairs of the public,
    P = (1/N^2) sum_i sum_j |x_i - x_j|: 0 at consensus, 1 when half the public
    sits at -1 and half at +1, 2/3 for uniform opinions on [-1, 1]."""
    return mean_abs_difference(s.sorted_opinion)


@metric("n_clusters", 0.0, np.inf, families=BOTH)
def n_clusters(s: Snapshot) -> float:
    """Number of opinion clusters: sort the public's opinions, start a new cluster
    wherever two neighbours are more than metrics.cluster_gap apart, and count the
    clusters holding at least metrics.min_cluster_share of the public."""
    sizes = s.clusters
    if sizes.size == 0:
        return 0.0
    floor = s.spec.metrics.min_cluster_share * sizes.sum()
    return float(np.count_nonzero(sizes >= floor))


@metric("effective_clusters", 0.0, np.inf, families=BOTH)
def effective_clusters(s: Snapshot) -> float:
    """Participation ratio of the gap-separated clusters, C = (sum c_k)^2 / sum c_k^2
    (counts every cluster, weighted by size; Sirbu et al. 2019)."""
    sizes = s.clusters.astype(np.float64)
    if sizes.size == 0:
        return 0.0
    return float(sizes.sum() ** 2 / np.dot(sizes, sizes))


@metric("silent_share", 0.0, 1.0)
def silent_share(s: Snapshot) -> float:
    """Pressure (the silence thresholds as acted on). Share of the public that is silent
    (not expressing)."""
    state = s.state
    return float(np.count_nonzero(~state.expressing & state.is_public) / state.n_public)


@metric("online_share", 0.0, 1.0)
def online_share(s: Snapshot) -> float:
    """Pressure (access as set). Share of the public online in the step."""
    state = s.state
    return float(np.count_nonzero(state.online & state.is_public) / state.n_public)


@metric("posts", 0.0, np.inf)
def posts(s: Snapshot) -> float:
    """Number of accounts that posted in the step (public, leaders, bots and outlets)."""
    return float(np.count_nonzero(s.state.posted))


@metric("attention_gini", 0.0, 1.0)
def attention_gini(s: Snapshot) -> float:
    """Gini coefficient of the people's recent attention: impressions received by each
    member of the public and each opinion leader (bots and outlets left out), decaying
    with half-life metrics.attention_halflife (null: cumulative since step 0).
    0 = attention shared equally; 0 before any impression."""
    return gini(s.people_attention)
