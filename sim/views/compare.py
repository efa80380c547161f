"""The comparison figure: scenarios side by side over seeds (``run.py compare``)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from sim.config.outcomes import DISORDER_INDICES
from sim.views.common import METRIC_LABELS


def compare_figure(timeseries: pd.DataFrame,
                   windows: list[tuple[int, int]] | None = None,
                   metrics: Sequence[str] = DISORDER_INDICES) -> Figure:
    """One panel per metric (default the disorder indices, on [0, 1]; a classic model's
    comparison: its own measures): the mean over seeds of each scenario against step, with
    a band of +- one standard deviation over seeds and intervention windows shaded."""
    cols = 2 if len(metrics) <= 4 else 3
    rows = max(1, math.ceil(len(metrics) / cols))
    fig = Figure(figsize=(5.5 * cols, 3.5 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False).ravel()
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    for ax, name in zip(axes, metrics, strict=False):
        for start, end in sorted(set(windows or [])):
            ax.axvspan(start, end, color="0.9", zorder=0)
        for label, runs in timeseries.groupby("scenario", sort=False):
            stats = runs.groupby("step")[name].agg(["mean", "std"]).fillna(0.0)
            line = ax.plot(stats.index, stats["mean"], linewidth=1.4, label=label)[0]
            ax.fill_between(stats.index, stats["mean"] - stats["std"],
                            stats["mean"] + stats["std"], color=line.get_color(), alpha=0.15,
                            linewidth=0)
        ax.set_title(METRIC_LABELS.get(name, name), fontsize=10)
        if name in DISORDER_INDICES:
            ax.set_ylim(0.0, 1.0)
        ax.grid(alpha=0.3)
        ax.set_xlabel("step")
    axes[0].legend(fontsize=8, loc="upper left")
    return fig
