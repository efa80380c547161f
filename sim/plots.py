"""Figures from saved results (matplotlib only; the engine never imports this module)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

METRIC_LABELS = {
    "opinion_mean": "mean opinion",
    "opinion_var": "opinion variance",
    "polarization": "polarization (mean |x_i - x_j|)",
    "n_clusters": "opinion clusters",
    "effective_clusters": "effective clusters",
    "silent_share": "silent share of the public",
    "online_share": "online share of the public",
    "posts": "accounts posting",
    "attention_gini": "attention Gini (people, recent)",
    "content_disorder": "content disorder (technology power)",
    "platform_disorder": "platform disorder (market power)",
    "pattern_disorder": "pattern disorder (social power)",
    "disorder_index": "disorder index",
}

DISORDER_INDICES = ("content_disorder", "platform_disorder", "pattern_disorder", "disorder_index")


def metrics_figure(frame: pd.DataFrame, title: str = "") -> Figure:
    """One small panel per metric against step."""
    names = [c for c in frame.columns if c != "step"]
    cols = 3
    rows = max(1, math.ceil(len(names) / cols))
    fig = Figure(figsize=(4.0 * cols, 2.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        ax.plot(frame["step"], frame[name], color="tab:blue", linewidth=1.2)
        ax.set_title(METRIC_LABELS.get(name, name), fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig


def save_metrics_figure(frame: pd.DataFrame, path: Path, title: str = "", dpi: int = 150) -> None:
    """Write the metrics panel figure (format from the file suffix)."""
    from sim.output import atomic_write

    fig = metrics_figure(frame, title)
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".")))


def disorder_figure(frame: pd.DataFrame, title: str = "") -> Figure:
    """The three disorder indices and their composite against step, on one [0, 1] axis."""
    fig = Figure(figsize=(7.0, 4.0), layout="constrained")
    ax = fig.subplots()
    for name in DISORDER_INDICES:
        if name in frame:
            width = 2.4 if name == "disorder_index" else 1.3
            ax.plot(frame["step"], frame[name], linewidth=width, label=METRIC_LABELS[name])
    ax.set_xlabel("step")
    ax.set_ylabel("index (0 = balanced ideal, 1 = maximal disorder)")
    ax.set_ylim(0.0, 1.0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    if title:
        ax.set_title(title)
    return fig


def save_disorder_figure(frame: pd.DataFrame, path: Path, title: str = "",
                         dpi: int = 150) -> None:
    """Write the disorder-indices figure (format from the file suffix)."""
    from sim.output import atomic_write

    fig = disorder_figure(frame, title)
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".")))


def compare_figure(timeseries: pd.DataFrame,
                   windows: list[tuple[int, int]] | None = None) -> Figure:
    """One panel per disorder index: the mean over seeds of each scenario against step, with
    a band of +- one standard deviation over seeds and intervention windows shaded."""
    fig = Figure(figsize=(11.0, 7.0), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True).ravel()
    for ax, name in zip(axes, DISORDER_INDICES, strict=True):
        for start, end in sorted(set(windows or [])):
            ax.axvspan(start, end, color="0.9", zorder=0)
        for label, runs in timeseries.groupby("scenario", sort=False):
            stats = runs.groupby("step")[name].agg(["mean", "std"]).fillna(0.0)
            line = ax.plot(stats.index, stats["mean"], linewidth=1.4, label=label)[0]
            ax.fill_between(stats.index, stats["mean"] - stats["std"],
                            stats["mean"] + stats["std"], color=line.get_color(), alpha=0.15,
                            linewidth=0)
        ax.set_title(METRIC_LABELS[name], fontsize=10)
        ax.set_ylim(0.0, 1.0)
        ax.grid(alpha=0.3)
        ax.set_xlabel("step")
    axes[0].legend(fontsize=8, loc="upper left")
    return fig


def save_compare_figure(timeseries: pd.DataFrame, path: Path,
                        windows: list[tuple[int, int]] | None = None, dpi: int = 150) -> None:
    """Write the comparison figure (format from the file suffix)."""
    from sim.output import atomic_write

    fig = compare_figure(timeseries, windows)
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".")))


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


def save_sensitivity_figure(table: pd.DataFrame, path: Path, kind: str, dpi: int = 150) -> None:
    from sim.output import atomic_write

    fig = sensitivity_figure(table, kind)
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".")))


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
        for (i, j), value in np.ndenumerate(grid.to_numpy()):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", color="w", fontsize=8)
    ax.set_title(f"{metric} (mean over replicates and other parameters)", fontsize=9)
    return fig


def save_sweep_figure(points: pd.DataFrame, path: Path, metric: str, x: str,
                      y: str | None, dpi: int = 150) -> None:
    from sim.output import atomic_write

    fig = sweep_figure(points, metric, x, y)
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".")))
