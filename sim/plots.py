"""Figures from saved results (matplotlib only; the engine never imports this module)."""

from __future__ import annotations

import math
from pathlib import Path

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
