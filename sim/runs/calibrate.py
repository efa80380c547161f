"""Calibration: fit a scenario's parameters to observed figures (``run.py calibrate``).

A calibration file (:mod:`sim.config.calibration`) gives priors on scenario fields and
observed targets. Every parameter draw is a scenario (base + ``set`` + the draw) run on
``replicates`` seeds by :func:`sim.runs.driver.run_scenario`; its statistics are the window
means of the targets, averaged over the seeds, and its distance to the observations is
the sum of the targets' squared z-scores, sum_k ((simulated_k - observed_k) / sd_k)^2.

* ``abc_smc``: approximate Bayesian computation by sequential Monte Carlo with pyabc
  (Toni et al. 2009; Klinger et al. 2018): uniform or log-uniform priors, a multivariate
  normal perturbation kernel, the acceptance threshold of each generation the weighted
  median of the previous generation's distances (the first from a sample of the prior),
  weighted particles. The posterior is the last generation.
* ``optimize``: a point estimate with Optuna's TPE sampler (Bergstra et al. 2011), in
  batches of trials evaluated in parallel.

Reproducibility. Each draw's randomness comes from seeds derived from the calibration
seed and the draw's place (generation and index, or batch and trial), never from the
order in which workers finish: pyabc's proposals are made inside the draw after seeding
numpy with the draw's seed, draws are evaluated in batches and accepted in index order,
and only the draws a one-worker run would have made are counted. So the posterior, the
history and the budget used are the same for any number of local workers, on a Dask
cluster, and after ``--resume`` (generation by generation from pyabc's database, batch by
batch from part files). The exception is ``dynamic`` (pyabc's own DaskDistributedSampler,
which accepts draws as they finish): faster with uneven run times, not reproducible.

Outputs in the folder: ``posterior.parquet``, ``history.parquet``, ``summary.json``,
``calibrated.yaml``, ``figures/posterior.png``, ``figures/fit.png``, and what resuming
needs (``abc.db``, ``parts/``, ``calibration.resolved.yaml``,
``calibration.fingerprint.json``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ScenarioError, apply_overrides
from sim.config.calibration import CalibrationSpec, PriorSpec, TargetSpec, parse_target
from sim.config.calibration import load_calibration as load_config_calibration
from sim.config.yamlio import flow_text, read_yaml_file
from sim.engine.metrics.groups import PLATFORM_FIELDS, STRATUM_FIELDS
from sim.engine.scenarios import load_scenario, validate_scenario, validation_context
from sim.runs.driver import RunResult, run_scenario
from sim.runs.executors import Crashed, run_jobs, usable_workers
from sim.runs.files import (
    atomic_write_text,
    default_out,
    package_version,
    save_figure,
    versions,
    write_json,
    write_parquet,
)
from sim.runs.interrupt import Interrupted, StopFlag
from sim.runs.outputs import check_output, locked_output

RESOLVED_FILE = "calibration.resolved.yaml"
FINGERPRINT_FILE = "calibration.fingerprint.json"
DATABASE_FILE = "abc.db"
PART_KEY = "opinion_ecology.calibration"  # Parquet metadata of every part: its fingerprint
CHECK_RUNS = 4  # chosen: seeds of the calibrated scenario run after the fit (summary, fit.png)
FIRST_ACCEPTANCE = 0.5  # the first generation's threshold is the prior sample's median
BATCH_MARGIN = 1.0  # chosen: a parallel batch holds the draws expected to be needed
OPTIMIZE_BATCH = 8  # chosen: trials proposed together; results depend on workers only above
ELITE_SHARE = 0.1  # optimize: the best tenth of the trials stands for the estimate's spread


def calibration_context() -> dict[str, Any]:
    """pydantic's validation context of calibration files: the engine's metric names and
    the fields of its per-stratum and per-platform tables."""
    return {**validation_context(), "strata_fields": STRATUM_FIELDS,
            "platform_fields": PLATFORM_FIELDS}


def load_calibration(path: str | Path) -> tuple[CalibrationSpec, Path, Any]:
    """Read and validate a calibration file with the engine's names; return the spec, the
    base scenario's path and the base scenario (``set`` applied); see
    :func:`sim.config.calibration.load_calibration`."""
    return load_config_calibration(path, context=calibration_context())


# --------------------------------------------------------------------------- seeds

_ABC, _OPTIMIZE, _CHECK = 0, 1, 2  # kinds of draws, part of every seed's spawn key
_TAG = 0xCA1


def draw_seed(seed: int, kind: int, stage: int, index: int) -> int:
    """The numpy seed of one draw (pyabc's proposal is made with it): a function of the
    calibration seed and the draw's place only (``stage`` >= -1: -1 is ABC's prior
    sample)."""
    seq = np.random.SeedSequence(seed, spawn_key=(_TAG, kind, stage + 1, index))
    return int(seq.generate_state(1)[0])


def run_seed(seed: int, kind: int, stage: int, index: int, replicate: int) -> int:
    """The model seed of one replicate of one draw."""
    seq = np.random.SeedSequence(seed, spawn_key=(_TAG, kind, stage + 1, index, replicate + 1))
    return int(seq.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))


# --------------------------------------------------------------------------- simulation


@lru_cache(maxsize=8)
def _base_data(base: str, overrides: tuple[str, ...]) -> Any:
    """The base scenario's raw data with the calibration's ``set`` (read once per process)."""
    return apply_overrides(read_yaml_file(base).data, list(overrides))


def target_values(result: RunResult, targets: list[TargetSpec]) -> dict[str, float]:
    """Each target's mean over its window of steps, from a run's tables."""
    tables = {"metrics": result.metrics}
    values = {}
    for target in targets:
        table, group, column = parse_target(target.metric)
        if table not in tables:
            tables[table] = result.strata if table == "strata" else result.platforms
        frame = tables[table]
        if group is not None:
            frame = frame[frame["stratum" if table == "strata" else "platform"] == group]
        first, last = target.window
        rows = frame[(frame["step"] >= first) & (frame["step"] <= last)]
        values[target.label] = float(rows[column].mean()) if len(rows) else float("nan")
    return values


@dataclass
class Simulator:
    """A parameter draw -> the targets' statistics, averaged over seeds. Picklable (sent to
    worker processes); the base scenario is read once per process."""

    base: str
    overrides: list[str]
    priors: dict[str, PriorSpec]
    targets: list[TargetSpec]

    def scenario(self, values: dict[str, float]):
        """The scenario of a draw (natural values)."""
        data = _base_data(self.base, tuple(self.overrides))
        point = [f"{key}={flow_text(prior.scenario_value(values[key]))}"
                 for key, prior in self.priors.items()]
        return validate_scenario(apply_overrides(data, point), "<calibration draw>",
                                 base_dir=Path(self.base).parent, overrides=point)

    def statistics(self, values: dict[str, float], seeds: list[int],
                   stop: Callable[[], bool] | None = None) -> tuple[dict[str, float], str]:
        """(statistics, error): the targets' means over the seeds' runs; NaN and the error if
        the scenario is refused or a run fails."""
        nothing = {target.label: float("nan") for target in self.targets}
        try:
            scenario = self.scenario(values)
        except ScenarioError as exc:
            return nothing, f"ScenarioError: {exc}"[:2000]
        rows = []
        for seed in seeds:
            result = run_scenario(scenario, seed, stop=stop, record_errors=True)
            if result.status != "completed":
                return nothing, f"{result.status}: {result.error or ''}"[:2000]
            rows.append(target_values(result, self.targets))
        return {label: float(np.mean([row[label] for row in rows])) for label in nothing}, ""


@dataclass
class SquaredZ:
    """The distance of simulated to observed statistics: sum of squared z-scores,
    sum_k ((x_k - x0_k) / sd_k)^2; infinite if a statistic is missing or not finite."""

    sd: dict[str, float]

    def __call__(self, x: dict[str, Any], x0: dict[str, Any]) -> float:
        total = 0.0
        for label, sd in self.sd.items():
            value = x.get(label)
            if value is None or not np.isfinite(value):
                return float("inf")
            total += ((float(value) - float(x0[label])) / sd) ** 2
        return float(total)


class _DrawState:
    """What the sampler tells the model about the draw it is making (in this process):
    its seeds, the stop flag, and the mode: ``None`` (simulate), ``"propose"`` (stop at
    the proposal: :class:`Proposed`) or ``"replay"`` (return ``replay``, simulated
    elsewhere)."""

    seeds: list[int] | None = None
    stop: Callable[[], bool] | None = None
    error: str = ""
    mode: str | None = None
    replay: tuple[dict[str, float], str] | None = None


_DRAW = _DrawState()


class Proposed(Exception):  # noqa: N818 - a signal, not an error
    """Raised by the model in ``propose`` mode: the draw's parameter values, not simulated."""

    def __init__(self, values: dict[str, float]) -> None:
        super().__init__("proposed")
        self.values = values


