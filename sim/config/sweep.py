"""Parameter sweeps: the sweep file, its design points, and the runs they expand to.

A sweep file names a base scenario, the parameters to vary, a design and the
replicates per point::

    name: power_balance
    base: ../baseline.yaml          # relative to this file
    set: [population.size=2000]     # optional overrides of the base
    parameters:
      - {name: eta, path: dynamics.competition.eta, values: [0.5, 1.0, 2.0]}
      - {name: tech, map: {population.strata.3.tech_access: [0.5, 0.1]}, range: [0, 1, 3]}
    design: {kind: grid}            # grid | latin_hypercube (n) | sobol (n) | morris (n)
    replicates: 2
    seed: 1
    keep: {metrics: [disorder_index], timeseries: false}

A parameter sets one field (``path``) to its value x, or several (``map``: each field
gets (1 - x) a + x b for its pair [a, b]). Values come from ``values``, ``range``
[low, high, num] (evenly spaced), ``log_range`` (evenly spaced in log) for a grid;
sampling designs (latin_hypercube, sobol, morris) draw x in [low, high].
Every run has a stable id ``p<point>-r<replicate>`` and a seed derived from the sweep
seed and that id alone, so any executor, order or resumption gives the same runs.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, ValidationInfo, model_validator

from sim.config.errors import ScenarioError
from sim.config.fields import DOTTED_KEY, Name, Strict, field_error, known_metric
from sim.config.loading import load_scenario
from sim.config.messages import format_validation_error
from sim.config.outcomes import DISORDER_INDICES
from sim.config.yamlio import flow_text, read_yaml_file

_KEY_RULE = ("must be a dotted scenario key of names and list indices (e.g. "
             "dynamics.competition.eta or platforms.0.gamma)")


class ParameterSpec(Strict):
    """One swept parameter."""

    name: Name = Field(description="Column name of the parameter in the results.")
    path: str | None = Field(None, description="Dotted scenario field set to the value x.")
    map: dict[str, tuple[float, float]] | None = Field(
        None, description="Several fields moved together: field = (1 - x) a + x b for [a, b].")
    values: list[Any] | None = Field(None, min_length=1, description="Grid values.")
    range: tuple[float, float, int] | None = Field(
        None, description="[low, high, num]: num evenly spaced grid values.")
    log_range: tuple[float, float, int] | None = Field(
        None, description="[low, high, num]: num values evenly spaced in log (low, high > 0).")
    low: float | None = Field(None, description="Lower bound for sampling designs.")
    high: float | None = Field(None, description="Upper bound for sampling designs.")

    @model_validator(mode="after")
    def _consistent(self) -> ParameterSpec:
        if (self.path is None) == (self.map is None):
            raise field_error("path", "give exactly one of path (one field) or map "
                               "(several fields moved together)")
        if self.path is not None and not DOTTED_KEY.fullmatch(self.path):
            raise field_error("path", f"{_KEY_RULE}; got {self.path!r}")
        for key in self.map or {}:
            if not DOTTED_KEY.fullmatch(key):
                raise field_error("map", f"key {key!r} {_KEY_RULE}")
        for i, value in enumerate(self.values or []):
            try:
                flow_text(value)
            except TypeError as exc:
                raise field_error(f"values.{i}", str(exc)) from None
        given = [k for k in ("values", "range", "log_range") if getattr(self, k) is not None]
        if len(given) > 1:
            raise field_error(given[1], f"give only one of values, range, log_range "
                               f"(got {', '.join(given)})")
        for key in ("range", "log_range"):
            spec = getattr(self, key)
            if spec is not None:
                low, high, num = spec
                if num < 1 or num > 10_000:
                    raise field_error(key, f"num must be 1..10000; got {num}")
                if key == "log_range" and (low <= 0 or high <= 0):
                    raise field_error(key, f"bounds must be > 0 for a log range; got {spec}")
        if (self.low is None) != (self.high is None):
            raise field_error("low", "give both low and high, or neither")
        if self.low is not None and not self.low < self.high:
            raise field_error("high", f"must exceed low ({self.low}); got {self.high}")
        if self.map is not None and self.values is not None:
            if not all(isinstance(v, int | float) and not isinstance(v, bool)
                       for v in self.values):
                raise field_error("values", "a map parameter takes numbers")
        return self

    def grid_values(self) -> list[Any]:
        if self.values is not None:
            return list(self.values)
        if self.range is not None:
            low, high, num = self.range
            return np.linspace(low, high, int(num)).tolist()
        if self.log_range is not None:
            low, high, num = self.log_range
            return np.geomspace(low, high, int(num)).tolist()
        if self.low is not None:
            return [self.low, self.high]
        raise ValueError(f"parameter {self.name}: no values, range, log_range or low/high")

    def grid_size(self) -> int:
        """len(grid_values()), without building the values."""
        if self.values is not None:
            return len(self.values)
        for spec in (self.range, self.log_range):
            if spec is not None:
                return int(spec[2])
        return 2 if self.low is not None else 0

    def bounds(self) -> tuple[float, float]:
        if self.low is not None:
            return float(self.low), float(self.high)
        values = [float(v) for v in self.grid_values()]
        return min(values), max(values)

    def overrides(self, x: Any) -> list[str]:
        """The ``dotted.key=value`` overrides that set this parameter to ``x``."""
        if self.path is not None:
            return [f"{self.path}={flow_text(x)}"]  # typed: null, "None", 1.0e-05
        x = float(x)  # (1 - x) a + x b: exactly a at 0 and exactly b at 1
        return [f"{path}={flow_text((1.0 - x) * a + x * b)}" for path, (a, b) in
                self.map.items()]


class Grid(Strict):
    kind: Literal["grid"]


class LatinHypercube(Strict):
    kind: Literal["latin_hypercube"]
    n: int = Field(ge=1, le=100_000, description="Number of points.")


class Sobol(Strict):
    kind: Literal["sobol"]
    n: int = Field(ge=2, le=65_536, description="Base sample size N (a power of 2); "
                   "points = N (2D + 2) with second-order indices, N (D + 2) without.")
    second_order: bool = True

    @model_validator(mode="after")
    def _power_of_two(self) -> Sobol:
        if self.n & (self.n - 1):
            raise field_error("n", f"must be a power of 2 (Saltelli/Sobol' sampling); got "
                               f"{self.n}")
        return self


class Morris(Strict):
    kind: Literal["morris"]
    n: int = Field(ge=2, le=10_000, description="Trajectories r; points = r (D + 1).")
    levels: int = Field(4, ge=2, le=100, description="Grid levels p.")


DesignSpec = Annotated[Grid | LatinHypercube | Sobol | Morris, Field(discriminator="kind")]


class KeepSpec(Strict):
    """What each run keeps."""

    metrics: list[str] = Field(
        default_factory=lambda: list(DISORDER_INDICES),
        min_length=1, description="Metrics summarised per run (see `run.py metrics`). Default: "
        "the disorder indices; for a classic base model, every measure it records.")
    summaries: list[Literal["final", "mean", "peak", "window_mean"]] = Field(
        default_factory=lambda: ["final", "mean", "window_mean"],
        description="final value, mean over steps 1..T, peak, mean over the window.")
    window: tuple[int, int] | None = Field(
        None, description="[first, last] steps of window_mean; default: the second half.")
    timeseries: bool = Field(False, description="Also write every step of the kept metrics.")

    @model_validator(mode="after")
    def _known_metrics(self, info: ValidationInfo) -> KeepSpec:
        for i, name in enumerate(self.metrics):
            try:
                known_metric(name, info.context, "keep.metrics")
            except ValueError as exc:
                raise field_error(f"metrics.{i}",
                                  str(exc).removeprefix("keep.metrics: ")) from None
        return self


class SweepSpec(Strict):
    """A sweep file."""

    name: Name
    description: str = ""
    base: str = Field(description="Base scenario file, relative to the sweep file.")
    set: list[str] = Field(default_factory=list, description="Overrides applied to the base.")
    parameters: list[ParameterSpec] = Field(min_length=1, max_length=50)
    design: DesignSpec = Field(default_factory=lambda: Grid(kind="grid"))
    replicates: int = Field(1, ge=1, le=10_000)
    seed: int = Field(0, ge=0, lt=2**63, description="Sweep seed; every run's seed derives "
                      "from it and the run id.")
    steps: int | None = Field(None, ge=1, le=10_000_000, description="Override run.steps.")
    keep: KeepSpec = Field(default_factory=KeepSpec)

    @model_validator(mode="after")
    def _names(self) -> SweepSpec:
        names = [p.name for p in self.parameters]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise field_error("parameters", f"parameter names must be unique; repeated: "
                               f"{', '.join(dupes)}")
        if self.design.kind != "grid":
            for i, p in enumerate(self.parameters):
                if p.low is None and p.range is None and p.log_range is None and (
                        p.values is None or len(p.values) < 2):
                    raise field_error(f"parameters.{i}.low", f"the {self.design.kind} design "
                                       "samples between low and high: give them")
        return self


# --------------------------------------------------------------------------- design


def design_points(spec: SweepSpec) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The design's points (parameter name -> value) and, for sobol/morris, SALib's problem."""
    params = spec.parameters
    design = spec.design
    if design.kind == "grid":
        axes = [p.grid_values() for p in params]
        return [dict(zip([p.name for p in params], combo, strict=True))
                for combo in itertools.product(*axes)], None
    problem = {"num_vars": len(params), "names": [p.name for p in params],
               "bounds": [list(p.bounds()) for p in params]}
    if design.kind == "latin_hypercube":
        from SALib.sample import latin

        matrix = latin.sample(problem, design.n, seed=_design_seed(spec))
    elif design.kind == "sobol":
        from SALib.sample import sobol

        matrix = sobol.sample(problem, design.n, calc_second_order=design.second_order,
                              seed=_design_seed(spec))
    else:
        from SALib.sample import morris

        matrix = morris.sample(problem, design.n, num_levels=design.levels,
                               seed=_design_seed(spec))
    return [dict(zip(problem["names"], map(float, row), strict=True)) for row in matrix], problem


