"""Running a sweep: executors, one Parquet part per finished run, resume, compaction.

Each run is a function of (base scenario, overrides, seed); ``execute`` runs one and
returns its row (and time series), never raising: a failing run is recorded with
status "failed" and its error. The parent writes each finished run to
``DIR/parts/<run_id>.parquet`` (temp file then rename), so a crash or kill loses at
most the runs in flight. ``--resume`` skips the runs whose part says "completed";
at the end the parts are compacted, in run-id order, into ``runs.parquet`` and
``timeseries.parquet``: the same tables whatever the executor, the number of
workers, the order of completion or the interruptions. ``wall_time_s`` is the
only column that differs between two executions of the same sweep.

Executors (:mod:`sim.runs.executors`): serial, local processes (a crashed worker
process only costs the runs it held, which are retried once) or a Dask cluster.
What a sweep file says (its parameters, design and runs) is :mod:`sim.config.sweep`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ScenarioError
from sim.config.sweep import MAX_RUNS, SweepSpec, expand_runs, scenario_overrides
from sim.config.sweep import load_sweep as load_config_sweep
from sim.engine.scenarios import load_scenario, validation_context
from sim.runs.driver import run_scenario
from sim.runs.executors import Crashed, run_jobs, usable_workers
from sim.runs.files import (
    atomic_write_text,
    default_out,
    package_version,
    versions,
    write_json,
    write_parquet,
)
from sim.runs.interrupt import Interrupted, StopFlag
from sim.runs.outputs import check_output, locked_output


def load_sweep(path: str | Path, max_runs: int = MAX_RUNS) -> tuple[SweepSpec, Path]:
    """Read and validate a sweep file, with the engine's metric names; return the spec and
    the base scenario's path (:func:`sim.config.sweep.load_sweep`)."""
    return load_config_sweep(path, context=validation_context(), max_runs=max_runs)


def check_memory_of_points(spec: SweepSpec, base: Path, workers: int, source: str) -> None:
    """ScenarioError if ``workers`` runs of the sweep's largest point at once would not fit
    in memory (each distinct point's scenario is estimated)."""
    from sim.runs.resources import check_memory, estimate_bytes

    largest, seen = None, set()
    for run in expand_runs(spec):
        key = tuple(run["overrides"])
        if key in seen:
            continue
        seen.add(key)
        scenario = load_scenario(base, scenario_overrides(spec, run))
        if largest is None or estimate_bytes(scenario) > estimate_bytes(largest):
            largest = scenario
    check_memory(largest, source, concurrent=workers)


def make_job(spec: SweepSpec, base: Path, run: dict[str, Any]) -> dict[str, Any]:
    return {"run_id": run["run_id"], "point": run["point"], "replicate": run["replicate"],
            "seed": run["seed"], "values": run["values"], "base": str(base),
            "overrides": scenario_overrides(spec, run), "keep": spec.keep.model_dump()}


