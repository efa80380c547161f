"""Compare scenarios on common random numbers: same seeds, paired differences, intervals.

``run_comparison`` runs every (scenario, seed) pair, optionally in worker processes
(results do not depend on the number of workers: a run is a function of its
scenario and seed), and returns the per-step indices of every run. ``summarize``
averages each run over a window of steps; ``paired_differences`` gives, for each
scenario, the mean difference to the reference scenario over seeds with a
Student-t 95 % confidence interval (the runs of one seed are paired, so the
interval reflects only what the scenarios change).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from sim.scenario import Scenario

INDICES = ("content_disorder", "platform_disorder", "pattern_disorder", "disorder_index")
EXTRA = ("attention_gini", "attention_top1_share", "silent_share", "polarization")


def _run_one(job: tuple[str, Scenario, int]) -> pd.DataFrame:
    from sim.model import OpinionEcologyModel

    label, scenario, seed = job
    model = OpinionEcologyModel(scenario, rng=seed)
    model.run_for(scenario.run.steps)
    frame = model.metrics_frame()[["step", *INDICES, *EXTRA]]
    frame.insert(0, "seed", seed)
    frame.insert(0, "scenario", label)
    return frame


def without_interventions(scenario: Scenario) -> Scenario:
    """The counterfactual: the same scenario with no intervention."""
    return scenario.model_copy(update={"interventions": []})


def run_comparison(scenarios: list[tuple[str, Scenario]], seeds: list[int],
                   workers: int = 1, progress=None) -> pd.DataFrame:
    """Per-step indices of every (scenario, seed) run, in (scenario, seed) order."""
    jobs = [(label, scenario, seed) for label, scenario in scenarios for seed in seeds]
    if workers <= 1:
        frames = []
        for job in jobs:
            frames.append(_run_one(job))
            if progress:
                progress()
    else:
        # spawn: forking a process that holds threads is deprecated in Python 3.12
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            frames = []
            for frame in pool.map(_run_one, jobs):
                frames.append(frame)
                if progress:
                    progress()
    return pd.concat(frames, ignore_index=True)


def summarize(timeseries: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Mean of each index per (scenario, seed) over steps first..last (inclusive)."""
    window = timeseries[(timeseries.step >= first) & (timeseries.step <= last)]
    columns = [c for c in timeseries.columns if c not in ("scenario", "seed", "step")]
    return window.groupby(["scenario", "seed"], sort=False)[columns].mean().reset_index()


def paired_differences(summary: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Mean over seeds of (scenario - reference), with a two-sided 95 % t interval."""
    from scipy.stats import t as student_t

    columns = [c for c in summary.columns if c not in ("scenario", "seed")]
    ref = summary[summary.scenario == reference].set_index("seed")[columns]
    rows = []
    for label in summary.scenario.unique():
        if label == reference:
            continue
        runs = summary[summary.scenario == label].set_index("seed")[columns]
        diff = (runs - ref.loc[runs.index]).dropna()
        n = len(diff)
        for column in columns:
            values = diff[column].to_numpy()
            mean = float(values.mean())
            if n > 1:
                half = float(student_t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n))
            else:
                half = float("nan")
            rows.append({"scenario": label, "reference": reference, "metric": column,
                         "mean_difference": mean, "ci95_low": mean - half,
                         "ci95_high": mean + half, "seeds": n})
    return pd.DataFrame(rows)