def _design_seed(spec: SweepSpec) -> int:
    return int(np.random.SeedSequence(spec.seed, spawn_key=(0xD5,)).generate_state(1)[0])


def run_seed(sweep_seed: int, point: int, replicate: int) -> int:
    """The seed of run (point, replicate): a function of the sweep seed and the run id only."""
    seq = np.random.SeedSequence(sweep_seed, spawn_key=(point, replicate))
    return int(seq.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))


def run_id(point: int, replicate: int) -> str:
    return f"p{point:05d}-r{replicate:03d}"


def expand_runs(spec: SweepSpec) -> list[dict[str, Any]]:
    """Every run: id, point, replicate, seed, parameter values and overrides."""
    points, _ = design_points(spec)
    runs = []
    for k, values in enumerate(points):
        overrides = [o for p in spec.parameters for o in p.overrides(values[p.name])]
        for r in range(spec.replicates):
            runs.append({"run_id": run_id(k, r), "point": k, "replicate": r,
                         "seed": run_seed(spec.seed, k, r), "values": values,
                         "overrides": overrides})
    return runs


# --------------------------------------------------------------------------- loading


MAX_RUNS = 100_000  # runs of one sweep unless --max-runs says more (a cluster's)


def design_size(spec: SweepSpec) -> int:
    """Runs of the sweep (points x replicates), computed without expanding the design: a
    grid is the product of its axes, latin_hypercube n points, sobol N (2D + 2) with
    second-order indices and N (D + 2) without, morris r (D + 1)."""
    design, d = spec.design, len(spec.parameters)
    if design.kind == "grid":
        points = 1
        for parameter in spec.parameters:
            points *= parameter.grid_size()
    elif design.kind == "latin_hypercube":
        points = design.n
    elif design.kind == "sobol":
        points = design.n * (2 * d + 2 if design.second_order else d + 2)
    else:
        points = design.n * (d + 1)
    return points * spec.replicates