def execute(job: dict[str, Any], stop: Callable[[], bool] | None = None,
            ) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Run one job; return (row, time series or None). Never raises: a failing run gives
    status "failed"; one stopped by ``stop`` (serial sweeps) status "interrupted"."""
    started = time.perf_counter()
    row: dict[str, Any] = {"run_id": job["run_id"], "point": job["point"],
                           "replicate": job["replicate"], "seed": job["seed"],
                           **job["values"]}
    keep = job["keep"]
    try:
        scenario = load_scenario(job["base"], job["overrides"])
        result = run_scenario(scenario, job["seed"], stop=stop)
        if result.status == "interrupted":
            row.update(status="interrupted", error="", steps=result.steps_completed,
                       wall_time_s=round(time.perf_counter() - started, 4))
            return row, None
        frame = result.metrics
        steps = scenario.run.steps
        first, last = keep["window"] or (steps // 2 + 1, steps)
        after = frame[frame.step >= 1]
        window = frame[(frame.step >= first) & (frame.step <= last)]
        for name in keep["metrics"]:
            values = {"final": float(frame[name].iloc[-1]),
                      "mean": float(after[name].mean()),
                      "peak": float(after[name].max()),
                      "window_mean": float(window[name].mean())}
            for summary in keep["summaries"]:
                row[f"{name}_{summary}"] = values[summary]
        series = None
        if keep["timeseries"]:
            series = frame[["step", *keep["metrics"]]].copy()
            series.insert(0, "run_id", job["run_id"])
        row.update(status="completed", error="", steps=steps)
    except Exception as exc:  # a failed run is data, not a crash of the sweep
        row.update(status="failed", error=f"{type(exc).__name__}: {exc}"[:2000], steps=0)
        series = None
    row["wall_time_s"] = round(time.perf_counter() - started, 4)
    return row, series


# --------------------------------------------------------------------------- storage


FINGERPRINT_FILE = "sweep.fingerprint.json"
PART_KEY = "opinion_ecology.sweep"  # Parquet metadata of every part: its sweep's fingerprint


def fingerprint(spec: SweepSpec, base: Path) -> dict[str, str]:
    """What a sweep's results depend on, hashed: the resolved sweep, the base scenario file,
    the edge-list file it names (after the sweep's ``set``), the package version and the
    kernel backend; ``sweep`` hashes them all."""
    from sim.config import apply_overrides
    from sim.config.yamlio import read_yaml_file
    from sim.engine.kernels import active_backend

    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    parts = {"resolved sweep": digest(resolved_text(spec).encode("utf-8")),
             "base scenario": digest(base.read_bytes())}
    data = apply_overrides(read_yaml_file(base).data, spec.set)
    network = data.get("network") if isinstance(data, dict) else None
    if isinstance(network, dict) and network.get("generator") == "edge_list":
        path = Path(str(network.get("path", "")))
        path = path if path.is_absolute() else base.parent / path
        parts["edge list"] = digest(path.read_bytes()) if path.is_file() else "missing"
    parts["package version"] = package_version()
    parts["kernel backend"] = active_backend()
    parts["sweep"] = digest(json.dumps(parts, sort_keys=True).encode("utf-8"))
    return parts


def check_fingerprint(out: Path, current: dict[str, str]) -> None:
    """ScenarioError unless the folder's stored fingerprint is ``current`` (for --resume):
    names what changed."""
    path = out / FINGERPRINT_FILE
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ScenarioError(f"--resume: {out} holds no readable {FINGERPRINT_FILE}; it was not "
                            f"started by this version, or not by a sweep: start a new folder"
                            ) from None
    if stored.get("sweep") != current["sweep"]:
        changed = [key for key in current if key != "sweep" and stored.get(key) != current[key]]
        raise ScenarioError(f"--resume: {', '.join(changed) or 'the sweep'} changed since {out} "
                            f"was started; its finished runs would not match new ones: start "
                            f"a new folder (or rerun without --resume, with --force)")


def save_part(out: Path, row: dict[str, Any], series: pd.DataFrame | None,
              sweep_id: str) -> None:
    """A finished run's row (and time series), tagged with its sweep's fingerprint."""
    parts = out / "parts"
    tag = {PART_KEY: sweep_id}
    if series is not None:  # the series first: a run counts as done once its row exists
        write_parquet(parts / f"{row['run_id']}.ts.parquet", series, metadata=tag)
    write_parquet(parts / f"{row['run_id']}.parquet", pd.DataFrame([row]), metadata=tag)


def _part(path: Path, sweep_id: str) -> pd.DataFrame | None:
    """The part at ``path`` if it belongs to sweep ``sweep_id`` and reads; else None."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception:  # noqa: BLE001 - an unreadable part is simply redone
        return None
    meta = table.schema.metadata or {}
    if meta.get(PART_KEY.encode()) != sweep_id.encode():
        return None  # another sweep's, or written before parts were tagged
    return table.to_pandas()


def completed_runs(out: Path, sweep_id: str) -> set[str]:
    """Run ids whose part belongs to this sweep and says completed (a failed or foreign
    run is redone on resume)."""
    done = set()
    for path in (out / "parts").glob("*.parquet"):
        if path.name.endswith(".ts.parquet"):
            continue
        part = _part(path, sweep_id)
        if part is not None and part["status"].iloc[0] == "completed":
            done.add(path.name.removesuffix(".parquet"))
    return done


def compact(out: Path, run_ids: list[str], columns: list[str], timeseries: bool,
            sweep_id: str) -> pd.DataFrame:
    """runs.parquet (and timeseries.parquet) from this sweep's parts, in run-id order."""
    rows = [part for rid in run_ids
            if (part := _part(out / "parts" / f"{rid}.parquet", sweep_id)) is not None]
    runs = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
    runs = runs.reindex(columns=[c for c in columns if c in runs.columns] +
                        [c for c in runs.columns if c not in columns])
    write_parquet(out / "runs.parquet", runs)
    if timeseries:
        series = [part for rid in run_ids
                  if (part := _part(out / "parts" / f"{rid}.ts.parquet", sweep_id)) is not None]
        if series:
            write_parquet(out / "timeseries.parquet", pd.concat(series, ignore_index=True))
    return runs


def _crashed(job: dict[str, Any], error: str) -> dict[str, Any]:
    """The row of a run whose worker died (or that Dask lost)."""
    return {"run_id": job["run_id"], "point": job["point"], "replicate": job["replicate"],
            "seed": job["seed"], **job["values"], "status": "failed", "error": error,
            "steps": 0, "wall_time_s": 0.0}


# --------------------------------------------------------------------------- sweep


def run_sweep(spec: SweepSpec, base: Path, out: Path, workers: int = 1,
              scheduler: str | None = None, resume: bool = False,
              progress: Callable[[int, int], Callable[[], None] | None] | None = None,
              stop: StopFlag | None = None) -> pd.DataFrame:
    """Run (or finish, ``resume``) the sweep into ``out``; return the compacted runs table.
    With ``resume`` the folder's fingerprint must match (:func:`check_fingerprint`); only
    parts of this sweep count. Once ``stop`` is set, no run starts, the runs in flight are
    abandoned (finished ones are kept in parts/) and :class:`Interrupted` is raised."""
    runs = expand_runs(spec)
    current = fingerprint(spec, base)
    if resume:
        check_fingerprint(out, current)
    out.mkdir(parents=True, exist_ok=True)
    (out / "parts").mkdir(exist_ok=True)
    for stale in (out / "parts").glob(".*.tmp"):  # temp files of a killed sweep's writes
        stale.unlink(missing_ok=True)
    write_json(out / FINGERPRINT_FILE, current)
    sweep_id = current["sweep"]
    done = completed_runs(out, sweep_id) if resume else set()
    jobs = [make_job(spec, base, run) for run in runs if run["run_id"] not in done]
    tick = progress(len(runs), len(runs) - len(jobs)) if progress else None
    stopped = stop.is_set if stop is not None else None
    for index, result in run_jobs(execute, jobs, workers=workers, scheduler=scheduler,
                                  stop=stopped):
        row, series = (_crashed(jobs[index], result.error), None) if isinstance(
            result, Crashed) else result
        if row["status"] == "interrupted":
            continue  # not a result: redone on resume
        save_part(out, row, series, sweep_id)
        if tick:
            tick()
    if stop is not None and stop.is_set():
        raise Interrupted(stop.signum, f"interrupted ({stop.name}); finished runs are kept in "
                          f"{out / 'parts'}: finish with --resume --out {out}")
    names = [p.name for p in spec.parameters]
    columns = ["run_id", "point", "replicate", "seed", *names, "status", "error", "steps",
               "wall_time_s"]
    return compact(out, [r["run_id"] for r in runs], columns, spec.keep.timeseries, sweep_id)


def write_manifest(out: Path, spec: SweepSpec, runs: pd.DataFrame, extra: dict[str, Any]) -> None:
    status = runs["status"].value_counts().to_dict() if len(runs) else {}
    write_json(out / "manifest.json", {
        "sweep": spec.name, "runs": int(len(runs)),
        "completed": int(status.get("completed", 0)), "failed": int(status.get("failed", 0)),
        "files": ["runs.parquet", *(["timeseries.parquet"] if spec.keep.timeseries else []),
                  "sweep.resolved.yaml", "manifest.json", "parts/"],
        "versions": versions(), **extra})


def summarize_points(runs: pd.DataFrame, spec: SweepSpec) -> pd.DataFrame:
    """Per design point: mean and 95 % t interval over completed replicates of every kept
    summary column."""
    from scipy.stats import t as student_t

    names = [p.name for p in spec.parameters]
    ok = runs[runs.status == "completed"]
    value_columns = [c for c in ok.columns if any(c.startswith(m + "_")
                                                  for m in spec.keep.metrics)]
    rows = []
    for point, group in ok.groupby("point", sort=True):
        row = {"point": int(point), **{n: group[n].iloc[0] for n in names},
               "replicates": len(group)}
        for column in value_columns:
            values = group[column].to_numpy(dtype=float)
            mean = float(values.mean())
            if len(values) > 1:
                half = float(student_t.ppf(0.975, len(values) - 1) * values.std(ddof=1)
                             / np.sqrt(len(values)))
            else:
                half = float("nan")
            row[column] = mean
            row[f"{column}_ci95_low"] = mean - half
            row[f"{column}_ci95_high"] = mean + half
        rows.append(row)
    return pd.DataFrame(rows)


def resolved_text(spec: SweepSpec) -> str:
    import yaml

    return yaml.safe_dump(json.loads(spec.model_dump_json()), sort_keys=False)


# --------------------------------------------------------------------------- public API


def sweep_folder(out: Path, text: str, resume: bool = False, force: bool = False) -> Path:
    """Check the output folder of a sweep whose resolved file reads ``text``: a path that
    can become a folder (:func:`sim.runs.outputs.check_output`), new or empty; with
    ``resume``, one started by the same sweep; with ``force``, anything."""
    check_output(out, force=True)
    if out.exists() and any(out.iterdir()):
        resolved = out / "sweep.resolved.yaml"
        if resume:
            if not resolved.is_file():
                raise ScenarioError(f"--resume: {out} holds no sweep.resolved.yaml; nothing to "
                                    f"resume")
            if resolved.read_text(encoding="utf-8") != text:
                raise ScenarioError(f"--resume: the sweep file changed since {out} was started "
                                    f"(compare with {resolved}); start a new folder")
        elif not force:
            raise ScenarioError(f"--out {out}: folder is not empty (use --resume to finish "
                                f"an interrupted sweep, or --force)")
    return out


@dataclass
class SweepResult:
    """A finished (or finished-with-failures) sweep: its spec, folder and runs table."""

    spec: SweepSpec
    base: Path
    out: Path
    runs: pd.DataFrame
    wall_time: float

    @property
    def failed(self) -> int:
        return int((self.runs.status != "completed").sum())

    def points(self) -> pd.DataFrame:
        """Per design point: means and 95 % intervals over replicates (points.csv)."""
        return summarize_points(self.runs, self.spec)


def sweep(path: str | Path, out: str | Path | None = None, *, workers: int = 1,
          scheduler: str | None = None, resume: bool = False, force: bool = False,
          progress: Callable[[int, int], Callable[[], None] | None] | None = None,
          announce: Callable[[SweepSpec, Path, int], None] | None = None,
          stop: StopFlag | None = None, max_runs: int = MAX_RUNS,
          memory_check: bool = True) -> SweepResult:
    """Run the sweep file ``path`` into ``out`` (default ``results/<name>-<timestamp>``), as
    ``run.py sweep`` does: sweep.resolved.yaml, one part per run, runs.parquet (and
    timeseries.parquet), manifest.json. ``announce(spec, out, runs)`` is called once the
    folder is checked; ``progress(total, done)`` once before the runs, and it may return a
    callable, called after each finished run. ``stop``: see :func:`run_sweep`. Designs
    of more than ``max_runs`` runs are refused; so is a sweep whose largest point, run by
    every worker at once, would not fit in memory (unless ``memory_check`` is false)."""
    if workers < 1:
        raise ScenarioError(f"--workers {workers}: must be at least 1")
    spec, base = load_sweep(path, max_runs)
    text = resolved_text(spec)
    out = sweep_folder(Path(out) if out is not None else default_out(spec.name), text,
                       resume, force)
    total = len(expand_runs(spec))
    workers = usable_workers(workers, total) if scheduler is None else workers
    if memory_check and scheduler is None:
        check_memory_of_points(spec, base, workers, str(path))
    with locked_output(out):
        atomic_write_text(out / "sweep.resolved.yaml", text)
        if announce is not None:
            announce(spec, out, total)
        started = time.perf_counter()
        runs = run_sweep(spec, base, out, workers=workers, scheduler=scheduler, resume=resume,
                         progress=progress, stop=stop)
        wall = time.perf_counter() - started
        write_manifest(out, spec, runs, {"wall_time_s": round(wall, 3), "workers": workers,
                                         "scheduler": scheduler, "sweep_file": str(path),
                                         "base": str(base)})
    return SweepResult(spec, base, out, runs, wall)
