"""Figures of one run, from the tables of its run folder (pandas in, matplotlib out).

Each function takes the tables a run folder holds, so every figure can be redrawn
from saved files (``python run.py plot RUN_DIR``); :func:`run_figures` yields them
all. Saving is the caller's (``sim.runs.folder``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.config.outcomes import DISORDER_INDICES, PRESSURES
from sim.views.common import (
    METRIC_LABELS,
    OPINION_CMAP,
    intervention_strip,
    intervention_windows,
    legend_above,
    line_style,
    shade,
    step_axis,
)


def disorder_figure(frame: pd.DataFrame, title: str = "",
                    interventions: pd.DataFrame | None = None, *,
                    xmax: int | None = None) -> Figure:
    """The three disorder indices and their composite against step, on one [0, 1] axis,
    and below them the pressures (sim.config.outcomes.PRESSURES: what the scenario sets
    or injects, recorded beside the indices and never averaged into them). With an
    ``interventions.csv`` table, the steps in which interventions acted are shaded and a
    strip below names each intervention and when it acted. ``xmax``: the last step of
    the x axis (e.g. the scenario's run.steps, while the run is still going)."""
    windows = intervention_windows(interventions)
    names = list(dict.fromkeys(name for name, _, _ in windows))
    pressures = [name for name in PRESSURES if name in frame]
    ratios = [4.0, *([2.0] if pressures else []), *([0.5 + 0.2 * len(names)] if windows else [])]
    height = 4.2 + (1.9 if pressures else 0.0) + (0.4 + 0.18 * len(names) if windows else 0.0)
    fig = Figure(figsize=(8.6 if pressures else 7.0, height), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(len(ratios), 1, sharex=True, height_ratios=ratios)))
    ax = axes.pop(0)
    pax = axes.pop(0) if pressures else None
    strip = axes.pop(0) if windows else None
    shade(ax, windows)
    style = line_style(len(frame))
    for name in DISORDER_INDICES:
        if name in frame:
            width = 2.4 if name == "disorder_index" else 1.3
            ax.plot(frame["step"], frame[name], linewidth=width, label=METRIC_LABELS[name],
                    **style)
    ax.set_ylabel("index (0 = balanced ideal, 1 = maximal disorder)")
    # outcome indices rarely pass 0.4: the axis shows [0, 1] only when they need it
    present = [name for name in DISORDER_INDICES if name in frame]
    peak = float(np.nanmax(frame[present].to_numpy())) if present and len(frame) else 0.0
    ax.set_ylim(0.0, 1.0 if peak > 0.5 else max(0.2, math.ceil(peak * 12.0) / 10.0))
    step_axis(ax, frame["step"], xmax)
    ax.grid(alpha=0.3)
    legend_above(ax, ncols=2)
    if pax is not None:
        # what the scenario sets or injects: beside the indices, never inside them
        shade(pax, windows)
        for name in pressures:
            pax.plot(frame["step"], frame[name], linewidth=1.0,
                     label=METRIC_LABELS.get(name, name), **style)
        pax.set_ylabel("pressures")
        pax.grid(alpha=0.3)
        pax.legend(fontsize=7, ncols=1, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                   frameon=False)
    bottom = strip if strip is not None else (pax if pax is not None else ax)
    if strip is not None:
        intervention_strip(strip, windows)
    bottom.set_xlabel("step")
    fig.suptitle(f"{title}: disorder indices" if title else "disorder indices", fontsize=11)
    return fig