@dataclass
class AbcModel:
    """pyabc's model: a parameter in the sampling space (log10 for log priors) -> the
    statistics. Seeds come from the sampler (:data:`_DRAW`), or from numpy's global state
    under pyabc's own samplers."""

    simulator: Simulator
    replicates: int

    def __call__(self, parameter: dict[str, float]) -> dict[str, float]:
        priors = self.simulator.priors
        values = {key: prior.natural(float(parameter[key])) for key, prior in priors.items()}
        if _DRAW.mode == "propose":
            raise Proposed(values)
        if _DRAW.mode == "replay":
            stats, _DRAW.error = _DRAW.replay
            return stats
        seeds = _DRAW.seeds
        if seeds is None:  # pyabc's dynamic sampler: it seeds numpy itself
            seeds = [int(s) for s in np.random.randint(  # noqa: NPY002 - pyabc's global state
                0, 2**62, size=self.replicates)]
        stats, _DRAW.error = self.simulator.statistics(values, seeds, stop=_DRAW.stop)
        return stats


def _evaluate(simulate_one: Callable, seed: int, stage: int, index: int, replicates: int,
              stop: Callable[[], bool] | None = None, mode: str | None = None,
              replay: tuple[dict[str, float], str] | None = None) -> tuple[int, Any, str, list]:
    """One pyabc draw at its place (generation ``stage``, ``index``): seed numpy, propose,
    simulate (or, with ``mode``, stop at the proposal or take ``replay``'s statistics),
    accept or reject. Returns (index, particle, error, seeds)."""
    np.random.seed(draw_seed(seed, _ABC, stage, index))  # noqa: NPY002 - pyabc draws from it
    _DRAW.seeds = [run_seed(seed, _ABC, stage, index, r) for r in range(replicates)]
    _DRAW.stop, _DRAW.error, _DRAW.mode, _DRAW.replay = stop, "", mode, replay
    try:
        particle = simulate_one()
    finally:
        seeds, _DRAW.seeds, _DRAW.stop, _DRAW.mode, _DRAW.replay = (
            _DRAW.seeds, None, None, None, None)
    return index, particle, _DRAW.error, seeds


def _propose(simulate_one: Callable, seed: int, stage: int, index: int,
             replicates: int) -> tuple[dict[str, float], list[int]]:
    """The parameter values and seeds a draw will use, without simulating it."""
    try:
        _evaluate(simulate_one, seed, stage, index, replicates, mode="propose")
    except Proposed as proposed:
        return proposed.values, [run_seed(seed, _ABC, stage, index, r)
                                 for r in range(replicates)]
    raise RuntimeError("pyabc made a draw without calling the model")


