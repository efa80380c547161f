"""What every figure shares: metric labels, intervention windows, the step axis, legends
outside the data and the opinion colours."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.ticker import MaxNLocator

# opinion -1 .. +1: blue, dark grey, red. The neutral middle is dark (not the near-white of
# coolwarm), so that near consensus the accounts stay visible on white and against ties.
OPINION_CMAP = LinearSegmentedColormap.from_list("opinion", ["#1f5fbf", "#3a3a3a", "#c8201e"])

METRIC_LABELS = {
    "opinion_mean": "mean opinion",
    "opinion_var": "opinion variance",
    "polarization": "polarization (mean |x_i - x_j|)",
    "n_clusters": "opinion clusters",
    "effective_clusters": "effective clusters",
    "opinion_change": "opinion change per step (mean |x_t - x_t-1|)",
    "silent_share": "silent share of the public",
    "online_share": "online share of the public",
    "posts": "accounts posting",
    "attention_gini": "attention Gini (people, recent)",
    "attention_top1_share": "attention share of the top 1 % of people",
    "platform_hhi": "platform concentration (HHI)",
    "mainstream_reach": "mainstream outlet reach",
    "cocoon_index": "cocoon index",
    "bot_share": "bots' share of impressions",
    "voice_gap": "voice gap (low-access strata)",
    "sensational_share": "share of extreme posts seen",
    "market_concentration": "market concentration (normalised HHI)",
    "channel_distortion": "channel distortion (seen vs said)",
    "cocoon_tightness": "cocoon tightness",
    "extremity_amplification": "extremity amplification by ranking",
    "platform_divergence": "opinion divergence between platforms",
    "expression_gap": "expression gap (said vs held)",
    "stratum_insulation": "stratum insulation",
    "segregated_polarisation": "segregated polarisation",
    "connected_diversity": "connected diversity (healthy)",
    "homogenisation": "homogenisation",
    "camp_segregation": "camp segregation",
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


def step_axis(ax, steps, xmax: int | None = None, centred: bool = False) -> None:
    """Integer step ticks, and an x range from the first step to the last (at least one step
    wide), or to ``xmax`` if later: a running model's lines then grow into a fixed frame.
    ``centred``: each step is a cell from k - 0.5 to k + 0.5 (heatmaps, bars). A single step
    (step 0 of a run) is centred on its own, whatever ``xmax``: a frame of the whole run
    would make it a sliver on the axis."""
    steps = np.asarray(steps)
    if np.unique(steps).size < 2:
        at = float(steps[0]) if steps.size else 0.0
        ax.set_xlim(at - 0.5, at + 0.5)
        ax.set_xticks([at])
        return
    low, high = float(steps.min()), max(float(steps.max()), float(xmax or 0))
    pad = 0.5 if centred else 0.0
    ax.set_xlim(low - pad, high + pad)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def legend_above(ax, handles=None, labels=None, ncols: int = 2, **options):
    """The legend in a band above the axes (outside the data; constrained layout makes room
    for it): figure titles go to ``fig.suptitle``, above it."""
    args = () if handles is None else (handles, labels)
    return ax.legend(*args, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=ncols,
                     borderaxespad=0.2, frameon=False, columnspacing=1.2,
                     fontsize=options.pop("fontsize", 8), **options)


def line_style(count: int) -> dict:
    """Markers when a series has one point (step 0): a line of one point draws nothing."""
    return {"marker": "o", "markersize": 5, "clip_on": False} if count < 2 else {}
