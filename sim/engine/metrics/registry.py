"""The metric registry: small functions, each documenting its formula.

A metric takes a :class:`Snapshot` (the end-of-step state plus cached derived arrays,
such as the sorted opinions of the public) and returns one float. Register a new one
with ``@metric("name", low, high)``; it is then recorded every step, written to
``metrics.csv``, listed by ``run.py metrics`` and in ``docs/reference/metrics.md``
(generated from this registry).

Which runs record a metric is its ``families`` tag, the one list of it: the ecology
(``dynamics.model: bounded_confidence``) records the metrics tagged ``"ecology"`` (the
default), a classic model (:data:`sim.config.dynamics.CLASSIC_MODELS`) only those
tagged ``"classic"``: its own measures (opinion mean and spread, polarisation,
clusters, convergence), since platforms, strata, feeds and attention mean nothing
there. Tag a new metric ``families=("ecology", "classic")`` if it means something in
both. Metrics tagged ``"topics"`` are added by an ecology with several issues
(``population.topics`` > 1, :mod:`sim.engine.metrics.topics`) and only there.

"The public" are accounts that are neither opinion leaders, bots nor outlets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.config import Scenario
from sim.config.dynamics import CLASSIC_MODELS
from sim.engine.kernels.ecology import feed_code, feed_summary
from sim.engine.state import EcologyState

HISTOGRAM_BINS = 400  # visibility_gap resolution: bin width 0.005 on [-1, 1]
FAMILIES = ("ecology", "classic", "topics")  # the runs a metric can be recorded by: family_of


@dataclass(frozen=True)
class MetricDef:
    name: str
    func: Callable[[Snapshot], float]
    low: float
    high: float
    doc: str
    families: tuple[str, ...] = ("ecology",)


REGISTRY: dict[str, MetricDef] = {}


def metric(name: str, low: float = -np.inf, high: float = np.inf, *,
           families: tuple[str, ...] = ("ecology",)):
    """Register ``func`` as metric ``name`` with documented range [low, high], recorded by
    the runs of ``families`` (see the module docstring)."""
    unknown = set(families) - set(FAMILIES)
    if unknown or not families:
        raise ValueError(f"metric {name!r}: families must be among {FAMILIES}; got {families}")

    def register(func: Callable[[Snapshot], float]) -> Callable[[Snapshot], float]:
        REGISTRY[name] = MetricDef(name, func, low, high, (func.__doc__ or "").strip(),
                                   tuple(families))
        return func

    return register


def recorded_metrics(family: str) -> list[str]:
    """The metrics a run of ``family`` ("ecology" or "classic") records, in registry order
    (the column order of its metrics.csv)."""
    return [name for name, item in REGISTRY.items() if family in item.families]


def model_family(model: str) -> str:
    """"classic" for a classic ``dynamics.model`` (sim.config.dynamics.CLASSIC_MODELS), else
    "ecology"."""
    return "classic" if model in CLASSIC_MODELS else "ecology"


def family_of(spec: Scenario) -> str:
    """The family of the scenario's ``dynamics.model`` (:func:`model_family`)."""
    return model_family(spec.dynamics.model)


class Snapshot:
    """The state at the end of a step (``state``, with its scenario ``spec``), with derived
    arrays and metric values computed once. ``previous``: the public's opinions at the
    previous recorded step and the steps since then (None at step 0), for measures of
    change."""

    def __init__(self, state: EcologyState, spec: Scenario,
                 previous: tuple[np.ndarray, int] | None = None) -> None:
        self.state = state
        self.spec = spec
        self.previous = previous
        self._values: dict[str, float] = {}

    def value(self, name: str) -> float:
        """Metric ``name`` of this snapshot (computed on first use; composites reuse parts)."""
        if name not in self._values:
            self._values[name] = REGISTRY[name].func(self)
        return self._values[name]

    @property
    def seen_histogram(self) -> np.ndarray:
        """Counts of the opinions the public saw, in HISTOGRAM_BINS bins on [-1, 1]."""
        return self.feed_stats["seen_hist"]

    @cached_property
    def feed_stats(self) -> dict:
        """Counts, sums and histograms over the impressions read by the public, for the
        feed-based metrics, in one pass (sim.engine.kernels.ecology.feed_summary;
        histograms in HISTOGRAM_BINS bins)."""
        state = self.state
        feed = state.feed
        code = feed_code(state.is_public, state.is_bot, state.is_outlet, self.low_access,
                         state.stratum)
        return feed_summary(feed.reader, feed.source, state.opinion, code,
                            state.home_platform, len(state.stratum_names), state.n_platforms,
                            self.spec.metrics.sensational_threshold, HISTOGRAM_BINS)

    @property
    def strata_counts(self) -> tuple[int, np.ndarray, np.ndarray]:
        """Over the public's impressions of posts by the public: the number within one stratum,
        and the counts per stratum of their readers and of their authors."""
        stats = self.feed_stats
        return stats["same_stratum"], stats["reader_strata"], stats["author_strata"]

    @cached_property
    def people_attention(self) -> np.ndarray:
        """Recent attention of the people: the public and opinion leaders (not bots, outlets)."""
        return self.state.recent_attention[self.state.is_reader]

    @cached_property
    def low_access(self) -> np.ndarray:
        """Per account: belongs to a low-access stratum (metrics.low_access_strata, default
        the strata whose scenario tech_access is below the public's mean of it)."""
        state = self.state
        names = self.spec.metrics.low_access_strata
        if names is not None:
            chosen = np.array([name in names for name in state.stratum_names])
        else:
            # the scenario's access (not today's, which interventions raise): a fixed group
            access = np.array([s.tech_access for s in self.spec.population.strata])
            mean = access[state.stratum[state.is_public]].mean() if state.n_public else 0.0
            chosen = access < mean - 1e-12
        return chosen[state.stratum]

    @cached_property
    def public_opinion(self) -> np.ndarray:
        return self.state.opinion[self.state.is_public]

    @cached_property
    def sorted_opinion(self) -> np.ndarray:
        return np.sort(self.public_opinion)

    @cached_property
    def clusters(self) -> np.ndarray:
        """Sizes of gap-separated opinion clusters of the public."""
        x = self.sorted_opinion
        if x.size == 0:
            return np.zeros(0, dtype=np.int64)
        breaks = np.flatnonzero(np.diff(x) > self.spec.metrics.cluster_gap)
        edges = np.concatenate(([0], breaks + 1, [x.size]))
        return np.diff(edges)
