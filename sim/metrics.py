"""Model-level metrics: a registry of small functions, each documenting its formula.

A metric takes a :class:`Snapshot` (the model plus cached derived arrays, such
as the sorted opinions of the public) and returns one float. Register a new one
with ``@metric("name", low, high)``; it is then recorded every step, written to
``metrics.csv`` and documented in docs/model.md.

"The public" are accounts that are neither opinion leaders nor bots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import OpinionEcologyModel


@dataclass(frozen=True)
class MetricDef:
    name: str
    func: Callable[[Snapshot], float]
    low: float
    high: float
    doc: str


REGISTRY: dict[str, MetricDef] = {}


def metric(name: str, low: float = -np.inf, high: float = np.inf):
    """Register ``func`` as metric ``name`` with documented range [low, high]."""

    def register(func: Callable[[Snapshot], float]) -> Callable[[Snapshot], float]:
        REGISTRY[name] = MetricDef(name, func, low, high, (func.__doc__ or "").strip())
        return func

    return register


class Snapshot:
    """The model at the end of a step, with derived arrays and metric values computed once."""

    def __init__(self, model: OpinionEcologyModel) -> None:
        self.model = model
        self._values: dict[str, float] = {}

    def value(self, name: str) -> float:
        """Metric ``name`` of this snapshot (computed on first use; composites reuse parts)."""
        if name not in self._values:
            self._values[name] = REGISTRY[name].func(self)
        return self._values[name]

    @cached_property
    def public_feed(self):
        """The step's feed entries read by members of the public (not leaders)."""
        from sim.phases import Feed  # local: phases imports nothing from here at run time

        feed = self.model.feed
        keep = self.model.is_public[feed.reader]
        if keep.all():
            return feed
        return Feed(feed.reader[keep], feed.source[keep], feed.recommended[keep])

    @cached_property
    def seen_opinion(self) -> np.ndarray:
        """Per entry of public_feed: the author's opinion."""
        return self.model.opinion[self.public_feed.source]

    @cached_property
    def reader_opinion(self) -> np.ndarray:
        """Per entry of public_feed: the reader's opinion."""
        return self.model.opinion[self.public_feed.reader]

    @cached_property
    def by_public(self) -> np.ndarray:
        """Per entry of public_feed: the author is a member of the public."""
        return self.model.is_public[self.public_feed.source]

    @property
    def seen_histogram(self) -> np.ndarray:
        """Counts of seen_opinion in the bins of sim.disorder.histogram."""
        return self.feed_stats["seen_hist"]

    @cached_property
    def feed_stats(self) -> dict:
        """Counts, sums and histograms over public_feed for the feed-based metrics, in one
        pass (sim.kernels.feed_summary; histograms in sim.disorder.HISTOGRAM_BINS bins)."""
        from sim.disorder import HISTOGRAM_BINS
        from sim.kernels import feed_code, feed_summary

        model = self.model
        feed = model.feed
        code = feed_code(model.is_public, model.is_bot, model.is_outlet, self.low_access,
                         model.stratum)
        return feed_summary(feed.reader, feed.source, model.opinion, code,
                            model.home_platform, len(model.stratum_names), model.n_platforms,
                            model.spec.metrics.sensational_threshold, HISTOGRAM_BINS)

    @property
    def strata_counts(self) -> tuple[int, np.ndarray, np.ndarray]:
        """Over the public_feed entries authored by the public: the number within one stratum,
        and the counts per stratum of their readers and of their authors."""
        stats = self.feed_stats
        return stats["same_stratum"], stats["reader_strata"], stats["author_strata"]

    @cached_property
    def people_attention(self) -> np.ndarray:
        """Recent attention of the people: the public and opinion leaders (not bots, outlets)."""
        return self.model.recent_attention[self.model.is_reader]

    @cached_property
    def low_access(self) -> np.ndarray:
        """Per account: belongs to a low-access stratum (metrics.low_access_strata, default
        the strata whose scenario tech_access is below the public's mean of it)."""
        model = self.model
        names = model.spec.metrics.low_access_strata
        if names is not None:
            chosen = np.array([name in names for name in model.stratum_names])
        else:
            # the scenario's access (not today's, which interventions raise): a fixed group
            access = np.array([s.tech_access for s in model.spec.population.strata])
            mean = access[model.stratum[model.is_public]].mean() if model.n_public else 0.0
            chosen = access < mean - 1e-12
        return chosen[model.stratum]

    @cached_property
    def public_opinion(self) -> np.ndarray:
        return self.model.opinion[self.model.is_public]

    @cached_property
    def sorted_opinion(self) -> np.ndarray:
        return np.sort(self.public_opinion)

    @cached_property
    def clusters(self) -> np.ndarray:
        """Sizes of gap-separated opinion clusters of the public."""
        x = self.sorted_opinion
        if x.size == 0:
            return np.zeros(0, dtype=np.int64)
        breaks = np.flatnonzero(np.diff(x) > self.model.spec.metrics.cluster_gap)
        edges = np.concatenate(([0], breaks + 1, [x.size]))
        return np.diff(edges)


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


