"""Compare scenarios on common random numbers: same seeds, paired differences, intervals.

:func:`compare` runs every (scenario, seed) pair on an executor (results do not depend
on it: a run is a function of its scenario and seed) and returns a :class:`Comparison`:
the per-step indices of every run (``timeseries``), each run's mean over a window of
steps (``summary``) and, for each scenario, the mean difference to the reference
scenario over seeds with a Student-t 95 % confidence interval (``differences``; the
runs of one seed are paired, so the interval reflects only what the scenarios change).
The sign is always scenario minus reference (the ``reference`` column); with
counterfactuals, each scenario is also compared with its own counterfactual: the
effect of its interventions, with minus without.
:func:`write_comparison` writes it as ``run.py compare`` does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Overrides, Scenario, ScenarioError
from sim.config.outcomes import DISORDER_INDICES
from sim.engine.metrics import REGISTRY, family_of, recorded_metrics
from sim.engine.scenarios import resolve_scenario
from sim.runs.driver import run_scenario
from sim.runs.executors import Crashed, run_jobs
from sim.runs.files import save_figure, versions, write_csv, write_json
from sim.runs.interrupt import StopFlag
from sim.views.compare import compare_figure

EXTRA = ("attention_gini", "attention_top1_share", "silent_share", "polarization")
"""Metrics kept beside the disorder indices in timeseries.csv."""


def compared_metrics(scenarios: Sequence[Scenario]) -> tuple[list[str], list[str]]:
    """(kept, headline): the metrics of timeseries.csv and those the figure and the command
    line show. The ecology: the disorder indices and EXTRA, headline the indices. When a
    classic model runs (it records only its own measures): every measure that all the
    scenarios record, all of them headline."""
    families = {family_of(scenario) for scenario in scenarios}
    if families == {"ecology"}:
        return [*DISORDER_INDICES, *EXTRA], list(DISORDER_INDICES)
    common = [name for name in REGISTRY
              if all(name in recorded_metrics(family) for family in families)]
    return common, common


def _run_one(job: tuple[str, Scenario, int, list[str]],
             stop: Callable[[], bool] | None = None) -> pd.DataFrame | None:
    """One run's kept metrics; None if ``stop`` ended it early (serial comparisons)."""
    label, scenario, seed, kept = job
    result = run_scenario(scenario, seed, stop=stop)
    if result.status == "interrupted":
        return None
    frame = result.metrics[["step", *kept]]
    frame.insert(0, "seed", seed)
    frame.insert(0, "scenario", label)
    return frame


def without_interventions(scenario: Scenario) -> Scenario:
    """The counterfactual: the same scenario with no intervention."""
    return scenario.model_copy(update={"interventions": []})


def labelled(scenarios: Sequence[Scenario], counterfactual: bool = False,
             ) -> list[tuple[str, Scenario]]:
    """(label, scenario) pairs: each scenario under its name and, with ``counterfactual``,
    each one with interventions also without them (``<name>-no-interventions``); labels
    that repeat get ``#k`` appended."""
    runs = []
    for scenario in scenarios:
        runs.append((scenario.name, scenario))
        if counterfactual and scenario.interventions:
            runs.append((f"{scenario.name}-no-interventions", without_interventions(scenario)))
    labels = [label for label, _ in runs]
    return [(f"{label}#{k}" if labels.count(label) > 1 else label, sc)
            for k, (label, sc) in enumerate(runs)]


def run_comparison(scenarios: list[tuple[str, Scenario]], seeds: list[int],
                   workers: int = 1, progress: Callable[[], Any] | None = None,
                   stop: Callable[[], bool] | None = None) -> pd.DataFrame:
    """Per-step kept metrics (:func:`compared_metrics`) of every (scenario, seed) run, in
    (scenario, seed) order. Once
    ``stop`` returns true no run starts: the table holds the runs finished by then."""
    kept, _ = compared_metrics([scenario for _, scenario in scenarios])
    jobs = [(label, scenario, seed, kept) for label, scenario in scenarios for seed in seeds]
    frames: list[pd.DataFrame | None] = [None] * len(jobs)
    for index, frame in run_jobs(_run_one, jobs, workers=workers, stop=stop):
        if isinstance(frame, Crashed):
            label, _, seed, _ = jobs[index]
            raise RuntimeError(f"compare: run {label} (seed {seed}) was lost: {frame.error}")
        frames[index] = frame
        if progress and frame is not None:
            progress()
    finished = [frame for frame in frames if frame is not None]
    if not finished:
        return pd.DataFrame(columns=["scenario", "seed", "step", *kept])
    return pd.concat(finished, ignore_index=True)


