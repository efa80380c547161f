"""Calibration files: priors on scenario fields, observed targets, the method and its budget.

A calibration file names a base scenario, the parameters to fit (a prior on each dotted
scenario key), the observed figures to fit them to, and how::

    name: china_2023
    base: ../baseline.yaml          # scenario, relative to this file
    set: [population.size=5000]     # fixed overrides of the base (optional)
    parameters:                     # priors on dotted scenario keys
      dynamics.confidence: {low: 0.3, high: 0.8}               # uniform
      bots.0.volume: {low: 0.1, high: 10.0, scale: log}        # log-uniform
    targets:                        # observed statistics
      - metric: silent_share        # a metrics.csv column, strata.<stratum>.<field>
        window: [101, 200]          #   or platforms.<platform>.<field>; steps averaged
        value: 0.32
        sd: 0.05                    # observation uncertainty
        source: "author, year, table/page"
    method: abc_smc                 # abc_smc (posterior) or optimize (point estimate)
    budget: 2000                    # model runs in total
    replicates: 1                   # seeds per parameter draw

What the methods do with it is :mod:`sim.runs.calibrate`. The metric names and the
per-stratum and per-platform fields are the engine's: they arrive in pydantic's
validation context, ``{"metrics": names, "strata_fields": fields, "platform_fields":
fields}``; the strata and platforms a target names must exist in the base scenario.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from sim.config.errors import ScenarioError, shown
from sim.config.fields import DOTTED_KEY, Name, Strict, field_error, known_metric
from sim.config.loading import load_scenario
from sim.config.messages import format_validation_error
from sim.config.scenario import Scenario
from sim.config.yamlio import YamlDocument, flow_text, read_yaml_file

TABLES = ("strata", "platforms")
"""Targets other than a metric: ``strata.<stratum>.<field>``, ``platforms.<platform>.<field>``
(rows of strata.csv and platforms.csv)."""
MAX_PARAMETERS = 20  # chosen: ABC-SMC's kernel density needs far more particles beyond this
MIN_GENERATION_BUDGET = 3  # abc_smc: the prior sample and a first generation need ~3 x particles


class PriorSpec(Strict):
    """The prior of one parameter: uniform on [low, high], or log-uniform."""

    low: float = Field(description="Lower bound of the prior.")
    high: float = Field(description="Upper bound of the prior.")
    scale: Literal["linear", "log"] = Field(
        "linear", description="linear: uniform on [low, high]; log: uniform in log10 (low > 0).")
    integer: bool = Field(False, description="Round the value to the nearest integer before "
                          "setting it (counts, e.g. bots.0.count).")

    @model_validator(mode="after")
    def _bounds(self) -> PriorSpec:
        for key in ("low", "high"):
            if not math.isfinite(getattr(self, key)):
                raise field_error(key, f"must be a finite number; got {getattr(self, key)}")
        if not self.low < self.high:
            raise field_error("high", f"must exceed low ({self.low}); got {self.high}")
        if self.scale == "log" and self.low <= 0:
            raise field_error("low", f"must be > 0 for a log-uniform prior; got {self.low}")
        return self

    def natural(self, x: float) -> float:
        """A value of the sampling space (log10 of the value for ``scale: log``) as the value
        the scenario gets (before rounding of integers)."""
        return float(10.0 ** x) if self.scale == "log" else float(x)

    def sampling_bounds(self) -> tuple[float, float]:
        """[low, high] in the sampling space: log10 of the bounds for ``scale: log``."""
        if self.scale == "log":
            return math.log10(self.low), math.log10(self.high)
        return float(self.low), float(self.high)

    def scenario_value(self, value: float) -> float | int:
        """The value written into the scenario: rounded for ``integer`` priors."""
        return int(round(value)) if self.integer else float(value)


def parse_target(metric: str) -> tuple[str, str | None, str]:
    """``"silent_share"`` -> ("metrics", None, "silent_share");
    ``"strata.rural.online_share"`` -> ("strata", "rural", "online_share"). Stratum and
    platform names may hold dots: the field is the last part."""
    table, dot, rest = metric.partition(".")
    if dot and table in TABLES:
        group, dot, field = rest.rpartition(".")
        if dot and group and field:
            return table, group, field
        raise ValueError(f"expected {table}.<name>.<field>; got {metric!r}")
    return "metrics", None, metric


class TargetSpec(Strict):
    """One observed statistic: the mean of a recorded value over a window of steps."""

    metric: str = Field(description="A metrics.csv column (see `run.py metrics`), "
                        "strata.<stratum>.<field> or platforms.<platform>.<field>.")
    window: tuple[int, int] = Field(description="[first, last] steps averaged (inclusive).")
    value: float = Field(description="The observed value.")
    sd: float = Field(gt=0, description="Observation uncertainty (one standard deviation).")
    source: str = Field(min_length=1, description="Where the value comes from: report, "
                        "table, year (or 'synthetic').")
    name: Name | None = Field(None, description="Label in outputs; default: the metric.")

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> TargetSpec:
        for key in ("value", "sd"):
            if not math.isfinite(getattr(self, key)):
                raise field_error(key, f"must be a finite number; got {getattr(self, key)}")
        first, last = self.window
        if first < 0 or last < first:
            raise field_error("window", f"expected [first, last] steps with 0 <= first <= last; "
                               f"got [{first}, {last}]")
        try:
            table, _, field = parse_target(self.metric)
        except ValueError as exc:
            raise field_error("metric", str(exc)) from None
        context = info.context if isinstance(info.context, dict) else {}
        if table == "metrics":
            try:
                known_metric(self.metric, context, "metric")
            except ValueError as exc:
                raise field_error("metric", str(exc).removeprefix("metric: ") + "; or give "
                                  "strata.<stratum>.<field> or platforms.<platform>.<field>"
                                  ) from None
        else:
            fields = context.get({"strata": "strata_fields", "platforms": "platform_fields"}[table])
            if fields is not None and field not in fields:
                raise field_error("metric", f"unknown {table} field {field!r} (allowed: "
                                  f"{', '.join(fields)})")
        return self

    @property
    def label(self) -> str:
        return self.name or self.metric


class CalibrationSpec(Strict):
    """A calibration file."""

    name: Name
    description: str = ""
    base: str = Field(description="Base scenario file, relative to the calibration file.")
    set: list[str] = Field(default_factory=list, description="Fixed overrides of the base.")
    parameters: dict[str, PriorSpec] = Field(
        min_length=1, max_length=MAX_PARAMETERS,
        description="Priors on dotted scenario keys (e.g. dynamics.confidence).")
    targets: list[TargetSpec] = Field(min_length=1, max_length=100)
    method: Literal["abc_smc", "optimize"] = Field(
        "abc_smc", description="abc_smc: a posterior (pyabc); optimize: a point estimate "
        "(Optuna's TPE).")
    budget: int = Field(ge=10, le=10_000_000, description="Model runs in total.")
    replicates: int = Field(1, ge=1, le=100, description="Seeds per parameter draw; their "
                            "statistics are averaged.")
    population_size: int | None = Field(
        None, ge=10, le=100_000, description="abc_smc: particles per generation (default: "
        "a tenth of the draws the budget allows, 20 to 200).")
    seed: int = Field(0, ge=0, lt=2**63, description="Calibration seed (--seed overrides); "
                      "every run's seed derives from it.")

    @field_validator("parameters")
    @classmethod
    def _keys(cls, value: dict[str, PriorSpec]) -> dict[str, PriorSpec]:
        for key in value:
            if not DOTTED_KEY.fullmatch(key):
                raise ValueError(f"{key!r}: a parameter must be a dotted scenario key of names "
                                 f"and list indices (e.g. dynamics.confidence or "
                                 f"bots.0.volume)")
            if key == "run" or key.startswith("run."):
                raise ValueError(f"{key!r}: run.seed and run.steps are the calibration's to set "
                                 f"(seeds come from its seed; set steps in set:)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CalibrationSpec:
        labels = [t.label for t in self.targets]
        repeated = sorted({x for x in labels if labels.count(x) > 1})
        if repeated:
            raise field_error("targets", f"target labels must be unique; repeated: "
                               f"{', '.join(repeated)} (give each a name:)")
        if self.method == "optimize" and self.population_size is not None:
            raise field_error("population_size", "applies to method abc_smc only")
        if self.method == "abc_smc":
            draws = self.budget // self.replicates
            need = MIN_GENERATION_BUDGET * self.particles()
            if draws < need:
                raise field_error("budget", f"{self.budget} runs ({draws} draws of "
                                  f"{self.replicates} replicates) cannot complete a generation "
                                  f"of {self.particles()} particles; give at least "
                                  f"{need * self.replicates} (or a smaller population_size)")
        return self

    def draws(self) -> int:
        """Parameter draws the budget allows (each draw runs ``replicates`` seeds)."""
        return self.budget // self.replicates

    def particles(self) -> int:
        """abc_smc's particles per generation."""
        if self.population_size is not None:
            return self.population_size
        return max(20, min(200, self.draws() // 10))

    def overrides(self, values: dict[str, float]) -> list[str]:
        """``dotted.key=value`` overrides setting each parameter to its (natural) value."""
        return [f"{key}={flow_text(prior.scenario_value(values[key]))}"
                for key, prior in self.parameters.items()]


# --------------------------------------------------------------------------- loading


def _at(doc: YamlDocument, source: str, loc: tuple[Any, ...]) -> str:
    position = doc.position(loc)
    return f"{source}:{position[0]}:{position[1]}" if position else source


def load_calibration(path: str | Path, context: dict[str, Any] | None = None,
                     ) -> tuple[CalibrationSpec, Path, Scenario]:
    """Read and validate a calibration file; return the spec, the base scenario's path and
    the base scenario with ``set`` applied. Every parameter is checked at both ends of its
    prior, and every target against the base (its stratum or platform exists, its window
    lies within ``run.steps``). ScenarioError with one clear message on any problem.
    ``context``: pydantic's validation context (see the module doc)."""
    path = Path(path)
    doc = read_yaml_file(path)
    data = doc.data
    source = str(path)
    if data is None:
        raise ScenarioError(f"{source}: file is empty; expected a calibration mapping")
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: top level must be a mapping (name, base, parameters, "
                            f"targets, ...); got {type(data).__name__}")
    try:
        spec = CalibrationSpec.model_validate(data, context=context)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, doc, data, source,
                                                    model=CalibrationSpec)) from None
    base = (path.parent / spec.base).resolve()
    if not base.is_file():
        raise ScenarioError(f"{_at(doc, source, ('base',))}: base: scenario file not found: "
                            f"{base}")
    try:
        scenario = load_scenario(base, spec.set, context=context)
    except ScenarioError as exc:
        raise ScenarioError(f"{_at(doc, source, ('base',))}: base (with set): {exc}") from None
    steps = scenario.run.steps
    groups = {"strata": [s.name for s in scenario.population.strata],
              "platforms": [p.name for p in scenario.platforms]}
    for i, target in enumerate(spec.targets):
        table, group, _ = parse_target(target.metric)
        if group is not None and group not in groups[table]:
            raise ScenarioError(
                f"{_at(doc, source, ('targets', i, 'metric'))}: targets.{i}.metric: "
                f"{shown(group)!r} is not one of the base scenario's {table} (allowed: "
                f"{', '.join(groups[table])})")
        if target.window[1] > steps:
            raise ScenarioError(
                f"{_at(doc, source, ('targets', i, 'window'))}: targets.{i}.window: ends at "
                f"step {target.window[1]}, after the base scenario's last step ({steps}; "
                f"set run.steps in set:)")
    for key, prior in spec.parameters.items():
        for end in ("low", "high"):
            value = prior.scenario_value(getattr(prior, end))
            try:
                load_scenario(base, [*spec.set, f"{key}={flow_text(value)}"], context=context)
            except ScenarioError as exc:
                raise ScenarioError(
                    f"{_at(doc, source, ('parameters', key, end))}: parameters.{key}.{end}: "
                    f"the base scenario refuses {key}={value}: {exc}") from None
    return spec, base, scenario