def metrics_figure(frame: pd.DataFrame, title: str = "") -> Figure:
    """One small panel per metric against step."""
    names = [c for c in frame.columns if c != "step"]
    cols = 3
    rows = max(1, math.ceil(len(names) / cols))
    fig = Figure(figsize=(4.0 * cols, 2.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        ax.plot(frame["step"], frame[name], color="tab:blue", linewidth=1.2,
                **line_style(len(frame)))
        ax.set_title(METRIC_LABELS.get(name, name), fontsize=10)
        ax.set_xlabel("step")
        step_axis(ax, frame["step"])
        ax.grid(alpha=0.3)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig


def opinion_bins(opinions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(bin centres, bin edges) of an ``opinions.csv`` table (columns named by centre)."""
    centres = np.array([float(c) for c in opinions.columns if c != "step"])
    half = (centres[1] - centres[0]) / 2.0 if centres.size > 1 else 1.0
    return centres, np.concatenate((centres - half, [centres[-1] + half]))


def opinions_figure(opinions: pd.DataFrame, title: str = "",
                    mean: pd.DataFrame | None = None, *, xmax: int | None = None) -> Figure:
    """Heatmap of the public's opinion distribution (share of the public per opinion bin)
    against step, on a square-root colour scale so that small minorities stay visible.
    ``mean``: a metrics table whose ``opinion_mean`` is drawn on top. ``xmax``: as in
    :func:`disorder_figure`."""
    from matplotlib.colors import PowerNorm

    centres, edges = opinion_bins(opinions)
    steps = opinions["step"].to_numpy()
    shares = opinions[[c for c in opinions.columns if c != "step"]].to_numpy().T
    step_edges = np.concatenate((steps - 0.5, [steps[-1] + 0.5]))
    fig = Figure(figsize=(7.5, 4.0), layout="constrained")
    ax = fig.subplots()
    image = ax.pcolormesh(step_edges, edges, shares, cmap="magma_r", shading="flat",
                          norm=PowerNorm(0.5, vmin=0.0, vmax=max(shares.max(), 1e-9)),
                          rasterized=True)
    fig.colorbar(image, ax=ax, label="share of the public (square-root scale)")
    if mean is not None and "opinion_mean" in mean:
        ax.plot(mean["step"], mean["opinion_mean"], color="tab:cyan", linewidth=1.2,
                label="mean opinion of the public", **line_style(len(mean)))
        legend_above(ax, ncols=1)
    ax.set_xlabel("step")
    ax.set_ylabel("opinion")
    ax.set_ylim(-1.0, 1.0)
    step_axis(ax, steps, xmax, centred=True)
    fig.suptitle(f"{title}: opinion distribution of the public" if title
                 else "opinion distribution of the public", fontsize=11)
    return fig


def platforms_figure(platforms: pd.DataFrame, title: str = "", *,
                     xmax: int | None = None) -> Figure:
    """Stacked areas: each platform's share of the public (home platform) against step (a
    stacked bar while only step 0 is recorded). ``xmax``: as in :func:`disorder_figure`."""
    shares = platforms.pivot(index="step", columns="platform", values="user_share")
    shares = shares[list(dict.fromkeys(platforms["platform"]))]  # the scenario's order
    fig = Figure(figsize=(7.5, 4.0), layout="constrained")
    ax = fig.subplots()
    if len(shares) > 1:
        ax.stackplot(shares.index, shares.to_numpy().T, labels=list(shares.columns),
                     alpha=0.9)
    else:  # one step has no width: a bar as wide as a step
        bottom = 0.0
        for name in shares.columns:
            value = float(shares[name].iloc[0]) if len(shares) else 0.0
            ax.bar(shares.index, value, bottom=bottom, width=1.0, label=name, alpha=0.9)
            bottom += value
    ax.set_xlabel("step")
    ax.set_ylabel("share of users (the public, by home platform)")
    step_axis(ax, shares.index, xmax)
    ax.set_ylim(0.0, 1.0)
    ax.grid(alpha=0.3)
    legend_above(ax, ncols=min(3, max(1, shares.shape[1])), title="platform",
                 title_fontsize=8)
    fig.suptitle(f"{title}: platform shares" if title else "platform shares", fontsize=11)
    return fig


def lorenz_figure(lorenz: pd.DataFrame, title: str = "", top1_share: float | None = None,
                  gini: float | None = None) -> Figure:
    """Lorenz curve of the people's recent attention (from ``attention_lorenz.csv``), the
    line of equality, and the share held by the top 1 % (``top1_share``, e.g. the final
    attention_top1_share; else read off the curve at 0.99)."""
    p = lorenz["population_share"].to_numpy()
    share = lorenz["attention_share"].to_numpy()
    if top1_share is None:
        top1_share = 1.0 - float(np.interp(0.99, p, share))
    fig = Figure(figsize=(5.0, 5.0), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="0.5", linestyle="--", linewidth=1, label="equal attention")
    ax.plot(p, share, color="tab:red", linewidth=2, label="Lorenz curve")
    ax.fill_between(p, share, p, color="tab:red", alpha=0.12, linewidth=0)
    top_from = 1.0 - top1_share  # L(0.99): the top 1 % hold the rest, up to 1
    for level in (top_from, 1.0):
        ax.plot([0.9, 0.99 if level < 1.0 else 1.0], [level, level], color="black",
                linewidth=0.8, linestyle=":")
    ax.annotate("", xy=(0.9, 1.0), xytext=(0.9, top_from),
                arrowprops={"arrowstyle": "<->", "color": "black", "linewidth": 1.2,
                            "shrinkA": 0, "shrinkB": 0})
    ax.text(0.885, (1.0 + top_from) / 2.0, "top 1 %", ha="right", va="center", fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
    text = f"top 1 % of people hold\n{top1_share:.1%} of attention"
    if gini is not None:
        text += f"\nGini = {gini:.3f}"
    ax.text(0.04, 0.96, text, transform=ax.transAxes, va="top", fontsize=9,
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.7"})
    ax.set_xlabel("share of people (least attended first)")
    ax.set_ylabel("share of recent attention")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left")
    ax.set_title(f"{title}: attention inequality (final step)" if title
                 else "attention inequality (final step)", fontsize=11)
    return fig


def silence_figure(strata: pd.DataFrame, title: str = "",
                   interventions: pd.DataFrame | None = None, *,
                   xmax: int | None = None) -> Figure:
    """Silence and voice of each stratum of the public against step (spiral of silence and
    social power): above, the silent share of the stratum; below (when the table has
    ``voice_share``), the share of the public's reading given to posts by the stratum's
    members. The steps in which interventions acted are shaded. ``xmax``: as in
    :func:`disorder_figure`."""
    voice = "voice_share" in strata
    fig = Figure(figsize=(7.5, 5.6 if voice else 4.0), layout="constrained")
    axes = fig.subplots(2 if voice else 1, 1, sharex=True, squeeze=False).ravel()
    windows = intervention_windows(interventions)
    fields = [("silent_share", "silent share of the stratum's public")]
    if voice:
        fields.append(("voice_share", "voice: share of the public's\nreading by its posts"))
    for ax, (field, label) in zip(axes, fields, strict=True):
        shade(ax, windows)
        for name, rows in strata.groupby("stratum", sort=False):
            ax.plot(rows["step"], rows[field], linewidth=1.5, label=str(name),
                    **line_style(len(rows)))
        ax.set_ylabel(label)
        ax.set_ylim(0.0, 1.0)
        ax.grid(alpha=0.3)
        step_axis(ax, strata["step"], xmax)
    axes[-1].set_xlabel("step")
    handles, labels = axes[0].get_legend_handles_labels()
    if windows:
        from matplotlib.patches import Patch

        handles.append(Patch(color="0.85", alpha=0.5))
        labels.append("intervention active")
    legend_above(axes[0], handles, labels, ncols=min(3, len(labels)), title="stratum",
                 title_fontsize=8)
    name = "silence and voice by stratum" if voice else "silence by stratum"
    fig.suptitle(f"{title}: {name}" if title else name, fontsize=11)
    return fig


ROLE_MARKERS = {  # role: (marker, size factor, label)
    "public": ("o", 1.0, "public"),
    "leader": ("*", 6.0, "opinion leader"),
    "bot": ("^", 2.0, "bot"),
    "outlet": ("s", 4.0, "mainstream outlet"),
}


MAX_DRAWN_TIES = 5000  # ties drawn in the network figure (all are saved in edges.csv)


def network_layout(nodes: pd.DataFrame, edges: pd.DataFrame, seed: int = 0) -> np.ndarray:
    """Positions (n x 2, in the order of ``nodes``) from networkx's spring layout of the
    undirected sample graph, with a fixed seed (deterministic)."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(nodes["account"].tolist())
    graph.add_edges_from(zip(edges["reader"].tolist(), edges["followee"].tolist(), strict=True))
    k = 1.5 / np.sqrt(max(1, graph.number_of_nodes()))
    pos = nx.spring_layout(graph, seed=seed, k=k, iterations=100)
    return np.array([pos[a] for a in nodes["account"].tolist()]).reshape(-1, 2)


def network_figure(nodes: pd.DataFrame, edges: pd.DataFrame, title: str = "",
                   seed: int = 0, positions: np.ndarray | None = None) -> Figure:
    """The sampled sub-graph (``network_sample/nodes.csv`` and ``edges.csv``): accounts
    coloured by opinion (blue -1, dark grey 0, red +1: neutral accounts stay visible near
    consensus), sized by followers, opinion leaders, bots and outlets marked; silent
    accounts drawn hollow. ``positions`` (one row per node) fixes the layout, e.g. to keep
    it still while a run goes on; default :func:`network_layout` with ``seed``."""
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D

    pos = network_layout(nodes, edges, seed) if positions is None else positions
    index = {a: k for k, a in enumerate(nodes["account"].tolist())}
    fig = Figure(figsize=(7.0, 6.6), layout="constrained")
    ax = fig.subplots()
    drawn = edges
    if len(edges) > MAX_DRAWN_TIES:  # e.g. a complete graph: a fixed random subset of ties
        drawn = edges.sample(MAX_DRAWN_TIES, random_state=seed)
    if len(drawn):
        segments = np.stack([pos[[index[a] for a in drawn["reader"]]],
                             pos[[index[a] for a in drawn["followee"]]]], axis=1)
        alpha = float(np.clip(600.0 / len(drawn), 0.02, 0.35))  # dense samples stay legible
        ax.add_collection(LineCollection(segments, colors="#9aa4b1", linewidths=0.3,
                                         alpha=alpha, zorder=1))
    norm = Normalize(-1.0, 1.0)
    size = 10.0 + 40.0 * np.sqrt(nodes["followers"].to_numpy(dtype=float)
                                 / max(1.0, float(nodes["followers"].max())))
    silent = nodes.get("expressing", pd.Series(1, index=nodes.index)).to_numpy() == 0
    opinion = nodes["opinion"].to_numpy(dtype=float)
    handles = []
    for role, (marker, factor, label) in ROLE_MARKERS.items():
        for hollow in (False, True):
            sel = (nodes["role"].to_numpy() == role) & (silent == hollow)
            if not sel.any():
                continue
            common = {"marker": marker, "s": size[sel] * factor, "zorder": 3 if role == "public"
                      else 4}
            if hollow:  # an outline in the account's opinion colour
                ax.scatter(pos[sel, 0], pos[sel, 1], facecolors="white",
                           edgecolors=OPINION_CMAP(norm(opinion[sel])), linewidths=1.1,
                           **common)
            else:
                ax.scatter(pos[sel, 0], pos[sel, 1], c=opinion[sel], cmap=OPINION_CMAP,
                           norm=norm, edgecolors="white" if role == "public" else "black",
                           linewidths=0.4 if role == "public" else 0.9, **common)
        if (nodes["role"] == role).any():
            handles.append(Line2D([], [], marker=marker, linestyle="", color="0.45",
                                  markeredgecolor="black", markersize=10 if role != "public"
                                  else 7, label=f"{label} ({int((nodes['role'] == role).sum())})"))
    if silent.any():
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                              markeredgecolor="0.3", markeredgewidth=1.1, markersize=7,
                              label=f"silent ({int(silent.sum())})"))
    from matplotlib.cm import ScalarMappable

    fig.colorbar(ScalarMappable(norm=norm, cmap=OPINION_CMAP), ax=ax, shrink=0.8,
                 aspect=30, label="opinion (-1 to +1)")
    ax.legend(handles=handles, fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.01),
              ncols=min(2, max(1, len(handles))), frameon=False, handletextpad=0.3,
              columnspacing=1.0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.autoscale_view()
    caption = f"{len(nodes)} accounts, {len(edges):,} follow ties among them"
    caption += (f"\n({len(drawn):,} ties drawn at random; size: followers)"
                if len(drawn) < len(edges) else "\n(size: followers)")
    ax.set_title(f"{title}: follow network sample\n{caption}" if title
                 else f"follow network sample\n{caption}", fontsize=10)
    return fig


