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

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ScenarioError
from sim.config.sweep import SweepSpec, expand_runs, scenario_overrides
from sim.config.sweep import load_sweep as load_config_sweep
from sim.engine.scenarios import load_scenario, validation_context
from sim.runs.driver import run_scenario
from sim.runs.executors import Crashed, run_jobs
from sim.runs.files import (
    atomic_write_text,
    default_out,
    versions,
    write_json,
    write_parquet,
)


def load_sweep(path: str | Path) -> tuple[SweepSpec, Path]:
    """Read and validate a sweep file, with the engine's metric names; return the spec and
    the base scenario's path (:func:`sim.config.sweep.load_sweep`)."""
    return load_config_sweep(path, context=validation_context())


def make_job(spec: SweepSpec, base: Path, run: dict[str, Any]) -> dict[str, Any]:
    return {"run_id": run["run_id"], "point": run["point"], "replicate": run["replicate"],
            "seed": run["seed"], "values": run["values"], "base": str(base),
            "overrides": scenario_overrides(spec, run), "keep": spec.keep.model_dump()}


def execute(job: dict[str, Any]) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Run one job; return (row, time series or None). Never raises."""
    started = time.perf_counter()
    row: dict[str, Any] = {"run_id": job["run_id"], "point": job["point"],
                           "replicate": job["replicate"], "seed": job["seed"],
                           **job["values"]}
    keep = job["keep"]
    try:
        scenario = load_scenario(job["base"], job["overrides"])
        frame = run_scenario(scenario, job["seed"]).metrics
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


def save_part(out: Path, row: dict[str, Any], series: pd.DataFrame | None) -> None:
    parts = out / "parts"
    if series is not None:  # the series first: a run counts as done once its row exists
        write_parquet(parts / f"{row['run_id']}.ts.parquet", series)
    write_parquet(parts / f"{row['run_id']}.parquet", pd.DataFrame([row]))


def completed_runs(out: Path) -> set[str]:
    """Run ids whose part says completed (a failed run is retried on resume)."""
    done = set()
    for path in (out / "parts").glob("*.parquet"):
        if path.name.endswith(".ts.parquet"):
            continue
        try:
            status = pd.read_parquet(path, columns=["status"])["status"].iloc[0]
        except Exception:  # noqa: BLE001 - an unreadable part is simply redone
            continue
        if status == "completed":
            done.add(path.name.removesuffix(".parquet"))
    return done


def compact(out: Path, run_ids: list[str], columns: list[str], timeseries: bool) -> pd.DataFrame:
    """runs.parquet (and timeseries.parquet) from the parts, in run-id order."""
    rows = [pd.read_parquet(out / "parts" / f"{rid}.parquet") for rid in run_ids
            if (out / "parts" / f"{rid}.parquet").exists()]
    runs = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
    runs = runs.reindex(columns=[c for c in columns if c in runs.columns] +
                        [c for c in runs.columns if c not in columns])
    write_parquet(out / "runs.parquet", runs)
    if timeseries:
        series = [pd.read_parquet(out / "parts" / f"{rid}.ts.parquet") for rid in run_ids
                  if (out / "parts" / f"{rid}.ts.parquet").exists()]
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
              ) -> pd.DataFrame:
    """Run (or finish) the sweep into ``out``; return the compacted runs table."""
    runs = expand_runs(spec)
    out.mkdir(parents=True, exist_ok=True)
    (out / "parts").mkdir(exist_ok=True)
    for stale in (out / "parts").glob(".*.tmp"):  # temp files of a killed sweep's writes
        stale.unlink(missing_ok=True)
    done = completed_runs(out) if resume else set()
    jobs = [make_job(spec, base, run) for run in runs if run["run_id"] not in done]
    tick = progress(len(runs), len(runs) - len(jobs)) if progress else None
    for index, result in run_jobs(execute, jobs, workers=workers, scheduler=scheduler):
        row, series = (_crashed(jobs[index], result.error), None) if isinstance(
            result, Crashed) else result
        save_part(out, row, series)
        if tick:
            tick()
    names = [p.name for p in spec.parameters]
    columns = ["run_id", "point", "replicate", "seed", *names, "status", "error", "steps",
               "wall_time_s"]
    return compact(out, [r["run_id"] for r in runs], columns, spec.keep.timeseries)


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
    """Check the output folder of a sweep whose resolved file reads ``text``: new or empty;
    with ``resume``, one started by the same sweep; with ``force``, anything."""
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a folder")
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
          ) -> SweepResult:
    """Run the sweep file ``path`` into ``out`` (default ``results/<name>-<timestamp>``), as
    ``run.py sweep`` does: sweep.resolved.yaml, one part per run, runs.parquet (and
    timeseries.parquet), manifest.json. ``announce(spec, out, runs)`` is called once the
    folder is checked; ``progress(total, done)`` once before the runs, and it may return a
    callable, called after each finished run."""
    if workers < 1:
        raise ScenarioError(f"--workers {workers}: must be at least 1")
    spec, base = load_sweep(path)
    text = resolved_text(spec)
    out = sweep_folder(Path(out) if out is not None else default_out(spec.name), text,
                       resume, force)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "sweep.resolved.yaml", text)
    if announce is not None:
        announce(spec, out, len(expand_runs(spec)))
    started = time.perf_counter()
    runs = run_sweep(spec, base, out, workers=workers, scheduler=scheduler, resume=resume,
                     progress=progress)
    wall = time.perf_counter() - started
    write_manifest(out, spec, runs, {"wall_time_s": round(wall, 3), "workers": workers,
                                     "scheduler": scheduler, "sweep_file": str(path),
                                     "base": str(base)})
    return SweepResult(spec, base, out, runs, wall)