def evaluate_point(job: dict[str, Any], stop: Callable[[], bool] | None = None,
                   ) -> tuple[dict[str, float], str]:
    """One point on given seeds (optimize's trials, the calibrated scenario's check runs)."""
    return job["simulator"].statistics(job["values"], job["seeds"], stop=stop)


def evaluate_points(job: dict[str, Any]) -> list[tuple[dict[str, float], str]]:
    """A worker's share of an ABC batch: several points, each on its own seeds (module
    level, so that process and Dask workers import it; they never import pyabc)."""
    return [job["simulator"].statistics(values, seeds) for values, seeds in job["points"]]


# --------------------------------------------------------------------------- ABC-SMC


@dataclass
class _Progress:
    """The state a calibration shares with its sampler: settings, records, counters."""

    spec: CalibrationSpec
    seed: int
    workers: int
    scheduler: str | None
    stop: StopFlag | None
    tick: Callable[..., Any] | None
    out: Path
    fingerprint: str
    rate: float = FIRST_ACCEPTANCE
    records: list[dict[str, Any]] = field(default_factory=list)
    executed: int = 0  # model runs made (all attempts), including draws not counted
    # ABC draws kept from before a --resume: (generation, draw) -> (statistics, error)
    stored: dict[tuple[int, int], tuple[dict[str, float], str]] = field(default_factory=dict)
    budget_stop: bool = False

    def check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Interrupted(self.stop.signum, f"interrupted ({self.stop.name}); finished "
                              f"generations are kept in {self.out}: finish with --resume "
                              f"--out {self.out}")

    def count(self, runs: int) -> None:
        if self.tick is not None:
            self.tick(runs)


def _particle_row(state: _Progress, stage: int, index: int, particle: Any, error: str,
                  seeds: list[int], epsilon: float) -> dict[str, Any]:
    spec = state.spec
    row: dict[str, Any] = {"generation": stage, "draw": index, "epsilon": epsilon}
    for key, prior in spec.parameters.items():
        value = particle.parameter.get(key) if particle.parameter else None
        row[key] = prior.natural(float(value)) if value is not None else float("nan")
    row["distance"] = float(particle.distance)
    row["accepted"] = bool(particle.accepted)
    row["status"] = "failed" if error else "completed"
    row["error"] = error
    for target in spec.targets:
        row[f"sim:{target.label}"] = float((particle.sum_stat or {}).get(target.label,
                                                                         float("nan")))
    row["seeds"] = [int(s) for s in seeds]
    return row


def _save_history_part(state: _Progress, stage: int, rows: list[dict[str, Any]],
                       kind: str = "g") -> None:
    if rows:
        write_parquet(state.out / "parts" / f"history-{kind}{stage + 1:05d}.parquet",
                      pd.DataFrame(rows), metadata={PART_KEY: state.fingerprint})


def _batch_sampler(state: _Progress, simulator: Simulator):
    """pyabc's Sampler for this calibration: draws at fixed places, evaluated in batches on
    the project's executors, accepted in index order (see the module doc)."""
    import pyabc
    from pyabc.sampler import Sampler

    class BatchSampler(Sampler):
        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                    all_accepted=False, ana_vars=None):
            spec = state.spec
            used = int(getattr(ana_vars, "prev_total_nr_simulations", 0) or 0)
            remaining = spec.draws() - used
            sample = self._create_empty_sample()
            self.nr_evaluations_ = 0
            epsilon = float("nan")
            if t >= 0:
                epsilon = float(ana_vars.eps(t)) if ana_vars is not None else float("nan")
                if math.ceil(n / max(state.rate, 1e-9)) > remaining:
                    state.budget_stop = True  # the next generation would not fit the budget
                    sample.ok = False
                    return sample
            accepted, start, counted = 0, 0, []
            while accepted < n and start < remaining:
                state.check_stop()
                if state.workers <= 1 and state.scheduler is None:
                    stored = state.stored.get((t, start))
                    results = [_evaluate(simulate_one, state.seed, t, start, spec.replicates,
                                         stop=state.stop.is_set if state.stop else None,
                                         mode=None if stored is None else "replay",
                                         replay=stored)]
                    fresh = int(stored is None)
                else:
                    rate = 1.0 if all_accepted else max(state.rate, 1e-3)
                    size = max(state.workers, math.ceil((n - accepted) / rate * BATCH_MARGIN))
                    indices = list(range(start, min(start + size, remaining)))
                    results, fresh = _parallel(state, simulator, simulate_one, t, indices)
                state.check_stop()  # a run cut short by a signal is no result
                state.executed += fresh * spec.replicates
                start += len(results)
                for index, particle, error, seeds in sorted(results, key=lambda r: r[0]):
                    if accepted >= n:
                        break
                    counted.append((index, particle, error, seeds))
                    sample.append(particle)
                    accepted += bool(particle.accepted)
            rows = [_particle_row(state, t, *item, epsilon) for item in counted]
            state.records.extend(rows)
            _save_history_part(state, t, rows)
            self.nr_evaluations_ = len(counted)
            state.count(len(counted) * spec.replicates)
            if accepted < n:
                state.budget_stop = True
                sample.ok = False
            elif t >= 0:
                state.rate = n / len(counted)
            return sample

    del pyabc
    return BatchSampler()