@metric("opinion_mean", -1.0, 1.0)
def opinion_mean(s: Snapshot) -> float:
    """Mean opinion of the public: (1/N) sum_i x_i."""
    return float(s.public_opinion.mean())


@metric("opinion_var", 0.0, 1.0)
def opinion_var(s: Snapshot) -> float:
    """Population variance of the public's opinions: (1/N) sum_i (x_i - mean)^2."""
    return float(s.public_opinion.var())


@metric("polarization", 0.0, 1.0)
def polarization(s: Snapshot) -> float:
    """Mean absolute opinion difference over all ordered pairs of the public,
    P = (1/N^2) sum_i sum_j |x_i - x_j|: 0 at consensus, 1 when half the public
    sits at -1 and half at +1, 2/3 for uniform opinions on [-1, 1]."""
    return mean_abs_difference(s.sorted_opinion)


@metric("n_clusters", 0.0, np.inf)
def n_clusters(s: Snapshot) -> float:
    """Number of opinion clusters: sort the public's opinions, start a new cluster
    wherever two neighbours are more than metrics.cluster_gap apart, and count the
    clusters holding at least metrics.min_cluster_share of the public."""
    sizes = s.clusters
    if sizes.size == 0:
        return 0.0
    floor = s.model.spec.metrics.min_cluster_share * sizes.sum()
    return float(np.count_nonzero(sizes >= floor))


@metric("effective_clusters", 0.0, np.inf)
def effective_clusters(s: Snapshot) -> float:
    """Participation ratio of the gap-separated clusters, C = (sum c_k)^2 / sum c_k^2
    (counts every cluster, weighted by size; Sirbu et al. 2019)."""
    sizes = s.clusters.astype(np.float64)
    if sizes.size == 0:
        return 0.0
    return float(sizes.sum() ** 2 / np.dot(sizes, sizes))


@metric("silent_share", 0.0, 1.0)
def silent_share(s: Snapshot) -> float:
    """Share of the public that is silent (not expressing)."""
    model = s.model
    return float(np.count_nonzero(~model.expressing & model.is_public) / model.n_public)


@metric("online_share", 0.0, 1.0)
def online_share(s: Snapshot) -> float:
    """Share of the public online in the step."""
    model = s.model
    return float(np.count_nonzero(model.online & model.is_public) / model.n_public)


@metric("posts", 0.0, np.inf)
def posts(s: Snapshot) -> float:
    """Number of accounts (public, leaders and bots) that posted in the step."""
    return float(np.count_nonzero(s.model.posted))


@metric("attention_gini", 0.0, 1.0)
def attention_gini(s: Snapshot) -> float:
    """Gini coefficient of the people's recent attention: impressions received by each
    member of the public and each opinion leader (bots and outlets left out), decaying
    with half-life metrics.attention_halflife (null: cumulative since step 0).
    0 = attention shared equally; 0 before any impression."""
    return gini(s.people_attention)


# the disorder metrics register themselves on import (after the basic ones: column order)
from sim import disorder  # noqa: E402, F401


def metric_names() -> list[str]:
    return list(REGISTRY)


STRATUM_FIELDS = ("silent_share", "online_share", "voice_share", "opinion_mean")
PLATFORM_FIELDS = ("user_share", "impression_share", "opinion_mean")


def stratum_values(s: Snapshot) -> np.ndarray:
    """Per stratum of the public (rows) x STRATUM_FIELDS: silent share, online share, share of
    the public's impressions given to posts by the stratum's members (voice), mean opinion."""
    model = s.model
    k = len(model.stratum_names)
    public = model.is_public
    stratum = model.stratum[public]
    size = np.maximum(np.bincount(stratum, minlength=k), 1)
    silent = np.bincount(stratum, weights=~model.expressing[public], minlength=k) / size
    online = np.bincount(stratum, weights=model.online[public], minlength=k) / size
    authored = s.strata_counts[2]
    voice = authored / max(1, int(authored.sum()))
    opinion = np.bincount(stratum, weights=model.opinion[public], minlength=k) / size
    return np.stack([silent, online, voice, opinion], axis=1)


