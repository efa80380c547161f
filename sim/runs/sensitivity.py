"""Sensitivity analysis of a sweep's results with SALib (Sobol' and Morris).

Runs of a ``sobol`` design (Saltelli's scheme: N (2D + 2) points with second-order
indices, N (D + 2) without) give first-order (S1), total (ST) and second-order (S2)
Sobol' indices with bootstrap confidence intervals; runs of a ``morris`` design
(r (D + 1) points) give mu, mu* and sigma of the elementary effects. Each design
point's output is the mean over its completed replicates (replicates average out
the model's noise; a point with no completed replicate makes the analysis refuse).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import ScenarioError
from sim.config.sweep import MAX_RUNS, SweepSpec, design_points
from sim.runs.files import save_figure, write_csv
from sim.runs.sweep import SweepResult, load_sweep, sweep
from sim.views.sweep import sensitivity_figure


def point_means(runs: pd.DataFrame, column: str, n_points: int) -> np.ndarray:
    ok = runs[runs.status == "completed"]
    means = ok.groupby("point")[column].mean().reindex(range(n_points))
    if means.isna().any():
        missing = means.index[means.isna()].tolist()[:5]
        raise ScenarioError(f"sensitivity: design points without a completed run: {missing} "
                            f"(see runs.parquet status/error); resume or rerun them")
    return means.to_numpy(dtype=float)


def analyse(spec: SweepSpec, runs: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Long table: metric, parameter (or 'a x b' for S2), index, value, conf."""
    points, problem = design_points(spec)
    names = problem["names"]
    rows = []
    for column in columns:
        y = point_means(runs, column, len(points))
        if spec.design.kind == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y, calc_second_order=spec.design.second_order,
                                seed=spec.seed % (2**32), print_to_console=False)
            for k, name in enumerate(names):
                for index in ("S1", "ST"):
                    rows.append((column, name, index, res[index][k], res[f"{index}_conf"][k]))
            if spec.design.second_order:
                for a in range(len(names)):
                    for b in range(a + 1, len(names)):
                        rows.append((column, f"{names[a]} x {names[b]}", "S2",
                                     res["S2"][a, b], res["S2_conf"][a, b]))
        else:
            from SALib.analyze import morris

            x = np.array([[p[n] for n in names] for p in points])
            res = morris.analyze(problem, x, y, num_levels=spec.design.levels,
                                 seed=spec.seed % (2**32), print_to_console=False)
            for k, name in enumerate(names):
                rows.append((column, name, "mu", res["mu"][k], np.nan))
                rows.append((column, name, "mu_star", res["mu_star"][k], res["mu_star_conf"][k]))
                rows.append((column, name, "sigma", res["sigma"][k], np.nan))
    return pd.DataFrame(rows, columns=["metric", "parameter", "index", "value", "conf"])


def warnings_of(table: pd.DataFrame, kind: str) -> list[str]:
    """What makes the indices untrustworthy: Sobol' total indices above 1 (beyond their
    interval: too few samples for the model's noise), first-order indices whose sum lies
    outside [-0.1, 1.1] (noise swamping the estimates), and main indices whose 95 %
    interval is wider than the index itself."""
    main = "ST" if kind == "sobol" else "mu_star"
    rows = table[table["index"] == main]
    out = []
    if kind == "sobol":
        above = rows[rows["value"] - rows["conf"].fillna(0.0) > 1.0]
        for row in above.itertuples():
            out.append(f"{row.metric}: ST of {row.parameter} = {row.value:.2f} > 1 (an index "
                       f"is at most 1): the sample is too small for the model's noise; raise "
                       f"design.n or the replicates")
    if kind == "sobol":
        # first-order indices are shares of the variance: they sum to at most 1, and a
        # sum far outside [0, 1] means the run-to-run noise swamps the estimates
        first = table[table["index"] == "S1"].groupby("metric")["value"].sum()
        for metric, total in first.items():
            if total < -0.1 or total > 1.1:
                out.append(f"{metric}: the first-order indices sum to {total:.2f} (at most 1 "
                           f"and at least 0 for a deterministic model): the model's noise "
                           f"swamps the estimates; raise the replicates (each point's output "
                           f"is their mean) or design.n")
    wide = rows[rows["conf"] > rows["value"].abs()]
    if len(wide):
        names = ", ".join(f"{r.metric}/{r.parameter}" for r in wide.head(5).itertuples())
        more = f" and {len(wide) - 5} more" if len(wide) > 5 else ""
        out.append(f"{len(wide)} {main} indices have a 95 % interval wider than the index "
                   f"({names}{more}): read them as 'not distinguishable from 0'; raise "
                   f"design.n or the replicates")
    return out


def check_request(spec: SweepSpec, source: str, metrics: list[str], summary: str) -> list[str]:
    """The metrics to analyse (default: the sweep's kept metrics); ScenarioError unless the
    design is sobol or morris and the sweep keeps the metrics and the summary."""
    if spec.design.kind not in ("sobol", "morris"):
        raise ScenarioError(f"{source}: design.kind: sensitivity needs 'sobol' or 'morris'; "
                            f"got {spec.design.kind!r}")
    if summary not in spec.keep.summaries:
        raise ScenarioError(f"--summary {summary}: the sweep keeps only "
                            f"{', '.join(spec.keep.summaries)} (keep.summaries)")
    metrics = list(metrics) or list(spec.keep.metrics)
    for name in metrics:
        if name not in spec.keep.metrics:
            raise ScenarioError(f"--metric {name}: not among the sweep's keep.metrics "
                                f"({', '.join(spec.keep.metrics)})")
    return metrics


def sensitivity(path: str | Path, out: str | Path | None = None, *,
                metrics: list[str] | None = None, summary: str = "final",
                **sweep_options) -> tuple[SweepResult, pd.DataFrame]:
    """Run a sobol or morris sweep (:func:`sim.runs.sweep.sweep`, same options) and compute
    its SALib indices of ``metrics`` (default: the kept ones) summarised by ``summary``;
    write sensitivity.csv and figures/sensitivity.png into the sweep's folder."""
    spec, _ = load_sweep(path, sweep_options.get("max_runs", MAX_RUNS))
    metrics = check_request(spec, str(path), metrics or [], summary)
    result = sweep(path, out, **sweep_options)
    table = analyse(result.spec, result.runs, [f"{m}_{summary}" for m in metrics])
    write_csv(result.out / "sensitivity.csv", table)
    save_figure(sensitivity_figure(table, result.spec.design.kind),
                result.out / "figures" / "sensitivity.png", dpi=150)
    return result, table