def runs_figure(frames: dict[str, pd.DataFrame], metrics: list[str] | tuple[str, ...],
                interventions: pd.DataFrame | None = None, title: str = "",
                ylim: tuple[float, float] | None = None, ylabel: str = "value") -> Figure:
    """One panel per metric, one line per run (``frames``: label -> metrics table), the
    steps in which ``interventions`` acted shaded: e.g. a scenario and its counterfactual."""
    fig = Figure(figsize=(min(4.2 * len(metrics), 13.0), 3.6), layout="constrained")
    axes = fig.subplots(1, len(metrics), squeeze=False, sharex=True).ravel()
    windows = intervention_windows(interventions)
    for ax, name in zip(axes, metrics, strict=True):
        shade(ax, windows)
        for label, frame in frames.items():
            ax.plot(frame["step"], frame[name], linewidth=1.3, label=label,
                    **line_style(len(frame)))
        ax.set_title(METRIC_LABELS.get(name, name), fontsize=10)
        ax.set_xlabel("step")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(ylabel)
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def run_figures(tables: dict[str, pd.DataFrame],
                title: str = "") -> Iterator[tuple[str, Figure]]:
    """Yield (name, Figure) for each run figure whose tables are present (the disorder
    figure: when the metrics hold a disorder index; a classic model's do not)."""
    metrics = tables.get("metrics")
    interventions = tables.get("interventions")
    if metrics is not None:
        if any(name in metrics for name in DISORDER_INDICES):  # not a classic model's
            yield "disorder", disorder_figure(metrics, title, interventions)
        yield "metrics", metrics_figure(metrics, title)
    if "opinions" in tables:
        yield "opinions", opinions_figure(tables["opinions"], title, metrics)
    if "platforms" in tables:
        yield "platforms", platforms_figure(tables["platforms"], title)
    if "attention_lorenz" in tables:
        final = metrics.iloc[-1] if metrics is not None and len(metrics) else {}
        yield "lorenz", lorenz_figure(tables["attention_lorenz"], title,
                                      final.get("attention_top1_share"),
                                      final.get("attention_gini"))
    if "strata" in tables:
        yield "silence", silence_figure(tables["strata"], title, interventions)
    if "network_nodes" in tables and "network_edges" in tables:
        yield "network", network_figure(tables["network_nodes"], tables["network_edges"], title)
