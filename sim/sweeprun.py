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

Executors: serial (1 worker), local processes (``spawn`` start method; a crashed
worker process only costs the runs it held, which are retried once), or a Dask
cluster (``scheduler``: ``local`` for a LocalCluster, a ``tcp://host:port``
address, or a scheduler file).
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.sweep import SweepSpec, expand_runs, scenario_overrides

MAX_RESTARTS = 3


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
        from sim.model import OpinionEcologyModel
        from sim.scenario import load_scenario

        scenario = load_scenario(job["base"], job["overrides"])
        model = OpinionEcologyModel(scenario, rng=job["seed"])
        model.run_for(scenario.run.steps)
        frame = model.metrics_frame()
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


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)


def save_part(out: Path, row: dict[str, Any], series: pd.DataFrame | None) -> None:
    parts = out / "parts"
    if series is not None:  # the series first: a run counts as done once its row exists
        _atomic_parquet(series, parts / f"{row['run_id']}.ts.parquet")
    _atomic_parquet(pd.DataFrame([row]), parts / f"{row['run_id']}.parquet")


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
    _atomic_parquet(runs, out / "runs.parquet")
    if timeseries:
        series = [pd.read_parquet(out / "parts" / f"{rid}.ts.parquet") for rid in run_ids
                  if (out / "parts" / f"{rid}.ts.parquet").exists()]
        if series:
            _atomic_parquet(pd.concat(series, ignore_index=True), out / "timeseries.parquet")
    return runs


# --------------------------------------------------------------------------- executors


def _serial(jobs: list[dict[str, Any]]) -> Iterable[tuple[dict[str, Any], Any]]:
    for job in jobs:
        yield execute(job)


def _processes(jobs: list[dict[str, Any]], workers: int) -> Iterable[tuple[dict[str, Any], Any]]:
    pending = {job["run_id"]: job for job in jobs}
    crashes: dict[str, int] = {}
    context = multiprocessing.get_context("spawn")
    for _attempt in range(MAX_RESTARTS + 1):
        if not pending:
            return
        try:
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                futures = {pool.submit(execute, job): rid for rid, job in pending.items()}
                for future in as_completed(futures):
                    rid = futures[future]
                    row, series = future.result()
                    pending.pop(rid, None)
                    yield row, series
        except BrokenProcessPool:
            # a worker process died (killed, out of memory): retry what it held, once
            for rid in list(pending):
                crashes[rid] = crashes.get(rid, 0) + 1
                if crashes[rid] > 1:
                    job = pending.pop(rid)
                    yield _crashed(job), None
    for job in pending.values():
        yield _crashed(job), None


def _crashed(job: dict[str, Any]) -> dict[str, Any]:
    return {"run_id": job["run_id"], "point": job["point"], "replicate": job["replicate"],
            "seed": job["seed"], **job["values"], "status": "failed",
            "error": "worker process died while running it (twice)", "steps": 0,
            "wall_time_s": 0.0}


def _dask(jobs: list[dict[str, Any]], scheduler: str,
          workers: int) -> Iterable[tuple[dict[str, Any], Any]]:
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - dask is a dependency
        raise ScenarioError("--scheduler needs dask.distributed: pip install "
                            "'dask[distributed]'") from None
    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1")
        client = Client(cluster)
    elif scheduler.startswith(("tcp://", "tls://", "ucx://", "inproc://")):
        client = Client(scheduler)
    else:
        path = Path(scheduler)
        if not path.is_file():
            raise ScenarioError(f"--scheduler {scheduler}: expected 'local', an address such "
                                f"as tcp://host:8786, or a scheduler file")
        client = Client(scheduler_file=str(path))
    try:
        futures = [client.submit(execute, job, pure=False, key=f"run-{job['run_id']}")
                   for job in jobs]
        for future in dask_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 - the worker itself was lost
                job = jobs[futures.index(future)]
                row = _crashed(job)
                row["error"] = f"dask: {type(exc).__name__}: {exc}"[:2000]
                yield row, None
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------- sweep


def run_sweep(spec: SweepSpec, base: Path, out: Path, workers: int = 1,
              scheduler: str | None = None, resume: bool = False,
              progress: Callable[[int, int], Callable[[], None] | None] | None = None,
              ) -> pd.DataFrame:
    """Run (or finish) the sweep into ``out``; return the compacted runs table."""
    runs = expand_runs(spec)
    out.mkdir(parents=True, exist_ok=True)
    (out / "parts").mkdir(exist_ok=True)
    done = completed_runs(out) if resume else set()
    jobs = [make_job(spec, base, run) for run in runs if run["run_id"] not in done]
    tick = progress(len(runs), len(runs) - len(jobs)) if progress else None
    if scheduler is not None:
        results = _dask(jobs, scheduler, workers)
    elif workers > 1 and len(jobs) > 1:
        results = _processes(jobs, workers)
    else:
        results = _serial(jobs)
    for row, series in results:
        save_part(out, row, series)
        if tick:
            tick()
    names = [p.name for p in spec.parameters]
    columns = ["run_id", "point", "replicate", "seed", *names, "status", "error", "steps",
               "wall_time_s"]
    return compact(out, [r["run_id"] for r in runs], columns, spec.keep.timeseries)


def write_manifest(out: Path, spec: SweepSpec, runs: pd.DataFrame, extra: dict[str, Any]) -> None:
    from sim.output import versions, write_json

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