def summarize(timeseries: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Mean of each index per (scenario, seed) over steps first..last (inclusive)."""
    window = timeseries[(timeseries.step >= first) & (timeseries.step <= last)]
    columns = [c for c in timeseries.columns if c not in ("scenario", "seed", "step")]
    return window.groupby(["scenario", "seed"], sort=False)[columns].mean().reset_index()


def paired_differences(summary: pd.DataFrame, reference: str,
                       pairs: Sequence[tuple[str, str]] = ()) -> pd.DataFrame:
    """Mean over seeds of (scenario - reference), with a two-sided 95 % t interval: every
    scenario against ``reference``, then each (scenario, reference) of ``pairs`` (e.g. a
    scenario against its own counterfactual: the effect of its interventions, with minus
    without). The sign is always scenario minus reference."""
    from scipy.stats import t as student_t

    columns = [c for c in summary.columns if c not in ("scenario", "seed")]
    contrasts = [(label, reference) for label in summary.scenario.unique()
                 if label != reference] + list(pairs)
    rows = []
    for label, base in contrasts:
        ref = summary[summary.scenario == base].set_index("seed")[columns]
        runs = summary[summary.scenario == label].set_index("seed")[columns]
        diff = (runs - ref.reindex(runs.index)).dropna()  # seeds both sides finished
        n = len(diff)
        for column in columns:
            values = diff[column].to_numpy()
            mean = float(values.mean()) if n else float("nan")
            if n > 1:
                half = float(student_t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n))
            else:
                half = float("nan")
            rows.append({"scenario": label, "reference": base, "metric": column,
                         "mean_difference": mean, "ci95_low": mean - half,
                         "ci95_high": mean + half, "seeds": n})
    return pd.DataFrame(rows, columns=["scenario", "reference", "metric", "mean_difference",
                                       "ci95_low", "ci95_high", "seeds"])


def counterfactual_pairs(runs: list[tuple[str, Scenario]]) -> list[tuple[str, str]]:
    """(scenario, its counterfactual) labels among ``runs`` (from :func:`labelled`)."""
    labels = [label for label, _ in runs]
    return [(label, f"{label}-no-interventions") for label in labels
            if f"{label}-no-interventions" in labels]


def window_steps(text: str | None, steps: int) -> tuple[int, int]:
    """``FIRST:LAST`` as a pair of steps (default: the second half, steps // 2 + 1 .. steps)."""
    if text is None:
        return steps // 2 + 1, steps
    first, sep, last = text.partition(":")
    whole = [part.strip() for part in (first, last)]
    if not sep or not all(p.isascii() and p.isdigit() and len(p) <= 12 for p in whole):
        raise ScenarioError(f"--window {text}: expected FIRST:LAST step numbers, e.g. 101:300")
    a, b = int(first), int(last)
    if not 0 <= a <= b <= steps:
        raise ScenarioError(f"--window {text}: need 0 <= FIRST <= LAST <= {steps} (run.steps)")
    return a, b


@dataclass
class Comparison:
    """Scenarios run on the same seeds (see the module docstring)."""

    runs: list[tuple[str, Scenario]]
    seeds: list[int]
    steps: int
    window: tuple[int, int]
    timeseries: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    wall_time: float = 0.0
    status: str = "completed"  # or "interrupted": the tables hold the finished runs
    reference: str = field(init=False)
    headline: list[str] = field(init=False)
    """The metrics the figure and the command line show (:func:`compared_metrics`)."""

    def __post_init__(self) -> None:
        self.reference = self.runs[0][0]
        self.headline = compared_metrics([scenario for _, scenario in self.runs])[1]


MAX_RUNS = 100_000  # runs of one comparison (scenarios x seeds); beyond, a sweep on a cluster


def check_size(runs: list[tuple[str, Scenario]], seeds: int, workers: int = 1,
               memory_check: bool = True) -> None:
    """ScenarioError if the comparison has more than MAX_RUNS runs, or (``memory_check``) if
    ``workers`` runs of its largest scenario at once would not fit in memory."""
    total = len(runs) * seeds
    if total > MAX_RUNS:
        raise ScenarioError(f"--seeds {seeds}: {len(runs)} scenarios x {seeds:,} seeds = "
                            f"{total:,} runs, more than the {MAX_RUNS:,} a comparison allows; "
                            f"use fewer seeds, or a sweep with replicates")
    if memory_check:
        from sim.runs.executors import usable_workers
        from sim.runs.resources import check_memory, estimate_bytes

        label, largest = max(runs, key=lambda run: estimate_bytes(run[1]))
        check_memory(largest, label, concurrent=usable_workers(workers, total))


def prepare(scenarios: Sequence[Scenario | str | Path], overrides: Overrides | None = None,
            counterfactual: bool = False) -> tuple[list[tuple[str, Scenario]], int]:
    """The labelled runs of a comparison and their common number of steps; ScenarioError if
    the scenarios run for different numbers of steps."""
    runs = labelled([resolve_scenario(s, overrides) for s in scenarios], counterfactual)
    steps = {sc.run.steps for _, sc in runs}
    if len(steps) > 1:
        raise ScenarioError(f"the scenarios run for different numbers of steps ({sorted(steps)}); "
                            f"use --steps N to compare them on the same horizon")
    return runs, steps.pop()


def compare(scenarios: Sequence[Scenario | str | Path], seeds: int | Sequence[int] = 5, *,
            overrides: Overrides | None = None, counterfactual: bool = False,
            window: str | tuple[int, int] | None = None, workers: int = 1,
            progress: Callable[[], Any] | None = None) -> Comparison:
    """Run ``scenarios`` (Scenarios, files or shipped names, each with ``overrides``) on the
    same seeds (a count from 0, or a list) and compare them with the first one over
    ``window`` (``"FIRST:LAST"`` or a pair; default the second half). With
    ``counterfactual``, each scenario with interventions is also run without them."""
    runs, steps = prepare(scenarios, overrides, counterfactual)
    seeds = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    check_size(runs, len(seeds), workers)
    return compare_runs(runs, steps, seeds, window, workers=workers, progress=progress)


def compare_runs(runs: list[tuple[str, Scenario]], steps: int, seeds: list[int],
                 window: str | tuple[int, int] | None = None, workers: int = 1,
                 progress: Callable[[], Any] | None = None,
                 stop: StopFlag | None = None) -> Comparison:
    """:func:`compare` on labelled runs of ``steps`` steps (from :func:`prepare`). Once
    ``stop`` is set no run starts; the result holds the finished runs, with status
    ``interrupted`` (differences use the seeds both sides finished)."""
    if not seeds:
        raise ScenarioError("compare: give at least one seed")
    first, last = (window if isinstance(window, tuple) else window_steps(window, steps))
    started = time.perf_counter()
    timeseries = run_comparison(runs, seeds, workers=workers, progress=progress,
                                stop=stop.is_set if stop is not None else None)
    summary = summarize(timeseries, first, last)
    result = Comparison(runs, seeds, steps, (first, last), timeseries, summary,
                        paired_differences(summary, runs[0][0], counterfactual_pairs(runs)))
    result.wall_time = time.perf_counter() - started
    if stop is not None and stop.is_set():
        result.status = "interrupted"
    return result


def write_comparison(out: Path, comparison: Comparison, extra: dict[str, Any] | None = None,
                     ) -> None:
    """timeseries.csv, summary.csv, differences.csv, figures/compare.png and
    compare.json (with ``extra`` entries) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "timeseries.csv", comparison.timeseries)
    write_csv(out / "summary.csv", comparison.summary)
    write_csv(out / "differences.csv", comparison.differences)
    windows = [(item.start, item.end if item.end is not None else comparison.steps)
               for _, sc in comparison.runs for item in sc.interventions]
    save_figure(compare_figure(comparison.timeseries, windows=windows,
                               metrics=comparison.headline),
                out / "figures" / "compare.png", dpi=150)
    write_json(out / "compare.json", {
        "scenarios": [{"label": label, "name": sc.name} for label, sc in comparison.runs],
        **(extra or {}), "status": comparison.status,
        "finished_runs": int(comparison.summary.shape[0]),
        "seeds": comparison.seeds, "steps": comparison.steps,
        "window": list(comparison.window), "reference": comparison.reference,
        "wall_time_s": round(comparison.wall_time, 3), "versions": versions(),
    })
