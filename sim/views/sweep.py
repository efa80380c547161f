"""Sweep figures: a metric over swept parameters, and sensitivity indices."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def sweep_figure(points: pd.DataFrame, metric: str, x: str, y: str | None) -> Figure:
    """Heatmap of the per-point mean of ``metric`` over parameters x and y (averaged over the
    other parameters), or a line with 95 % intervals over x when y is None."""
    fig = Figure(figsize=(6.0, 4.6), layout="constrained")
    ax = fig.subplots()
    if y is None:
        line = points.groupby(x)[[metric, f"{metric}_ci95_low", f"{metric}_ci95_high"]].mean()
        ax.plot(line.index, line[metric], marker="o")
        ax.fill_between(line.index, line[f"{metric}_ci95_low"], line[f"{metric}_ci95_high"],
                        alpha=0.2)
        ax.set_xlabel(x)
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    else:
        grid = points.groupby([y, x])[metric].mean().unstack(x)
        image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(grid.shape[1]), [f"{v:.3g}" for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [f"{v:.3g}" for v in grid.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        fig.colorbar(image, ax=ax, label=metric)
        middle = np.nanmean([np.nanmin(grid.to_numpy()), np.nanmax(grid.to_numpy())])
        for (i, j), value in np.ndenumerate(grid.to_numpy()):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8,
                    color="black" if value > middle else "white")  # legible on viridis
    ax.set_title(f"{metric} (mean over replicates and other parameters)", fontsize=9)
    return fig


def sensitivity_figure(table: pd.DataFrame, kind: str) -> Figure:
    """Bars of the main indices per parameter, one panel per metric, with confidence bars."""
    indices = ["S1", "ST"] if kind == "sobol" else ["mu_star", "sigma"]
    metrics = list(dict.fromkeys(table["metric"]))
    fig = Figure(figsize=(5.0 * len(metrics), 3.6), layout="constrained")
    axes = fig.subplots(1, len(metrics), squeeze=False).ravel()
    for ax, metric in zip(axes, metrics, strict=True):
        part = table[(table.metric == metric) & table["index"].isin(indices)]
        params = list(dict.fromkeys(part["parameter"]))
        width = 0.8 / len(indices)
        for j, index in enumerate(indices):
            rows = part[part["index"] == index].set_index("parameter").reindex(params)
            ax.bar([i + j * width for i in range(len(params))], rows["value"], width,
                   yerr=rows["conf"].fillna(0.0), capsize=3, label=index)
        ax.set_xticks([i + width * (len(indices) - 1) / 2 for i in range(len(params))])
        ax.set_xticklabels(params, rotation=30, ha="right")
        ax.set_title(metric, fontsize=10)
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=8)
    return fig
