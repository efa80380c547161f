"""What every figure shares: metric labels and intervention windows."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    "attention_top1_share": "attention share of the top 1 % of people",
    "platform_hhi": "platform concentration (HHI)",
    "mainstream_reach": "mainstream outlet reach",
    "cocoon_index": "cocoon index",
    "content_disorder": "content disorder (technology power)",
    "platform_disorder": "platform disorder (market power)",
    "pattern_disorder": "pattern disorder (social power)",
    "disorder_index": "disorder index",
}


def intervention_windows(interventions: pd.DataFrame | None) -> list[tuple[str, int, int]]:
    """(intervention, first step, last step) of each run of consecutive active steps in an
    ``interventions.csv`` table (columns step, intervention, active)."""
    if interventions is None or interventions.empty:
        return []
    windows = []
    for name, rows in interventions.groupby("intervention", sort=False):
        rows = rows.sort_values("step")
        steps = rows["step"].to_numpy()[rows["active"].to_numpy() > 0]
        if steps.size == 0:
            continue
        breaks = np.flatnonzero(np.diff(steps) > 1)
        firsts = np.concatenate(([steps[0]], steps[breaks + 1]))
        lasts = np.concatenate((steps[breaks], [steps[-1]]))
        windows += [(str(name), int(a), int(b)) for a, b in zip(firsts, lasts, strict=True)]
    return windows


def shade(ax, windows: list[tuple[str, int, int]]) -> None:
    """Shade the steps during which any intervention acted (step k spans k - 1 to k)."""
    for first, last in sorted({(a, b) for _, a, b in windows}):
        ax.axvspan(first - 1, last, color="0.85", alpha=0.5, zorder=0, linewidth=0)


def intervention_strip(ax, windows: list[tuple[str, int, int]]) -> None:
    """One row per intervention, a bar over the steps in which it acted."""
    names = list(dict.fromkeys(name for name, _, _ in windows))
    for row, name in enumerate(names):
        spans = [(a - 1, b - a + 1) for n, a, b in windows if n == name]
        ax.broken_barh(spans, (row - 0.35, 0.7), color="tab:gray")
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.set_title("interventions (bars: steps in which each acted)", fontsize=8, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
