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
    "attention_gini": "attention Gini",
}


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
