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
    "attention_top1_share": "attention share of the top 1 % of people",
    "platform_hhi": "platform concentration (HHI)",
    "mainstream_reach": "mainstream outlet reach",
    "cocoon_index": "cocoon index",
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


def _shade(ax, windows: list[tuple[str, int, int]]) -> None:
    """Shade the steps during which any intervention acted (step k spans k - 1 to k)."""
    for first, last in sorted({(a, b) for _, a, b in windows}):
        ax.axvspan(first - 1, last, color="0.85", alpha=0.5, zorder=0, linewidth=0)


def _intervention_strip(ax, windows: list[tuple[str, int, int]]) -> None:
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


def disorder_figure(frame: pd.DataFrame, title: str = "",
                    interventions: pd.DataFrame | None = None) -> Figure:
    """The three disorder indices and their composite against step, on one [0, 1] axis.
    With an ``interventions.csv`` table, the steps in which interventions acted are shaded
    and a strip below names each intervention and when it acted."""
    windows = intervention_windows(interventions)
    names = list(dict.fromkeys(name for name, _, _ in windows))
    if windows:
        fig = Figure(figsize=(7.0, 4.4 + 0.18 * len(names)), layout="constrained")
        ax, strip = fig.subplots(2, 1, sharex=True, height_ratios=[4.0, 0.5 + 0.2 * len(names)])
    else:
        fig = Figure(figsize=(7.0, 4.0), layout="constrained")
        ax, strip = fig.subplots(), None
    _shade(ax, windows)
    for name in DISORDER_INDICES:
        if name in frame:
            width = 2.4 if name == "disorder_index" else 1.3
            ax.plot(frame["step"], frame[name], linewidth=width, label=METRIC_LABELS[name])
    ax.set_ylabel("index (0 = balanced ideal, 1 = maximal disorder)")
    ax.set_ylim(0.0, 1.0)
    ax.set_xlim(frame["step"].min(), max(frame["step"].max(), 1))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    if strip is not None:
        _intervention_strip(strip, windows)
        strip.set_xlabel("step")
    else:
        ax.set_xlabel("step")
    if title:
        ax.set_title(title)
    return fig


def save_disorder_figure(frame: pd.DataFrame, path: Path, title: str = "",
                         dpi: int = 150, interventions: pd.DataFrame | None = None) -> None:
    """Write the disorder-indices figure (format from the file suffix)."""
    save_figure(disorder_figure(frame, title, interventions), path, dpi)


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
        middle = np.nanmean([np.nanmin(grid.to_numpy()), np.nanmax(grid.to_numpy())])
        for (i, j), value in np.ndenumerate(grid.to_numpy()):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8,
                    color="black" if value > middle else "white")  # legible on viridis
    ax.set_title(f"{metric} (mean over replicates and other parameters)", fontsize=9)
    return fig


def save_sweep_figure(points: pd.DataFrame, path: Path, metric: str, x: str,
                      y: str | None, dpi: int = 150) -> None:
    from sim.output import atomic_write

    fig = sweep_figure(points, metric, x, y)
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".")))


# --------------------------------------------------------------------------- run figures
# Each function takes the tables a run folder holds (see README, "Figures"), so every
# figure can be redrawn from saved files: `python run.py plot RUN_DIR`.


def save_figure(fig: Figure, path: Path, dpi: int = 300) -> None:
    """Write ``fig`` atomically; the format (png, svg, pdf) comes from the file suffix."""
    from sim.output import atomic_write

    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".")))