def _parallel(state: _Progress, simulator: Simulator, simulate_one: Callable, stage: int,
              indices: list[int]) -> tuple[list[tuple[int, Any, str, list[int]]], int]:
    """A batch of draws: proposed here (each at its own seed), simulated on the workers in
    chunks, then accepted or rejected here by replaying each proposal with its statistics
    (the same seed gives the same proposal). Draws kept from before a --resume are not
    simulated again; a chunk whose worker died gives failed draws. Returns the draws and
    how many were simulated."""
    spec = state.spec
    todo = [i for i in indices if (stage, i) not in state.stored]
    proposals = [_propose(simulate_one, state.seed, stage, i, spec.replicates) for i in todo]
    chunks = max(1, min(len(todo), state.workers * 3))
    bounds = [int(b) for b in np.linspace(0, len(todo), chunks + 1)]
    spans = [(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
    jobs = [{"simulator": simulator, "points": proposals[a:b]} for a, b in spans]
    outcomes = {index: state.stored[(stage, index)] for index in indices
                if (stage, index) in state.stored}
    stopped = state.stop.is_set if state.stop is not None else None
    nothing = {target.label: float("nan") for target in spec.targets}
    for position, outcome in run_jobs(evaluate_points, jobs, workers=state.workers,
                                      scheduler=state.scheduler, stop=stopped):
        if isinstance(outcome, Crashed):
            outcome = [(nothing, outcome.error)] * len(jobs[position]["points"])
        for offset, item in enumerate(outcome):
            outcomes[todo[spans[position][0] + offset]] = item
    state.check_stop()
    return [_evaluate(simulate_one, state.seed, stage, index, spec.replicates,
                      mode="replay", replay=outcomes[index]) for index in indices], len(todo)


def _dynamic_sampler(state: _Progress, client: Any):
    """pyabc's own DaskDistributedSampler, recording what it returns (not reproducible)."""
    from pyabc.sampler import DaskDistributedSampler

    class RecordingSampler(DaskDistributedSampler):
        def sample_until_n_accepted(self, n, simulate_one, t, **options):
            state.check_stop()
            sample = super().sample_until_n_accepted(n, simulate_one, t, **options)
            eps = options.get("ana_vars")
            epsilon = float(eps.eps(t)) if eps is not None and t >= 0 else float("nan")
            rows = [_particle_row(state, t, i, p, "", [], epsilon)
                    for i, p in enumerate(sample.all_particles)]
            state.records.extend(rows)
            _save_history_part(state, t, rows)
            state.executed += self.nr_evaluations_ * state.spec.replicates
            state.count(self.nr_evaluations_ * state.spec.replicates)
            state.check_stop()
            return sample

    sampler = RecordingSampler(dask_client=client)
    sampler.sample_factory.record_rejected(True)
    return sampler


def _dask_client(scheduler: str, workers: int) -> tuple[Any, Any]:
    """A dask.distributed Client (and the LocalCluster it owns, for 'local')."""
    from distributed import Client, LocalCluster

    if scheduler == "local":
        import dask

        quiet = {"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}
        with dask.config.set(quiet):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, host="127.0.0.1")
        return Client(cluster), cluster
    if scheduler.startswith(("tcp://", "tls://", "ucx://", "inproc://")):
        return Client(scheduler), None
    if Path(scheduler).is_file():
        return Client(scheduler_file=scheduler), None
    raise ScenarioError(f"--scheduler {scheduler}: expected 'local', an address such as "
                        f"tcp://host:8786, or a scheduler file")


def _run_abc(state: _Progress, simulator: Simulator, resume: bool,
             dynamic: bool) -> dict[str, Any]:
    """Run (or resume) ABC-SMC; the final population, its predictive statistics and the
    generations."""
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)  # pyabc logs every generation
    spec = state.spec
    prior = pyabc.Distribution(**{
        key: pyabc.RV("uniform", low, high - low)
        for key, (low, high) in ((k, p.sampling_bounds()) for k, p in spec.parameters.items())})
    client = cluster = None
    if dynamic:
        client, cluster = _dask_client(state.scheduler, state.workers)
        sampler = _dynamic_sampler(state, client)
    else:
        sampler = _batch_sampler(state, simulator)
    abc = pyabc.ABCSMC(AbcModel(simulator, spec.replicates), prior,
                       SquaredZ({t.label: t.sd for t in spec.targets}),
                       population_size=spec.particles(), sampler=sampler,
                       eps=pyabc.QuantileEpsilon(alpha=0.5))
    path = state.out / DATABASE_FILE
    database = f"sqlite:///{path.resolve()}"
    try:
        if resume and _has_generation(database):
            history = abc.load(database, 1)
            generations = history.get_all_populations()
            last = generations[generations.t >= 0].iloc[-1]
            state.rate = float(last.particles) / float(last.samples)
        else:
            path.unlink(missing_ok=True)
            abc.new(database, {t.label: t.value for t in spec.targets})
        history = abc.run(max_total_nr_simulations=spec.draws())
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    if history.max_t < 0:
        return {"population": None, "generations": _generations(history)}
    population = history.get_population(t=history.max_t)
    rows, predictive = [], []
    for particle in population.particles:
        row = {key: prior.natural(float(particle.parameter[key]))
               for key, prior in spec.parameters.items()}
        row.update(weight=float(particle.weight), distance=float(particle.distance),
                   generation=int(history.max_t))
        rows.append(row)
        predictive.append({**{t.label: float(particle.sum_stat[t.label])
                              for t in spec.targets}, "weight": float(particle.weight)})
    return {"population": pd.DataFrame(rows), "predictive": pd.DataFrame(predictive),
            "generations": _generations(history)}


def _has_generation(database: str) -> bool:
    """Whether pyabc's database holds a finished generation of run 1."""
    import pyabc

    if not Path(database.removeprefix("sqlite:///")).is_file():
        return False
    try:
        return pyabc.History(database, _id=1).max_t >= 0
    except Exception:  # noqa: BLE001 - a missing or broken database: start afresh
        return False


def _generations(history: Any) -> list[dict[str, Any]]:
    table = history.get_all_populations()
    return [{"generation": int(row.t), "epsilon": float(row.epsilon),
             "draws": int(row.samples), "particles": int(row.particles),
             "acceptance_rate": float(row.particles) / float(row.samples) if row.samples
             else float("nan")}
            for row in table.itertuples() if row.t >= 0]


# --------------------------------------------------------------------------- optimize


def _run_optimize(state: _Progress, simulator: Simulator, resume: bool) -> dict[str, Any]:
    """Optuna's TPE in batches of trials; each batch a part file (for --resume)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    spec = state.spec
    distance = SquaredZ({t.label: t.sd for t in spec.targets})
    observed = {t.label: t.value for t in spec.targets}
    distributions = {key: optuna.distributions.FloatDistribution(
        prior.low, prior.high, log=prior.scale == "log") for key, prior in spec.parameters.items()}
    study = optuna.create_study(direction="minimize")
    done = _stored_trials(state) if resume else []
    for row in done:
        value = row["distance"]
        study.add_trial(optuna.trial.create_trial(
            params={key: row[key] for key in spec.parameters}, distributions=distributions,
            value=value if np.isfinite(value) else None,
            state=(optuna.trial.TrialState.COMPLETE if np.isfinite(value)
                   else optuna.trial.TrialState.FAIL)))
    state.records.extend(done)
    total = spec.draws()
    size = max(OPTIMIZE_BATCH, state.workers)
    startup = min(10, max(2, total // 5))
    batch = (max(r["generation"] for r in done) + 1) if done else 0
    while len(study.trials) < total and not state.budget_stop:
        state.check_stop()
        study.sampler = optuna.samplers.TPESampler(
            seed=draw_seed(state.seed, _OPTIMIZE, batch, 0), n_startup_trials=startup)
        trials = [study.ask() for _ in range(min(size, total - len(study.trials)))]
        points = [{key: trial.suggest_float(key, prior.low, prior.high,
                                            log=prior.scale == "log")
                   for key, prior in spec.parameters.items()} for trial in trials]
        jobs = [{"simulator": simulator, "values": values,
                 "seeds": [run_seed(state.seed, _OPTIMIZE, batch, trial.number, r)
                           for r in range(spec.replicates)]}
                for trial, values in zip(trials, points, strict=True)]
        outcomes = _run_points(state, jobs)
        state.check_stop()
        rows = []
        for trial, values, job, (stats, error) in zip(trials, points, jobs, outcomes,
                                                      strict=True):
            value = distance(stats, observed)
            if np.isfinite(value):
                study.tell(trial, value)
            else:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            row = {"generation": batch, "draw": trial.number, "epsilon": float("nan"),
                   **values, "distance": value, "accepted": bool(np.isfinite(value)),
                   "status": "completed" if np.isfinite(value) else "failed", "error": error,
                   **{f"sim:{t.label}": stats[t.label] for t in spec.targets},
                   "seeds": job["seeds"]}
            rows.append(row)
        state.executed += len(jobs) * spec.replicates
        state.records.extend(rows)
        _save_history_part(state, batch, rows, kind="b")
        state.count(len(jobs) * spec.replicates)
        batch += 1
    table = pd.DataFrame(state.records)
    good = table[np.isfinite(table["distance"])].sort_values(["distance", "draw"], kind="stable")
    if good.empty:
        return {"population": None, "generations": []}
    elite = good.head(max(1, math.ceil(ELITE_SHARE * len(good))))
    population = elite[list(spec.parameters)].reset_index(drop=True)
    population["weight"] = 1.0 / len(elite)
    population["distance"] = elite["distance"].to_numpy()
    population["generation"] = elite["generation"].to_numpy()
    predictive = pd.DataFrame({t.label: elite[f"sim:{t.label}"].to_numpy()
                               for t in spec.targets})
    predictive["weight"] = 1.0 / len(elite)
    best = {key: float(good.iloc[0][key]) for key in spec.parameters}
    return {"population": population, "predictive": predictive, "best": best,
            "generations": [{"generation": int(b), "draws": int(len(g)),
                             "best_distance": float(g["distance"].min())}
                            for b, g in table.groupby("generation")]}


def _stored_trials(state: _Progress) -> list[dict[str, Any]]:
    """The rows of the batches finished before an interruption (this calibration's parts,
    in batch order)."""
    rows = []
    for path in sorted((state.out / "parts").glob("history-b*.parquet")):
        part = _part(path, state.fingerprint)
        if part is None:
            break  # a foreign or unreadable part: redo it and everything after it
        rows.extend(part.to_dict("records"))
    return rows


def _run_points(state: _Progress, jobs: list[dict[str, Any]]) -> list[tuple[dict, str]]:
    """Points on the workers, results in job order; a lost job is a failed point."""
    outcomes: list[Any] = [None] * len(jobs)
    stopped = state.stop.is_set if state.stop is not None else None
    for index, outcome in run_jobs(evaluate_point, jobs, workers=state.workers,
                                   scheduler=state.scheduler, stop=stopped):
        if isinstance(outcome, Crashed):
            labels = [t.label for t in state.spec.targets]
            outcome = ({label: float("nan") for label in labels}, outcome.error)
        outcomes[index] = outcome
    state.check_stop()
    return outcomes


# --------------------------------------------------------------------------- results


def weighted_quantiles(values: np.ndarray, weights: np.ndarray,
                       probabilities: tuple[float, ...]) -> list[float]:
    """Quantiles of a weighted sample: the smallest value whose cumulative weight reaches
    each probability."""
    order = np.argsort(values, kind="stable")
    values, weights = np.asarray(values)[order], np.asarray(weights, dtype=float)[order]
    cumulative = np.cumsum(weights) / weights.sum()
    return [float(values[min(np.searchsorted(cumulative, p - 1e-12), len(values) - 1)])
            for p in probabilities]


def estimates(spec: CalibrationSpec, population: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per parameter: weighted median and 90 % interval (q05, q95), and the interval's width
    relative to the prior's (1 = the data did not narrow the prior)."""
    out = {}
    weights = population["weight"].to_numpy()
    for key, prior in spec.parameters.items():
        q05, median, q95 = weighted_quantiles(population[key].to_numpy(), weights,
                                              (0.05, 0.5, 0.95))
        if prior.scale == "log":
            width = (math.log10(q95) - math.log10(q05)) / (math.log10(prior.high)
                                                           - math.log10(prior.low))
        else:
            width = (q95 - q05) / (prior.high - prior.low)
        out[key] = {"median": median, "q05": q05, "q95": q95, "interval_to_prior": width}
    return out


def fit_table(spec: CalibrationSpec, predictive: pd.DataFrame,
              check: list[dict[str, float]]) -> pd.DataFrame:
    """Per target: observed, sd, the posterior predictive's weighted mean and sd, z, and
    the calibrated scenario's mean over its check runs with its z."""
    rows = []
    weights = predictive["weight"].to_numpy()
    for target in spec.targets:
        values = predictive[target.label].to_numpy()
        mean = float(np.average(values, weights=weights))
        sd = float(np.sqrt(np.average((values - mean) ** 2, weights=weights)))
        checked = [c[target.label] for c in check if np.isfinite(c[target.label])]
        calibrated = float(np.mean(checked)) if checked else float("nan")
        rows.append({"target": target.label, "metric": target.metric,
                     "window": list(target.window), "observed": target.value,
                     "sd": target.sd, "simulated_mean": mean, "simulated_sd": sd,
                     "z": (mean - target.value) / target.sd, "calibrated_mean": calibrated,
                     "calibrated_z": (calibrated - target.value) / target.sd,
                     "source": target.source})
    return pd.DataFrame(rows)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def calibrated_text(spec: CalibrationSpec, base: Path, point: dict[str, float],
                    header: list[str]) -> str:
    """The base scenario (with ``set``) at ``point``, every default filled, as YAML that
    ``run.py run`` takes as it is."""
    import yaml

    overrides = [*spec.set, *spec.overrides(point)]
    scenario = load_scenario(base, overrides)
    data = scenario.resolved()
    data["name"] = f"calibrated_{spec.name}"[:80]
    data["description"] = (f"{scenario.name} calibrated to observed figures by run.py "
                           f"calibrate ({spec.name}); see docs/calibration.md")
    lines = "".join(f"# {line}\n" if line else "#\n" for line in header)
    return lines + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# --------------------------------------------------------------------------- folder


def resolved_text(spec: CalibrationSpec) -> str:
    import yaml

    return yaml.safe_dump(json.loads(spec.model_dump_json()), sort_keys=False)


def fingerprint(spec: CalibrationSpec, base: Path) -> dict[str, str]:
    """What a calibration's draws depend on, hashed: the calibration without its budget (a
    resumed calibration may be given more), the base scenario file, the package version
    and the kernel backend."""
    from sim.engine.kernels import active_backend

    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    settings = json.loads(spec.model_dump_json())
    settings.pop("budget")
    parts = {"calibration": digest(json.dumps(settings, sort_keys=True).encode("utf-8")),
             "base scenario": digest(base.read_bytes()),
             "package version": package_version(), "kernel backend": active_backend()}
    parts["id"] = digest(json.dumps(parts, sort_keys=True).encode("utf-8"))
    return parts


def calibration_folder(out: Path, current: dict[str, str], resume: bool = False,
                       force: bool = False) -> Path:
    """Check the output folder: a path that can become a folder, new or empty; with
    ``resume``, one started by the same calibration (any budget); with ``force``, any."""
    check_output(out, force=True)
    if out.exists() and any(out.iterdir()):
        if resume:
            try:
                stored = json.loads((out / FINGERPRINT_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise ScenarioError(f"--resume: {out} holds no readable {FINGERPRINT_FILE}; "
                                    f"it was not started by a calibration: start a new "
                                    f"folder") from None
            if stored.get("id") != current["id"]:
                changed = [k for k in current if k != "id" and stored.get(k) != current[k]]
                raise ScenarioError(f"--resume: {', '.join(changed) or 'the calibration'} "
                                    f"changed since {out} was started; start a new folder "
                                    f"(or rerun without --resume, with --force)")
        elif not force:
            raise ScenarioError(f"--out {out}: folder is not empty (use --resume to finish an "
                                f"interrupted calibration, or --force)")
    return out


def _part(path: Path, calibration_id: str) -> pd.DataFrame | None:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception:  # noqa: BLE001 - an unreadable part is simply redone
        return None
    if (table.schema.metadata or {}).get(PART_KEY.encode()) != calibration_id.encode():
        return None
    return table.to_pandas()


def _history_table(state: _Progress) -> pd.DataFrame:
    """history.parquet: every counted draw, in generation and draw order (this run's records,
    and on --resume the finished generations' parts)."""
    frames = {}
    for path in sorted((state.out / "parts").glob("history-*.parquet")):
        part = _part(path, state.fingerprint)
        if part is not None:
            frames[path.name] = part
    table = pd.concat(frames.values(), ignore_index=True) if frames else pd.DataFrame(
        state.records)
    if table.empty:
        return table
    table = table.sort_values(["generation", "draw"], kind="stable").reset_index(drop=True)
    table["status"] = np.where(table["error"].fillna("") == "", "completed", "failed")
    prior = (table["generation"] < 0).to_numpy()  # pyabc does not measure the prior sample
    if prior.any() and not np.isfinite(table.loc[prior, "distance"]).any():
        distance = SquaredZ({t.label: t.sd for t in state.spec.targets})
        observed = {t.label: t.value for t in state.spec.targets}
        table.loc[prior, "distance"] = [
            distance({t.label: row[f"sim:{t.label}"] for t in state.spec.targets}, observed)
            for _, row in table[prior].iterrows()]
    return table


# --------------------------------------------------------------------------- public API


@dataclass
class CalibrationResult:
    """A finished calibration: its spec, folder, posterior (the final generation, or the
    best trials of optimize), every counted draw, and summary.json's content."""

    spec: CalibrationSpec
    base: Path
    out: Path
    posterior: pd.DataFrame
    history: pd.DataFrame
    summary: dict[str, Any]
    wall_time: float

    @property
    def estimates(self) -> dict[str, dict[str, float]]:
        """Per parameter: median, q05, q95 (summary.json's ``estimates``)."""
        return self.summary["estimates"]

    @property
    def fit(self) -> pd.DataFrame:
        """Per target: observed, simulated and calibrated means, z-scores."""
        return pd.DataFrame(self.summary["fit"])


def calibrate(path: str | Path, out: str | Path | None = None, *, budget: int | None = None,
              workers: int = 1, scheduler: str | None = None, seed: int | None = None,
              resume: bool = False, force: bool = False, dynamic: bool = False,
              progress: Callable[[int, int], Callable[..., Any] | None] | None = None,
              announce: Callable[[CalibrationSpec, Path, int], None] | None = None,
              stop: StopFlag | None = None, memory_check: bool = True,
              ) -> CalibrationResult:
    """Calibrate as ``run.py calibrate`` does: read and check the file (``budget`` and
    ``seed`` override its own), check the folder (default ``results/<name>-<timestamp>``),
    run ABC-SMC or the optimiser, and write posterior.parquet, history.parquet,
    summary.json, calibrated.yaml and figures/. ``announce(spec, out, workers)`` is called
    once the folder is checked; ``progress(budget, done)`` once before the draws, and it
    may return a callable, called with the number of model runs after each batch. Once
    ``stop`` is set, no draw starts and :class:`Interrupted` is raised after saving what
    resuming needs (summary.json says ``interrupted``). ``dynamic``: pyabc's own Dask
    sampler (needs ``scheduler``; not reproducible)."""
    started = time.perf_counter()
    if workers < 1:
        raise ScenarioError(f"--workers {workers}: must be at least 1")
    spec, base, scenario = load_calibration(path)
    changes = {}
    if budget is not None:
        changes["budget"] = budget
    if seed is not None:
        changes["seed"] = seed
    if changes:
        spec = _with(spec, changes, path)
    if dynamic and (scheduler is None or spec.method != "abc_smc"):
        raise ScenarioError("--dynamic: pyabc's Dask sampler; it needs --scheduler and method "
                            "abc_smc")
    current = fingerprint(spec, base)
    out = calibration_folder(Path(out) if out is not None else default_out(spec.name),
                             current, resume, force)
    if scheduler is None:
        workers = usable_workers(workers, spec.draws())
    if memory_check and scheduler is None:
        from sim.runs.resources import check_memory

        check_memory(scenario, str(path), concurrent=workers)
    with locked_output(out):
        earlier, executed = _earlier(out) if resume else (0.0, 0)
        if not resume:
            (out / DATABASE_FILE).unlink(missing_ok=True)
            for stale in (out / "parts").glob("*.parquet") if (out / "parts").is_dir() else []:
                stale.unlink()
        (out / "parts").mkdir(exist_ok=True)
        for stale in (out / "parts").glob(".*.tmp"):  # temporary files of a killed write
            stale.unlink(missing_ok=True)
        write_json(out / FINGERPRINT_FILE, current)
        atomic_write_text(out / RESOLVED_FILE, resolved_text(spec))
        write_json(out / "summary.json", {"status": "failed", "error": "did not finish",
                                          "method": spec.method, "calibration": spec.name})
        if announce is not None:
            announce(spec, out, workers)
        state = _Progress(spec=spec, seed=spec.seed, workers=workers, scheduler=scheduler,
                          stop=stop, tick=None, out=out, fingerprint=current["id"],
                          executed=executed)
        simulator = Simulator(str(base), list(spec.set), dict(spec.parameters),
                              list(spec.targets))
        if resume and spec.method == "abc_smc":
            state.stored = _stored_draws(state)
        done = _runs_done(state) if resume else 0
        state.tick = progress(spec.budget, done) if progress is not None else None
        try:
            if spec.method == "abc_smc":
                outcome = _run_abc(state, simulator, resume, dynamic)
            else:
                outcome = _run_optimize(state, simulator, resume)
            summary, posterior, history = _write_results(state, base, path, outcome, started,
                                                         earlier)
        except Interrupted as stopped:
            write_json(out / "summary.json", {
                "status": "interrupted", "error": str(stopped), "method": spec.method,
                "calibration": spec.name, "signal": stopped.signum,
                "runs_executed": state.executed,
                "wall_time_s": round(earlier + time.perf_counter() - started, 3)})
            raise
    return CalibrationResult(spec, base, out, posterior, history, summary,
                             time.perf_counter() - started)


def _with(spec: CalibrationSpec, changes: dict[str, Any], path: str | Path) -> CalibrationSpec:
    """The spec with --budget or --seed, validated again."""
    from pydantic import ValidationError

    from sim.config.messages import format_validation_error

    data = json.loads(spec.model_dump_json())
    data.update(changes)
    try:
        return CalibrationSpec.model_validate(data, context=calibration_context())
    except ValidationError as exc:
        flags = " ".join(f"--{key} {value}" for key, value in changes.items())
        raise ScenarioError(format_validation_error(exc, None, data, f"{path} ({flags})",
                                                    model=CalibrationSpec)) from None


def _stored_draws(state: _Progress) -> dict[tuple[int, int], tuple[dict[str, float], str]]:
    """The ABC draws of this calibration's parts that completed: replayed, not simulated
    again, when a resumed calibration reaches them (failed draws are redone: a worker may
    have died)."""
    table = _history_table(state)
    if table.empty:
        return {}
    labels = [t.label for t in state.spec.targets]
    table = table[table["error"].fillna("") == ""]
    return {(int(row["generation"]), int(row["draw"])):
            ({label: float(row[f"sim:{label}"]) for label in labels}, "")
            for _, row in table.iterrows()}


def _runs_done(state: _Progress) -> int:
    """Model runs of the draws kept from before an interruption (for the progress bar)."""
    if state.spec.method == "abc_smc":
        return len(state.stored) * state.spec.replicates
    return len(_history_table(state)) * state.spec.replicates


def _earlier(out: Path) -> tuple[float, int]:
    """The wall time and the model runs of the attempts before a --resume (their
    summary.json's)."""
    try:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        return float(summary.get("wall_time_s") or 0.0), int(summary.get("runs_executed") or 0)
    except (OSError, ValueError, TypeError):
        return 0.0, 0


def _write_results(state: _Progress, base: Path, path: str | Path, outcome: dict[str, Any],
                   started: float, earlier: float = 0.0,
                   ) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    spec, out = state.spec, state.out
    history = _history_table(state)
    files = ["summary.json", "history.parquet", RESOLVED_FILE]
    write_parquet(out / "history.parquet", history)
    used = int(len(history)) * spec.replicates  # every counted draw, the prior sample's too
    summary: dict[str, Any] = {
        "status": "completed", "method": spec.method, "calibration": spec.name,
        "file": str(path), "base": str(base), "budget": spec.budget, "budget_used": used,
        "runs_executed": state.executed, "replicates": spec.replicates, "seed": spec.seed,
        "workers": state.workers, "scheduler": state.scheduler,
        "generations": outcome.get("generations", [])}
    population = outcome.get("population")
    if population is None or population.empty:
        summary.update(status="failed", error="no parameter draw fitted: the budget ran out "
                       "before a first generation (or population) was complete, or every run "
                       "failed; see history.parquet")
        posterior = pd.DataFrame(columns=[*spec.parameters, "weight", "distance",
                                          "generation"])
    else:
        posterior = population
        write_parquet(out / "posterior.parquet", posterior)
        files.insert(0, "posterior.parquet")
        found = estimates(spec, posterior)
        point = outcome.get("best") or {key: value["median"] for key, value in found.items()}
        if spec.method == "abc_smc":
            summary["particles"] = spec.particles()
        for key, value in (outcome.get("best") or {}).items():
            found[key]["best"] = value
        check = _check_runs(state, base, point)
        fit = fit_table(spec, outcome["predictive"], check)
        summary.update(estimates=found, point={k: spec.parameters[k].scenario_value(v)
                                               for k, v in point.items()},
                       fit=fit.to_dict("records"), check_runs=len(check))
        chosen = "best trial" if spec.method == "optimize" else "medians"
        header = [f"Calibrated scenario: the base {Path(spec.base).name} with the calibration's "
                  f"set and the posterior {chosen}",
                  f"written by opinion-ecology {package_version()}: run.py calibrate {path} "
                  f"(method {spec.method}, budget {spec.budget}, seed {spec.seed}).",
                  "Estimates (median [q05, q95]):",
                  *[f"  {k}: {v['median']:.4g} [{v['q05']:.4g}, {v['q95']:.4g}]"
                    for k, v in found.items()],
                  "Run it as it is: python run.py run THIS_FILE"]
        atomic_write_text(out / "calibrated.yaml", calibrated_text(spec, base, point, header))
        files.insert(1, "calibrated.yaml")
        files += _figures(spec, out, posterior, outcome["predictive"], fit, check)
    summary["runs_executed"] = state.executed  # with the check runs
    # the calibration's own time: every attempt's, a --resume's added to those before it
    summary["wall_time_s"] = round(earlier + time.perf_counter() - started, 3)
    summary["versions"] = {**versions(), **_library_versions()}
    summary["files"] = files
    write_json(out / "summary.json", _json_safe(summary))
    return summary, posterior, history


def _check_runs(state: _Progress, base: Path, point: dict[str, float]) -> list[dict]:
    """The calibrated scenario on CHECK_RUNS seeds: its statistics per seed."""
    spec = state.spec
    simulator = Simulator(str(base), list(spec.set), dict(spec.parameters), list(spec.targets))
    jobs = [{"simulator": simulator, "values": point,
             "seeds": [run_seed(state.seed, _CHECK, 0, r, 0)]} for r in range(CHECK_RUNS)]
    outcomes = _run_points(state, jobs)
    state.executed += len(jobs)
    return [stats for stats, _ in outcomes]


def _figures(spec: CalibrationSpec, out: Path, posterior: pd.DataFrame,
             predictive: pd.DataFrame, fit: pd.DataFrame, check: list[dict]) -> list[str]:
    from sim.views.calibration import fit_figure, posterior_figure

    priors = {key: (p.low, p.high, p.scale) for key, p in spec.parameters.items()}
    save_figure(posterior_figure(posterior, priors, title=spec.name),
                out / "figures" / "posterior.png", dpi=150)
    save_figure(fit_figure(fit, predictive, pd.DataFrame(check)),
                out / "figures" / "fit.png", dpi=150)
    return ["figures/posterior.png", "figures/fit.png"]


def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for package in ("pyabc", "optuna"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def read_calibration_folder(folder: str | Path) -> dict[str, Any]:
    """A calibration folder's results: ``posterior`` and ``history`` (DataFrames),
    ``summary`` (dict) and ``fit`` (DataFrame), e.g. for a notebook."""
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return {"summary": summary, "posterior": pd.read_parquet(folder / "posterior.parquet"),
            "history": pd.read_parquet(folder / "history.parquet"),
            "fit": pd.DataFrame(summary.get("fit", []))}