def load_sweep(path: str | Path, context: dict[str, Any] | None = None,
               max_runs: int = MAX_RUNS) -> tuple[SweepSpec, Path]:
    """Read and validate a sweep file and check the scenario of each distinct point; return
    the spec and the base scenario's path. Raises ScenarioError with one clear message.
    ``context``: pydantic's validation context, ``{"metrics": names}`` to check metric names
    (``sim.runs`` passes the engine's). A design of more than ``max_runs`` runs is refused
    before it is expanded."""
    path = Path(path)
    doc = read_yaml_file(path)
    data = doc.data
    if data is None:
        raise ScenarioError(f"{path}: file is empty; expected a sweep mapping")
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: top level must be a mapping (name, base, parameters, ...); "
                            f"got {type(data).__name__}")
    try:
        spec = SweepSpec.model_validate(data, context=context)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, doc, data, str(path),
                                                    model=SweepSpec)) from None
    base = (path.parent / spec.base).resolve()
    if not base.is_file():
        raise ScenarioError(f"{path}: base: scenario file not found: {base}")
    size = design_size(spec)
    if size > max_runs:
        raise ScenarioError(f"{path}: design: {size:,} runs, more than the {max_runs:,} allowed; "
                            f"shrink the design, or raise the limit with --max-runs (e.g. for "
                            f"a cluster)")
    runs = expand_runs(spec)
    if not runs:
        raise ScenarioError(f"{path}: the design has no points")
    # every distinct point must give a valid scenario: check each once, before any run
    document = read_yaml_file(base)  # read once: overrides work on a copy
    seen: set[tuple[str, ...]] = set()
    models: dict[str, dict[str, Any]] = {}  # dynamics.model -> its first run
    for run in runs:
        key = tuple(run["overrides"])
        if key in seen:
            continue
        seen.add(key)
        try:
            scenario = load_scenario(base, scenario_overrides(spec, run), context=context,
                                     document=document)
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: run {run['run_id']} "
                                f"({_describe_point(run['values'])}): {exc}") from None
        models.setdefault(scenario.dynamics.model, run)
    return with_recorded_metrics(spec, models, context, str(path)), base