def opinion_bins(opinions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(bin centres, bin edges) of an ``opinions.csv`` table (columns named by centre)."""
    centres = np.array([float(c) for c in opinions.columns if c != "step"])
    half = (centres[1] - centres[0]) / 2.0 if centres.size > 1 else 1.0
    return centres, np.concatenate((centres - half, [centres[-1] + half]))


def opinions_figure(opinions: pd.DataFrame, title: str = "",
                    mean: pd.DataFrame | None = None) -> Figure:
    """Heatmap of the public's opinion distribution (share of the public per opinion bin)
    against step, on a square-root colour scale so that small minorities stay visible.
    ``mean``: a metrics table whose ``opinion_mean`` is drawn on top."""
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
                label="mean opinion of the public")
        ax.legend(fontsize=8, loc="upper right")
    ax.set_xlabel("step")
    ax.set_ylabel("opinion")
    ax.set_ylim(-1.0, 1.0)
    ax.set_title(f"{title}: opinion distribution of the public" if title
                 else "opinion distribution of the public", fontsize=11)
    return fig


def platforms_figure(platforms: pd.DataFrame, title: str = "") -> Figure:
    """Stacked areas: each platform's share of the public (home platform) against step."""
    shares = platforms.pivot(index="step", columns="platform", values="user_share")
    shares = shares[list(dict.fromkeys(platforms["platform"]))]  # the scenario's order
    fig = Figure(figsize=(7.5, 4.0), layout="constrained")
    ax = fig.subplots()
    ax.stackplot(shares.index, shares.to_numpy().T, labels=list(shares.columns), alpha=0.9)
    ax.set_xlabel("step")
    ax.set_ylabel("share of users (the public, by home platform)")
    ax.set_xlim(shares.index.min(), max(shares.index.max(), 1))
    ax.set_ylim(0.0, 1.0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), title="platform",
              title_fontsize=8)
    ax.set_title(f"{title}: platform shares" if title else "platform shares", fontsize=11)
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
                   interventions: pd.DataFrame | None = None) -> Figure:
    """Silent share of each stratum of the public against step (spiral of silence), with
    the steps in which interventions acted shaded."""
    fig = Figure(figsize=(7.5, 4.0), layout="constrained")
    ax = fig.subplots()
    windows = intervention_windows(interventions)
    _shade(ax, windows)
    for name, rows in strata.groupby("stratum", sort=False):
        ax.plot(rows["step"], rows["silent_share"], linewidth=1.5, label=str(name))
    if windows:
        from matplotlib.patches import Patch

        handles, labels = ax.get_legend_handles_labels()
        handles.append(Patch(color="0.85", alpha=0.5))
        labels.append("intervention active")
        ax.legend(handles, labels, fontsize=8, loc="upper right", title="stratum",
                  title_fontsize=8)
    else:
        ax.legend(fontsize=8, loc="upper right", title="stratum", title_fontsize=8)
    ax.set_xlabel("step")
    ax.set_ylabel("silent share of the stratum's public")
    ax.set_xlim(strata["step"].min(), max(strata["step"].max(), 1))
    ax.set_ylim(0.0, 1.0)
    ax.grid(alpha=0.3)
    ax.set_title(f"{title}: silence by stratum" if title else "silence by stratum", fontsize=11)
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
                   seed: int = 0) -> Figure:
    """The sampled sub-graph (``network_sample/nodes.csv`` and ``edges.csv``): accounts
    coloured by opinion, sized by followers, opinion leaders, bots and outlets marked;
    silent accounts drawn hollow."""
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D

    pos = network_layout(nodes, edges, seed)
    index = {a: k for k, a in enumerate(nodes["account"].tolist())}
    fig = Figure(figsize=(7.0, 6.2), layout="constrained")
    ax = fig.subplots()
    drawn = edges
    if len(edges) > MAX_DRAWN_TIES:  # e.g. a complete graph: a fixed random subset of ties
        drawn = edges.sample(MAX_DRAWN_TIES, random_state=seed)
    if len(drawn):
        segments = np.stack([pos[[index[a] for a in drawn["reader"]]],
                             pos[[index[a] for a in drawn["followee"]]]], axis=1)
        alpha = float(np.clip(800.0 / len(drawn), 0.02, 0.4))  # dense samples stay legible
        ax.add_collection(LineCollection(segments, colors="0.5", linewidths=0.3, alpha=alpha,
                                         zorder=1))
    norm = Normalize(-1.0, 1.0)
    size = 8.0 + 40.0 * np.sqrt(nodes["followers"].to_numpy(dtype=float)
                                / max(1.0, float(nodes["followers"].max())))
    silent = nodes.get("expressing", pd.Series(1, index=nodes.index)).to_numpy() == 0
    scatter = None
    handles = []
    for role, (marker, factor, label) in ROLE_MARKERS.items():
        for hollow in (False, True):
            sel = (nodes["role"].to_numpy() == role) & (silent == hollow)
            if not sel.any():
                continue
            colours = norm(nodes["opinion"].to_numpy()[sel])
            common = {"marker": marker, "s": size[sel] * factor, "zorder": 3 if role == "public"
                      else 4, "linewidths": 0.4 if role == "public" else 0.9}
            if hollow:
                from matplotlib import colormaps

                ax.scatter(pos[sel, 0], pos[sel, 1], facecolors="none",
                           edgecolors=colormaps["coolwarm"](colours), **common)
            else:
                scatter = ax.scatter(pos[sel, 0], pos[sel, 1], c=nodes["opinion"][sel],
                                     cmap="coolwarm", norm=norm,
                                     edgecolors="black" if role != "public" else "0.3",
                                     **common)
        if (nodes["role"] == role).any():
            handles.append(Line2D([], [], marker=marker, linestyle="", color="0.6",
                                  markeredgecolor="black", markersize=9 if role != "public"
                                  else 6, label=f"{label} ({int((nodes['role'] == role).sum())})"))
    if silent.any():
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="none",
                              markeredgecolor="0.3", markersize=6,
                              label=f"silent ({int(silent.sum())})"))
    if scatter is not None:
        fig.colorbar(scatter, ax=ax, label="opinion", shrink=0.8)
    ax.legend(handles=handles, fontsize=8, loc="lower left", framealpha=0.9)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.autoscale_view()
    caption = f"{len(nodes)} sampled accounts, {len(edges):,} follow ties among them"
    caption += (f"\n({len(drawn):,} ties drawn at random; size: followers)"
                if len(drawn) < len(edges) else " (size: followers)")
    ax.set_title(f"{title}: follow network sample\n{caption}" if title
                 else f"follow network sample\n{caption}", fontsize=10)
    return fig


