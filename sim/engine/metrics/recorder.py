"""Recording: per-step buffers of every metric, per-group value and distribution.

:class:`Recorder` evaluates the registry on a :class:`~sim.engine.metrics.registry.Snapshot`
of the end-of-step state and appends one row to each buffer: ``metrics`` (metrics.csv),
``strata`` (strata.csv), ``platforms`` (platforms.csv), ``interventions``
(interventions.csv) and ``opinions`` (opinions.csv). The buffers are pre-allocated and
grow by doubling; nothing is computed twice (Mesa's DataCollector reads ``metrics``).

A run records the metrics of its family (:func:`~sim.engine.metrics.registry.family_of`):
a classic model fills only ``metrics`` (its own measures) and ``opinions``; its strata,
platforms and interventions buffers stay empty (no feeds, strata or platforms act there).
An ecology with several issues (``population.topics`` > 1) adds the ``"topics"`` metrics
and two columns per issue (:mod:`~sim.engine.metrics.topics`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config import Scenario
from sim.engine.metrics.distributions import (
    OPINION_BINS,
    opinion_bin_centres,
    opinion_histogram,
)
from sim.engine.metrics.groups import (
    PLATFORM_FIELDS,
    STRATUM_FIELDS,
    platform_values,
    stratum_values,
)
from sim.engine.metrics.registry import Snapshot, family_of, recorded_metrics
from sim.engine.metrics.topics import per_topic_names, per_topic_values
from sim.engine.state import EcologyState


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

    def frame(self, group_column: str) -> pd.DataFrame:
        """Long table: one row per (step, group), one column per field."""
        steps = np.repeat(self._steps[: self.size], len(self.groups))
        names = np.tile(np.asarray(self.groups, dtype=object), self.size)
        values = self._values[: self.size].reshape(-1, len(self.fields))
        frame = pd.DataFrame(values, columns=list(self.fields))
        frame.insert(0, group_column, names)
        frame.insert(0, "step", steps)
        return frame


def recorded_rows(spec: Scenario) -> int:
    """Rows a run records: step 0, every ``run.record_every`` steps, and the last step."""
    run = spec.run
    return 1 + run.steps // run.record_every + (run.steps % run.record_every != 0)


def intervention_labels(spec: Scenario) -> list[str]:
    """Each intervention's label in interventions.csv: its name (default its type), with
    ``#k`` appended when two share a name."""
    names = [item.name or item.type for item in spec.interventions]
    return [f"{name}#{k}" if names.count(name) > 1 else name for k, name in enumerate(names)]


class Recorder:
    """The run's records, one row per recorded step (step 0 = the initial state)."""

    def __init__(self, state: EcologyState, spec: Scenario) -> None:
        capacity = recorded_rows(spec)
        self.spec = spec
        self.family = family_of(spec)
        ecology = self.family == "ecology"
        names = recorded_metrics(self.family)
        self.topics = spec.population.topics if ecology else 1
        if self.topics > 1:  # several issues: their measures, after the family's
            names = [*names, *recorded_metrics("topics"), *per_topic_names(self.topics)]
        self.metrics = MetricsBuffer(names, capacity=capacity)
        self.strata = GroupBuffer(state.stratum_names if ecology else [], STRATUM_FIELDS,
                                  capacity)
        self.platforms = GroupBuffer(state.platform_names if ecology else [], PLATFORM_FIELDS,
                                     capacity)
        self.interventions = GroupBuffer(intervention_labels(spec), ("active",), capacity)
        self.opinions = MetricsBuffer(  # for figures: share of the public per bin
            [f"{c:.3f}" for c in opinion_bin_centres()], capacity, row_shape=(OPINION_BINS,))
        self._previous: tuple[int, np.ndarray] | None = None  # (step, public opinions)

    def record(self, state: EcologyState, step: int) -> None:
        """Evaluate the family's metrics on the state at the end of ``step`` and append the
        rows."""
        last = self._previous
        snap = Snapshot(state, self.spec,
                        None if last is None else (last[1], step - last[0]))
        if self.topics > 1:
            names = self.metrics.names[: len(self.metrics.names) - 2 * self.topics]
            self.metrics.append(step, [*(snap.value(name) for name in names),
                                       *per_topic_values(snap)])
        else:
            self.metrics.append(step, [snap.value(name) for name in self.metrics.names])
        if self.family == "ecology":
            self.strata.append(step, stratum_values(snap))
            self.platforms.append(step, platform_values(snap))
            active = state.intervention_active
            self.interventions.append(step, active[:, None].astype(np.float64) if step else
                                      np.zeros((active.size, 1)))
        self.opinions.append(step, opinion_histogram(snap))
        self._previous = (step, snap.public_opinion)  # a copy (boolean indexing)

    def metrics_frame(self) -> pd.DataFrame:
        """All recorded metrics, one row per step (step 0 = initial state)."""
        frame = pd.DataFrame(self.metrics.values, columns=self.metrics.names)
        frame.insert(0, "step", self.metrics.steps)
        return frame

    def opinions_frame(self) -> pd.DataFrame:
        """Share of the public per opinion bin, one row per step; one column per bin, named
        by its centre."""
        frame = pd.DataFrame(self.opinions.values, columns=self.opinions.names)
        frame.insert(0, "step", self.opinions.steps)
        return frame