def platform_values(s: Snapshot) -> np.ndarray:
    """Per platform (rows) x PLATFORM_FIELDS: share of the public whose home it is, share of
    the public's impressions read by its users, mean opinion of its users."""
    model = s.model
    p = model.n_platforms
    public = model.is_public
    home = model.home_platform[public]
    count = np.bincount(home, minlength=p)
    stats = s.feed_stats
    seen = stats["platform_seen"] / max(1, stats["entries"])
    opinion = np.bincount(home, weights=model.opinion[public], minlength=p) / np.maximum(count, 1)
    return np.stack([count / max(1, model.n_public), seen, opinion], axis=1)


class MetricsBuffer:
    """Per-step metric values in pre-allocated float arrays (grown by doubling)."""

    def __init__(self, names: list[str], capacity: int,
                 row_shape: tuple[int, ...] | None = None) -> None:
        self.names = list(names)
        shape = row_shape if row_shape is not None else (len(self.names),)
        self._steps = np.zeros(max(1, capacity), dtype=np.int64)
        self._values = np.zeros((max(1, capacity), *shape), dtype=np.float64)
        self.size = 0

    def append(self, step: int, values) -> None:
        if self.size == self._steps.size:
            self._steps = np.concatenate([self._steps, np.zeros_like(self._steps)])
            self._values = np.concatenate([self._values, np.zeros_like(self._values)])
        self._steps[self.size] = step
        self._values[self.size] = values
        self.size += 1

    @property
    def steps(self) -> np.ndarray:
        return self._steps[: self.size]

    @property
    def values(self) -> np.ndarray:
        return self._values[: self.size]

    def last(self) -> dict[str, float]:
        if self.size == 0:
            return {}
        return dict(zip(self.names, self._values[self.size - 1].tolist(), strict=True))


class GroupBuffer(MetricsBuffer):
    """Per-step values of a few fields for each of a fixed set of groups (strata, platforms):
    a MetricsBuffer whose rows are (groups x fields) arrays."""

    def __init__(self, groups: list[str], fields: tuple[str, ...], capacity: int) -> None:
        super().__init__(list(fields), capacity, row_shape=(len(groups), len(fields)))
        self.groups = list(groups)
        self.fields = fields

    def frame(self, group_column: str):
        """Long table: one row per (step, group), one column per field."""
        import pandas as pd

        steps = np.repeat(self._steps[: self.size], len(self.groups))
        names = np.tile(np.asarray(self.groups, dtype=object), self.size)
        values = self._values[: self.size].reshape(-1, len(self.fields))
        frame = pd.DataFrame(values, columns=list(self.fields))
        frame.insert(0, group_column, names)
        frame.insert(0, "step", steps)
        return frame


# --------------------------------------------------------------------------- distributions
# Per-step and end-of-run distributions for figures (opinions.csv, attention_lorenz.csv).

OPINION_BINS = 40  # bins of width 0.05 on [-1, 1]; chosen for figures (docs/model.md)


def opinion_bin_centres(bins: int = OPINION_BINS) -> np.ndarray:
    """Centres of ``bins`` equal-width bins on [-1, 1]."""
    return -1.0 + (np.arange(bins) + 0.5) * (2.0 / bins)


def opinion_histogram(s: Snapshot, bins: int = OPINION_BINS) -> np.ndarray:
    """Share of the public in each of ``bins`` equal bins on [-1, 1] (left-closed, the last
    also closed at +1): h_b = #{i : floor((x_i + 1) bins / 2) = b} / N; sums to 1."""
    x = s.public_opinion
    index = np.clip(((x + 1.0) * (bins / 2.0)).astype(np.int64), 0, bins - 1)
    return np.bincount(index, minlength=bins) / max(1, x.size)


def lorenz_curve(values: np.ndarray, points: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve of non-negative ``values`` at ``points`` population shares p = 0..1:
    L(p) = share of the total held by the poorest share p, linearly interpolated between the
    N + 1 points (k / N, sum of the k smallest / total). L(p) = p when the total is 0
    (as gini() returns 0). The top-1 % share of attention_top1_share is 1 - L(1 - k / N),
    k = max(1, ceil(N / 100))."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    p = np.linspace(0.0, 1.0, points)
    total = v.sum()
    if v.size == 0 or total <= 0:
        return p, p.copy()
    cumulative = np.concatenate(([0.0], np.cumsum(v) / total))
    return p, np.interp(p, np.arange(v.size + 1) / v.size, cumulative)