RUN_TABLES = {  # table name: file in a run folder
    "metrics": "metrics.csv",
    "strata": "strata.csv",
    "platforms": "platforms.csv",
    "interventions": "interventions.csv",
    "opinions": "opinions.csv",
    "attention_lorenz": "attention_lorenz.csv",
    "network_nodes": "network_sample/nodes.csv",
    "network_edges": "network_sample/edges.csv",
}

RUN_FIGURES = ("disorder", "metrics", "opinions", "platforms", "lorenz", "silence", "network")


def read_run_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The tables of a run folder that exist (a folder written before a file was added
    lacks it; its figure is then skipped)."""
    return {name: pd.read_csv(folder / file) for name, file in RUN_TABLES.items()
            if (folder / file).is_file()}


def run_figures(tables: dict[str, pd.DataFrame], title: str = ""):
    """Yield (name, Figure) for each run figure whose tables are present."""
    metrics = tables.get("metrics")
    interventions = tables.get("interventions")
    if metrics is not None:
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


def save_run_figures(tables: dict[str, pd.DataFrame], folder: Path, title: str = "",
                     fmt: str = "png", dpi: int = 300) -> list[Path]:
    """Draw every run figure whose tables are present into ``folder``/NAME.fmt."""
    written = []
    for name, fig in run_figures(tables, title):
        path = folder / f"{name}.{fmt}"
        save_figure(fig, path, dpi)
        written.append(path)
    return written


def runs_figure(frames: dict[str, pd.DataFrame], metrics: list[str] | tuple[str, ...],
                interventions: pd.DataFrame | None = None, title: str = "",
                ylim: tuple[float, float] | None = None, ylabel: str = "value") -> Figure:
    """One panel per metric, one line per run (``frames``: label -> metrics table), the
    steps in which ``interventions`` acted shaded: e.g. a scenario and its counterfactual."""
    fig = Figure(figsize=(min(4.2 * len(metrics), 13.0), 3.6), layout="constrained")
    axes = fig.subplots(1, len(metrics), squeeze=False, sharex=True).ravel()
    windows = intervention_windows(interventions)
    for ax, name in zip(axes, metrics, strict=True):
        _shade(ax, windows)
        for label, frame in frames.items():
            ax.plot(frame["step"], frame[name], linewidth=1.3, label=label)
        ax.set_title(METRIC_LABELS.get(name, name), fontsize=10)
        ax.set_xlabel("step")
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(ylabel)
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
