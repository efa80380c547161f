"""Sensitivity analysis of a sweep's results with SALib (Sobol' and Morris).

Runs of a ``sobol`` design (Saltelli's scheme: N (2D + 2) points with second-order
indices, N (D + 2) without) give first-order (S1), total (ST) and second-order (S2)
Sobol' indices with bootstrap confidence intervals; runs of a ``morris`` design
(r (D + 1) points) give mu, mu* and sigma of the elementary effects. Each design
point's output is the mean over its completed replicates (replicates average out
the model's noise; a point with no completed replicate makes the analysis refuse).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.sweep import SweepSpec, design_points


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