def with_recorded_metrics(spec: SweepSpec, models: dict[str, dict[str, Any]],
                          context: dict[str, Any] | None, source: str) -> SweepSpec:
    """``spec`` whose keep.metrics every run records: ``models`` maps each dynamics.model of
    the sweep's points to one of its runs; the context's ``recorded`` lists what each model
    records (a classic model only its own measures). Unset keep.metrics defaults to the
    disorder indices, or, if a classic model runs, to the measures every point records;
    a kept metric that a point's model does not record is a ScenarioError naming it."""
    recorded = context.get("recorded") if isinstance(context, dict) else None
    if not recorded:
        return spec
    common = [name for name in recorded[next(iter(models))]
              if all(name in recorded[model] for model in models)]
    given = "keep" in spec.model_fields_set and "metrics" in spec.keep.model_fields_set
    if not given:
        if all(set(DISORDER_INDICES) <= set(recorded[model]) for model in models):
            return spec  # the ecology: the disorder indices
        if not common:
            raise ScenarioError(f"{source}: keep.metrics: the points run models that record "
                                f"no metric in common ({', '.join(models)}); name them")
        return spec.model_copy(update={"keep": spec.keep.model_copy(
            update={"metrics": common})})
    for name in spec.keep.metrics:
        for model, run in models.items():
            if name not in recorded[model]:
                raise ScenarioError(
                    f"{source}: keep.metrics: {name!r} is not recorded by dynamics.model "
                    f"{model!r} (run {run['run_id']}); it records: "
                    f"{', '.join(recorded[model])} (see `run.py metrics`)")
    return spec


def scenario_overrides(spec: SweepSpec, run: dict[str, Any]) -> list[str]:
    extra = [f"run.steps={spec.steps}"] if spec.steps is not None else []
    return [*spec.set, *run["overrides"], *extra, f"run.seed={run['seed']}"]


def _describe_point(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items())
