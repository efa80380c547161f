"""Calibration figures: the posterior (marginals and pairs) and the fit to each target.

Tables in, figures out (:mod:`sim.runs.calibrate` saves them): ``posterior.parquet``'s
rows (one column per parameter and ``weight``), the priors' bounds, and the fit table of
``summary.json`` with the posterior predictive statistics of the final particles.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

BINS = 20  # chosen: histograms of a few hundred weighted particles


def _edges(low: float, high: float, scale: str) -> np.ndarray:
    if scale == "log":
        return np.geomspace(low, high, BINS + 1)
    return np.linspace(low, high, BINS + 1)


def posterior_figure(posterior: pd.DataFrame, priors: dict[str, tuple[float, float, str]],
                     truth: dict[str, float] | None = None, title: str = "") -> Figure:
    """A grid over the parameters: weighted histograms of each marginal on the diagonal
    (the prior's range is the axis; a flat prior would be level), weighted 2-D histograms
    of each pair below it; ``truth`` (e.g. of a recovery study) marked in red."""
    names = list(priors)
    k = len(names)
    size = max(2.2, min(3.2, 9.0 / k))
    fig = Figure(figsize=(size * k + 0.6, size * k + 0.4), layout="constrained")
    axes = np.atleast_2d(fig.subplots(k, k, squeeze=False))
    weights = posterior["weight"].to_numpy(dtype=float)
    for i, row_name in enumerate(names):
        for j, col_name in enumerate(names):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            low_x, high_x, scale_x = priors[col_name]
            x = posterior[col_name].to_numpy(dtype=float)
            if i == j:
                ax.hist(x, bins=_edges(low_x, high_x, scale_x), weights=weights,
                        color="tab:blue", alpha=0.75)
                q05, q50, q95 = _quantiles(x, weights)
                for value, style in ((q05, ":"), (q50, "-"), (q95, ":")):
                    ax.axvline(value, color="black", linestyle=style, linewidth=1)
                ax.set_yticks([])
                ax.set_title(f"{col_name}\n{q50:.3g} [{q05:.3g}, {q95:.3g}]", fontsize=8)
            else:
                low_y, high_y, scale_y = priors[row_name]
                y = posterior[row_name].to_numpy(dtype=float)
                ax.hist2d(x, y, bins=[_edges(low_x, high_x, scale_x),
                                      _edges(low_y, high_y, scale_y)],
                          weights=weights, cmap="Blues")
                ax.set_ylim(low_y, high_y)
                if scale_y == "log":
                    ax.set_yscale("log")
                if truth and row_name in truth and col_name in truth:
                    ax.plot(truth[col_name], truth[row_name], "r+", markersize=10, mew=2)
            if truth and col_name in truth:
                ax.axvline(truth[col_name], color="tab:red", linewidth=1.2)
            ax.set_xlim(low_x, high_x)
            if scale_x == "log":
                ax.set_xscale("log")
            ax.tick_params(labelsize=7)
            if i == k - 1:
                ax.set_xlabel(col_name, fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(row_name, fontsize=8)
    fig.suptitle(f"posterior{': ' + title if title else ''} (weighted particles; lines: "
                 "median and 90 % interval" + ("; red: truth" if truth else "") + ")",
                 fontsize=9)
    return fig


def _quantiles(values: np.ndarray, weights: np.ndarray) -> list[float]:
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return [float(values[order][min(np.searchsorted(cumulative, p - 1e-12), len(values) - 1)])
            for p in (0.05, 0.5, 0.95)]


def fit_figure(fit: pd.DataFrame, predictive: pd.DataFrame,
               calibrated: pd.DataFrame | None = None) -> Figure:
    """One panel per target: the observed value with its sd (band: +-1 sd, dashed: +-2 sd),
    the weighted histogram of the posterior predictive (the final particles' simulated
    statistics) and, as ticks, the calibrated scenario's check runs."""
    n = len(fit)
    columns = min(n, 3)
    rows = math.ceil(n / columns)
    fig = Figure(figsize=(4.0 * columns, 2.8 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
    weights = predictive["weight"].to_numpy(dtype=float)
    for ax, target in zip(axes, fit.itertuples(), strict=False):
        values = predictive[target.target].to_numpy(dtype=float)
        finite = np.isfinite(values)
        span = [target.observed - 3 * target.sd, target.observed + 3 * target.sd]
        if finite.any():
            span = [min(span[0], values[finite].min()), max(span[1], values[finite].max())]
        ax.axvspan(target.observed - target.sd, target.observed + target.sd, color="tab:orange",
                   alpha=0.25, label="observed +- sd")
        for side in (-2, 2):
            ax.axvline(target.observed + side * target.sd, color="tab:orange", linestyle="--",
                       linewidth=0.8)
        ax.axvline(target.observed, color="tab:orange", linewidth=2, label="observed")
        if finite.any():
            ax.hist(values[finite], bins=np.linspace(span[0], span[1], BINS + 1),
                    weights=weights[finite], color="tab:blue", alpha=0.6,
                    label="posterior predictive")
        if calibrated is not None and target.target in calibrated:
            checks = calibrated[target.target].to_numpy(dtype=float)
            top = ax.get_ylim()[1]
            ax.plot(checks, np.full(checks.shape, top * 0.95), "kv", markersize=6,
                    label="calibrated scenario")
        ax.set_xlim(*span)
        ax.set_yticks([])
        first, last = target.window
        ax.set_title(f"{target.target}: z = {target.z:+.2f}", fontsize=9)
        ax.set_xlabel(f"{target.metric}, steps {first}-{last}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[n:]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=7,
               frameon=False)
    fig.suptitle("fit to the observed targets", fontsize=9)
    return fig
