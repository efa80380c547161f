"""Rerun the reproduced published results, save one figure each and print a table.

    python benchmarks/validation_figures.py               # the validation suite's sizes and seeds
    python benchmarks/validation_figures.py --full        # OE_VALIDATION_FULL seeds, larger N
    python benchmarks/validation_figures.py --only hk_threshold voter --markdown
    python benchmarks/validation_figures.py --list

Each result is one function registered with ``@result``: it runs its simulations
with the helpers of the validation suite (``tests/validation/common.py``,
``tests/test_classic.py``), saves ``docs/figures/<name>.png`` and returns the rows
of the table (paper value, ours, the test's tolerance). To add a result, write
one more decorated function. docs/validation.md explains every row. The default
run takes about 1.5-2 minutes on one core; nothing here is asserted (the tests do that).
"""

from __future__ import annotations

import argparse
import io
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, ScalarFormatter
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.validation.common import (  # noqa: E402 - needs ROOT on the path
    classic,
    participation_ratio,
    run_to_convergence,
    settle_time,
)

DPI = 150
PAPER = "black"  # colour of the papers' reference lines
BAND = "0.85"  # grey of the tolerance bands


# --------------------------------------------------------------------------- registry


@dataclass
class Row:
    """One line of the table: a quantity, the paper's value, ours, the test's tolerance."""

    quantity: str
    paper: str
    ours: str
    tolerance: str
    ok: bool | None = None  # None: reported, not tested


@dataclass
class Config:
    full: bool
    out: Path

    def seeds(self, ci: int, full: int) -> range:
        """The suite's seeds: ``ci`` by default, ``full`` with --full (OE_VALIDATION_FULL)."""
        return range(full if self.full else ci)


ResultFunc = Callable[[Config], list[Row]]
RESULTS: dict[str, ResultFunc] = {}


def result(name: str) -> Callable[[ResultFunc], ResultFunc]:
    """Register a result; its figure is saved as <out>/<name>.png."""

    def register(func: ResultFunc) -> ResultFunc:
        RESULTS[name] = func
        return func

    return register


# --------------------------------------------------------------------------- helpers


def mean_se(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    se = v.std(ddof=1) / math.sqrt(v.size) if v.size > 1 else 0.0
    return float(v.mean()), float(se)


def figure(ncols: int = 1) -> tuple[Figure, list]:
    fig = Figure(figsize=(5.2 * ncols, 3.9), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False).ravel().tolist()
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig, axes


def save(fig: Figure, cfg: Config, name: str) -> None:
    cfg.out.mkdir(parents=True, exist_ok=True)
    path = cfg.out / f"{name}.png"
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=DPI, format="png")
    # a 256-colour palette keeps the plots' look and the files small (~3x smaller)
    with Image.open(buffer) as image:
        image.convert("RGB").quantize(256).save(path, optimize=True)
    print(f"  wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
          f"({path.stat().st_size / 1024:.0f} KB)", flush=True)


def deffuant_rule(eps: float) -> int:
    """Deffuant et al. (2000): about floor(1 / (2 eps)) final clusters (eps on [0, 1])."""
    return math.floor(1 / (2 * eps) + 1e-9)


def major_clusters(model) -> float:
    return model.latest_metrics()["n_clusters"]


def all_groups(x: np.ndarray, gap: float = 0.05) -> int:
    """Every gap-separated group, minor ones included (n_clusters drops groups < 1 %)."""
    return int(np.count_nonzero(np.diff(np.sort(x)) > gap)) + 1


def cluster_count_figure(ax, series: dict[str, dict[float, list[float]]],
                         tolerance: dict[float, float], title: str) -> None:
    """Mean +- SE of the final cluster count against eps, over the paper's floor(1/(2 eps))."""
    grid = np.linspace(0.08, 0.36, 400)
    ax.plot(grid, [deffuant_rule(e) for e in grid], color=PAPER, lw=1.2,
            label=r"Deffuant et al. 2000: $\lfloor 1/(2\varepsilon) \rfloor$")
    for k, (eps, tol) in enumerate(sorted(tolerance.items())):
        ref = deffuant_rule(eps)
        ax.fill_between([eps - 0.012, eps + 0.012], ref - tol, ref + tol, color=BAND,
                        label="test tolerance" if k == 0 else None, zorder=0)
    offsets = np.linspace(-0.004, 0.004, len(series)) if len(series) > 1 else [0.0]
    for (label, by_eps), dx in zip(series.items(), offsets, strict=True):
        eps = sorted(by_eps)
        stats = [mean_se(by_eps[e]) for e in eps]
        line = ax.errorbar(np.add(eps, dx), [m for m, _ in stats], yerr=[s for _, s in stats],
                           fmt="o", capsize=3, ms=5, label=f"{label} (mean $\\pm$ SE)")
        rng = np.random.default_rng(0)
        for e in eps:
            jitter = rng.uniform(-0.003, 0.003, len(by_eps[e]))
            ax.plot(e + dx + jitter, by_eps[e], ".", color=line[0].get_color(), alpha=0.3, ms=4)
    ax.set_xlabel(r"confidence bound $\varepsilon$ (on [0, 1]; our confidence = $2\varepsilon$)")
    ax.set_ylabel("final major clusters (n_clusters)")
    ax.set_title(title, fontsize=10)
    ax.set_xlim(0.07, 0.37)
    ax.legend(fontsize=8)


def cluster_rows(label: str, counts: dict[float, list[float]],
                 tolerance: dict[float, float]) -> list[Row]:
    rows = []
    for eps, tol in sorted(tolerance.items()):
        m, se = mean_se(counts[eps])
        ref = deffuant_rule(eps)
        rows.append(Row(f"{label}, eps = {eps:g}: mean clusters", f"{ref}",
                        f"{m:.2f} +- {se:.2f} ({len(counts[eps])} seeds)", f"+-{tol:g}",
                        abs(m - ref) <= tol))
    return rows


# --------------------------------------------------------------------------- Deffuant


DEFFUANT_COMPLETE_TOL = {0.1: 0.75, 0.2: 0.5, 0.3: 0.5}
DEFFUANT_SPARSE_TOL = {0.1: 0.8, 0.2: 0.6, 0.3: 0.5}
SPARSE = {"generator": "stochastic_block", "mean_degree": 20, "homophily": 0.5}


@result("deffuant_complete")
def deffuant_complete(cfg: Config) -> list[Row]:
    """tests/validation/test_deffuant.py::test_complete_graph_cluster_count."""
    series: dict[str, dict[float, list[float]]] = {}
    rows = []
    for semantics in ("random_sequential", "matching"):
        counts = {}
        for eps in DEFFUANT_COMPLETE_TOL:
            counts[eps] = []
            for seed in cfg.seeds(6, 24):
                model = classic({"model": "deffuant", "confidence": 2 * eps,
                                 "semantics": semantics}, 500, seed)
                model.run_for(300)
                counts[eps].append(major_clusters(model))
        series[semantics.replace("_", "-")] = counts
        rows += cluster_rows(f"complete, {semantics}", counts, DEFFUANT_COMPLETE_TOL)
    fig, (ax,) = figure()
    cluster_count_figure(ax, series, DEFFUANT_COMPLETE_TOL,
                         "Deffuant, complete graph, N = 500, 300 steps")
    save(fig, cfg, "deffuant_complete")
    return rows


@result("deffuant_sparse")
def deffuant_sparse(cfg: Config) -> list[Row]:
    """tests/validation/test_deffuant.py::test_sparse_graph_cluster_count."""
    counts = {}
    for eps in DEFFUANT_SPARSE_TOL:
        counts[eps] = []
        for seed in cfg.seeds(6, 24):
            model = classic({"model": "deffuant", "confidence": 2 * eps}, 500, seed, SPARSE)
            model.run_for(400)
            counts[eps].append(major_clusters(model))
    fig, (ax,) = figure()
    cluster_count_figure(ax, {"random-sequential": counts}, DEFFUANT_SPARSE_TOL,
                         "Deffuant, random graph, mean degree 20, N = 500, 400 steps")
    save(fig, cfg, "deffuant_sparse")
    return cluster_rows("random graph <k> = 20", counts, DEFFUANT_SPARSE_TOL)


@result("deffuant_mu")
def deffuant_mu(cfg: Config) -> list[Row]:
    """tests/validation/test_deffuant.py::test_mu_changes_time_not_cluster_count."""
    mus = (0.5, 0.1)
    times: dict[float, list[int]] = {mu: [] for mu in mus}
    major: dict[float, list[float]] = {mu: [] for mu in mus}
    groups: dict[float, list[int]] = {mu: [] for mu in mus}
    for seed in cfg.seeds(4, 16):
        for mu in mus:
            model = classic({"model": "deffuant", "confidence": 0.6, "convergence": mu},
                            300, seed)
            times[mu].append(settle_time(model, 400))
            major[mu].append(major_clusters(model))
            groups[mu].append(all_groups(model.state.opinion))
    fig, (left, right) = figure(2)
    rng = np.random.default_rng(0)
    for k, mu in enumerate(mus):
        left.plot(k + rng.uniform(-0.08, 0.08, len(times[mu])), times[mu], "o", alpha=0.5,
                  color=f"C{k}")
        left.plot([k - 0.25, k + 0.25], [np.median(times[mu])] * 2, color=f"C{k}", lw=2,
                  label=rf"median, $\mu$ = {mu}")
    left.axhline(1.8 * np.median(times[0.5]), color="0.4", ls=":",
                 label=r"1.8 x median($\mu$ = 0.5); test: per seed, ratio > 1.8")
    left.set_xticks(range(len(mus)), [rf"$\mu$ = {mu}" for mu in mus])
    left.set_xlim(-0.6, len(mus) - 0.4)
    left.set_ylabel("settle time: steps until mean |x - x_final| < 0.01")
    left.set_ylim(0, None)
    left.set_title(r"$\mu$ sets the time", fontsize=10)
    left.legend(fontsize=8)
    width = 0.35
    for k, mu in enumerate(mus):
        for j, (values, label) in enumerate(((major[mu], "major clusters (n_clusters)"),
                                             (groups[mu], "all groups, minor included"))):
            m, se = mean_se(values)
            right.bar(k + (j - 0.5) * width, m, width, yerr=se, capsize=3, color=f"C{j + 2}",
                      label=label if k == 0 else None, alpha=0.8)
    right.axhline(deffuant_rule(0.3), color=PAPER, lw=1.2,
                  label=r"$\lfloor 1/(2\varepsilon) \rfloor$ = 1 (Deffuant et al. 2000)")
    right.set_xticks(range(len(mus)), [rf"$\mu$ = {mu}" for mu in mus])
    right.set_ylabel("final clusters (mean $\\pm$ SE)")
    right.set_title(r"... not the number of major clusters", fontsize=10)
    right.legend(fontsize=8, loc="upper left")
    right.set_ylim(0, max(3.5, max(np.mean(groups[mu]) for mu in mus) + 1))
    fig.suptitle(rf"Deffuant, complete graph, N = 300, $\varepsilon$ = 0.3, "
                 f"{len(times[0.5])} seeds", fontsize=11)
    save(fig, cfg, "deffuant_mu")
    ratio = np.median(times[0.1]) / np.median(times[0.5])
    diff = np.mean(major[0.1]) - np.mean(major[0.5])
    return [
        Row("mu 0.1 vs 0.5: median settle time ratio", "> 1 (mu sets the time)",
            f"{ratio:.2f} ({np.median(times[0.1]):g} / {np.median(times[0.5]):g} steps)",
            "per seed: t(0.1) > 1.8 t(0.5)",
            bool(min(a / b for a, b in zip(times[0.1], times[0.5], strict=True)) > 1.8)),
        Row("mu 0.1 minus 0.5: mean major clusters", "0 (same count)",
            f"{diff:+.2f} ({np.mean(major[0.1]):.2f} vs {np.mean(major[0.5]):.2f})", "+-0.25",
            bool(abs(diff) <= 0.25)),
        Row("mu 0.1 vs 0.5: all groups incl. minor", "REFERENCES.md: more at small mu",
            f"{np.mean(groups[0.1]):.2f} vs {np.mean(groups[0.5]):.2f}", "not tested"),
    ]


# --------------------------------------------------------------------------- Hegselmann-Krause


def hk_run(n: int, eps: float, seed: int, max_steps: int = 1000) -> tuple[float, int]:
    """Major clusters at the fixed point and the steps that still moved an opinion, as in
    the test's ``fixed_point_clusters`` (stop at the first step that leaves every opinion
    exactly unchanged, at most 1000 steps; HK reaches a fixed point in finite time).
    Steps = max_steps means the fixed point was not reached."""
    model = classic({"model": "hegselmann_krause", "confidence": 2 * eps}, n, seed)
    for steps in range(max_steps):
        before = model.state.opinion.copy()
        model.step()
        if np.array_equal(before, model.state.opinion):
            return major_clusters(model), steps
    return major_clusters(model), max_steps


@result("hk_threshold")
def hk_threshold(cfg: Config) -> list[Row]:
    """tests/validation/test_hegselmann_krause.py: consensus above ~0.2, fragmentation below."""
    eps_grid = np.round(np.arange(0.10, 0.3001, 0.01), 2)
    sizes = (500, 2000) if cfg.full else (500,)
    # per N: per eps, the per-seed (count at the fixed point, steps to it)
    runs = {n: {float(e): [hk_run(n, float(e), seed) for seed in cfg.seeds(6, 24)]
                for e in eps_grid} for n in sizes}
    every = [(n, e, s) for n, by_eps in runs.items() for e, rs in by_eps.items() for _, s in rs]
    unreached = sum(s >= 1000 for _, _, s in every)
    slowest = max(every, key=lambda r: r[2])
    over60 = sum(s > 60 for _, _, s in every)
    print(f"  {over60}/{len(every)} runs move after step 60; slowest {slowest[2]} steps "
          f"(N = {slowest[0]}, eps = {slowest[1]:g}); {unreached} not at a fixed point")
    fig, (left, right) = figure(2)
    for ax in (left, right):
        ax.axvline(0.2, color=PAPER, lw=1.2,
                   label=r"consensus threshold $\approx$ 0.2 (Lorenz 2007)")
        ax.set_xlabel(r"confidence bound $\varepsilon$ (on [0, 1])")
    for k, n in enumerate(sizes):
        share = [np.mean([c == 1.0 for c, _ in runs[n][float(e)]]) for e in eps_grid]
        left.plot(eps_grid, share, "o-", ms=4, color=f"C{k}", label=f"N = {n}")
        stats = [mean_se([c for c, _ in runs[n][float(e)]]) for e in eps_grid]
        right.errorbar(eps_grid, [m for m, _ in stats], yerr=[s for _, s in stats], fmt="o-",
                       ms=4, capsize=2, color=f"C{k}", label=f"N = {n} (mean $\\pm$ SE)")
    left.axvspan(0.245, 0.305, color=BAND, zorder=0, label="test: all seeds 1 cluster")
    right.fill_between([0.095, 0.105], 3, 6, color=BAND, zorder=0,
                       label=r"test: mean $\geq$ 3 / 2, every seed $\geq$ 2")
    right.fill_between([0.145, 0.155], 2, 6, color=BAND, zorder=0)
    left.set_ylabel("share of seeds ending in one cluster")
    right.set_ylabel("major clusters at the fixed point")
    left.set_title("consensus", fontsize=10)
    right.set_title("fragmentation", fontsize=10)
    left.legend(fontsize=7)
    right.legend(fontsize=7)
    fig.suptitle(f"Hegselmann-Krause, complete graph, synchronous, run to the fixed point, "
                 f"{len(cfg.seeds(6, 24))} seeds per point", fontsize=11)
    save(fig, cfg, "hk_threshold")
    at500 = runs[500]
    rows = []
    for eps in (0.25, 0.3):
        c = [x for x, _ in at500[eps]]
        rows.append(Row(f"eps = {eps:g}: runs in consensus at the fixed point",
                        "all (1 cluster)", f"{sum(x == 1.0 for x in c)}/{len(c)}", "all seeds",
                        all(x == 1.0 for x in c)))
    for eps, least in ((0.1, 3.0), (0.15, 2.0)):
        c = [x for x, _ in at500[eps]]
        m, se = mean_se(c)
        rows.append(Row(f"eps = {eps:g}: mean clusters at the fixed point (min)",
                        "fragmentation (> 1)", f"{m:.2f} +- {se:.2f} (min {min(c):g})",
                        f">= {least:g}, min >= 2", bool(m >= least and min(c) >= 2)))
    for n in sizes:
        share = [np.mean([c == 1.0 for c, _ in runs[n][float(e)]]) for e in eps_grid]
        half = next((float(e) for e, v in zip(eps_grid, share, strict=True) if v >= 0.5),
                    float("nan"))
        all_from = next((float(e) for i, e in enumerate(eps_grid) if min(share[i:]) == 1.0),
                        float("nan"))
        rows.append(Row(f"N = {n}: consensus in >= half / every seed from eps",
                        "about 0.2", f"{half:.2f} / {all_from:.2f}", "not tested"))
    rows.append(Row("sweep: steps to the fixed point", "finite",
                    f"max {slowest[2]} (N = {slowest[0]}, eps = {slowest[1]:g}); "
                    f"{over60}/{len(every)} runs > 60", "< 1000 (the test's cap)",
                    unreached == 0))
    return rows


# --------------------------------------------------------------------------- algorithmic bias


@result("algorithmic_bias")
def algorithmic_bias(cfg: Config) -> list[Row]:
    """tests/validation/test_algorithmic_bias.py::test_bias_slows_convergence_and_fragments."""
    gammas = (0.0, 0.5, 1.0)
    data: dict[float, dict[float, list[tuple[int, float]]]] = {}
    for eps in (0.3, 0.4):
        data[eps] = {}
        for gamma in gammas:
            out = []
            for seed in cfg.seeds(6, 30):
                model = classic({"model": "algorithmic_bias", "confidence": 2 * eps,
                                 "gamma": gamma}, 100, seed)
                steps = run_to_convergence(model, 2 * eps, 5000)
                out.append((steps, participation_ratio(model.state.opinion, eps)))
            data[eps][gamma] = out
    fig, (left, right) = figure(2)
    grid = np.linspace(0, 1.05, 50)
    left.plot(grid, 35 * np.exp(3.4 * grid), color=PAPER, ls="--", lw=1.2,
              label=r"Sirbu et al. Fig. 4 guide $35\,e^{3.4\gamma}$ ($\varepsilon$ = 0.4)")
    rng = np.random.default_rng(0)
    for k, eps in enumerate(data):
        med = [np.median([t for t, _ in data[eps][g]]) for g in gammas]
        left.plot(gammas, med, "o-", color=f"C{k}", label=rf"ours, $\varepsilon$ = {eps} (median)")
        for g in gammas:
            ts = [t for t, _ in data[eps][g]]
            left.plot(g + rng.uniform(-0.03, 0.03, len(ts)), ts, ".", color=f"C{k}", alpha=0.35)
        stats = [mean_se([c for _, c in data[eps][g]]) for g in gammas]
        right.errorbar(np.add(gammas, 0.01 * k), [m for m, _ in stats],
                       yerr=[s for _, s in stats], fmt="o-", capsize=3, color=f"C{k}",
                       label=rf"ours, $\varepsilon$ = {eps} (mean $\pm$ SE)")
    t0 = np.median([t for t, _ in data[0.3][0.0]])
    c0 = np.mean([c for _, c in data[0.3][0.0]])
    left.axhline(5 * t0, color="0.4", ls=":",
                 label=r"test ($\varepsilon$ = 0.3): $\gamma$ = 1 median above this")
    right.axhline(c0 + 0.15, color="0.4", ls=":",
                  label=r"test ($\varepsilon$ = 0.3): $\gamma$ = 1 mean above this")
    left.set_yscale("log")
    left.set_xlabel(r"algorithmic bias $\gamma$")
    right.set_xlabel(r"algorithmic bias $\gamma$")
    left.set_ylabel("steps to converge (N interactions each)")
    right.set_ylabel("effective clusters (participation ratio)")
    left.set_title("convergence time grows sharply", fontsize=10)
    right.set_title("fragmentation grows (Sirbu et al.: clusters rise with $\\gamma$)",
                    fontsize=10)
    left.legend(fontsize=7)
    right.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"Algorithmic bias, complete graph, N = 100, $\\mu$ = 0.5, "
                 f"{len(cfg.seeds(6, 30))} seeds", fontsize=11)
    save(fig, cfg, "algorithmic_bias")
    t1 = np.median([t for t, _ in data[0.3][1.0]])
    c1 = np.mean([c for _, c in data[0.3][1.0]])
    converged = all(t < 5000 for t, _ in data[0.3][1.0])
    t04 = [np.median([t for t, _ in data[0.4][g]]) for g in (0.0, 1.0)]
    return [
        Row("eps 0.3: median time, gamma 1 / gamma 0", "grows sharply with gamma",
            f"{t1 / t0:.1f} ({t1:g} / {t0:g} steps)", "> 5, all runs < 5000",
            bool(t1 > 5 * t0 and converged)),
        Row("eps 0.3: effective clusters, gamma 1 - gamma 0", "> 0 (grows with gamma)",
            f"{c1 - c0:+.2f} ({c1:.2f} vs {c0:.2f})", "> 0.15", bool(c1 > c0 + 0.15)),
        Row("eps 0.4: d ln(time) / d gamma over [0, 1]", "3.4 (Fig. 4 visual guide)",
            f"{math.log(t04[1] / t04[0]):.2f} ({t04[1]:g} / {t04[0]:g} steps)", "not tested"),
    ]


# --------------------------------------------------------------------------- voter


def voter_theory(n: int, p_plus: float) -> float:
    """Exact mean consensus time in sweeps (N single updates) of the voter model on the
    complete graph, averaged over k ~ Binomial(n, p_plus) initial +1 agents.

    From k, k -> k +- 1 each with r_k = k (n - k) / (n (n - 1)) per update, so
    r_k (2 T_k - T_{k+1} - T_{k-1}) = 1 with T_0 = T_n = 0. Large n:
    T = -n [p ln p + (1 - p) ln(1 - p)] sweeps.
    """
    k = np.arange(1, n)
    r = k * (n - k) / (n * (n - 1))
    a = np.diag(2 * r) - np.diag(r[1:], -1) - np.diag(r[:-1], 1)
    t = np.concatenate(([0.0], np.linalg.solve(a, np.ones(n - 1)), [0.0]))
    ks = np.arange(n + 1)
    log_pmf = np.array([math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1)
                        for j in ks]) + ks * math.log(p_plus) + (n - ks) * math.log1p(-p_plus)
    return float(np.dot(np.exp(log_pmf), t) / n)


def voter_run(n: int, seed: int, low: float, max_steps: int) -> tuple[float, bool, int]:
    model = classic({"model": "voter"}, n, seed,
                    initial={"distribution": "uniform", "low": low, "high": 1.0})
    share = float(np.mean(model.state.opinion > 0))
    steps = 0
    while abs(model.state.opinion.sum()) < model.state.n and steps < max_steps:
        model.step()
        steps += 1
    return share, bool(model.state.opinion[0] > 0), steps


@result("voter")
def voter(cfg: Config) -> list[Row]:
    """tests/validation/test_voter.py: P(+1 consensus) = initial share; time grows with N."""
    shares = (0.5, 0.6, 1 / 1.4, 0.8, 0.9)  # 1/1.4: the test's U(-0.4, 1) start
    wins: dict[float, list[bool]] = {}
    initial: dict[float, list[float]] = {}
    times_100: list[int] = []
    for p in shares:
        runs = [voter_run(100, seed, 1 - 1 / p, 5000) for seed in cfg.seeds(40, 400)]
        initial[p] = [s for s, _, _ in runs]
        wins[p] = [w for _, w, _ in runs]
        if p == shares[2]:
            times_100 = [t for _, _, t in runs]
    sizes = (50, 100, 200, 400, 800) if cfg.full else (50, 100, 200, 400)
    times = {n: [voter_run(n, seed, -1.0, 20000)[2] for seed in cfg.seeds(40, 160)]
             for n in sizes}
    fig, (left, right) = figure(2)
    diag = np.linspace(0.45, 0.95, 10)
    left.fill_between(diag, diag - 0.15, diag + 0.15, color=BAND, label=r"test tolerance $\pm$0.15")
    left.plot(diag, diag, color=PAPER, lw=1.2, label="P(+1) = initial share (martingale)")
    for p in shares:
        m = np.mean(wins[p])
        se = math.sqrt(max(m * (1 - m), 1e-9) / len(wins[p]))
        left.errorbar(np.mean(initial[p]), m, yerr=se, fmt="o", capsize=3,
                      color="C1" if p == shares[2] else "C0",
                      label="the test's start" if p == shares[2] else None)
    left.set_xlabel("initial share of +1")
    left.set_ylabel("share of runs ending in +1 consensus ($\\pm$ SE)")
    left.set_title(f"consensus probability, N = 100, {len(cfg.seeds(40, 400))} runs per point",
                   fontsize=10)
    left.legend(fontsize=8, loc="upper left")
    grid = np.unique(np.geomspace(20, max(sizes), 25).astype(int))
    right.plot(grid, [voter_theory(n, 0.5) for n in grid], color=PAPER, lw=1.2,
               label=r"exact mean, complete graph ($\approx N \ln 2$)")
    stats = [mean_se(times[n]) for n in sizes]
    right.errorbar(sizes, [m for m, _ in stats], yerr=[s for _, s in stats], fmt="o",
                   capsize=3, color="C0", label=r"ours (mean $\pm$ SE)")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xticks(sizes, [str(n) for n in sizes])
    right.xaxis.set_minor_formatter(NullFormatter())
    right.yaxis.set_minor_formatter(NullFormatter())
    right.yaxis.set_major_formatter(ScalarFormatter())
    right.set_xlabel("N")
    right.set_ylabel("steps to consensus (N updates each)")
    right.set_title(f"consensus time, initial share 1/2, {len(cfg.seeds(40, 160))} runs per N",
                    fontsize=10)
    right.legend(fontsize=8, loc="upper left")
    fig.suptitle("Voter model, complete graph", fontsize=11)
    save(fig, cfg, "voter")
    p = shares[2]
    win, share = float(np.mean(wins[p])), float(np.mean(initial[p]))
    ratio = np.mean(times[200]) / np.mean(times[50])
    theory_ratio = voter_theory(200, 0.5) / voter_theory(50, 0.5)
    rows = [
        Row("P(+1 consensus), N = 100, start U(-0.4, 1)", f"initial share {share:.3f}",
            f"{win:.3f} ({len(wins[p])} runs)", "+-0.15", abs(win - share) <= 0.15),
        Row("mean time T(200) / T(50)", f"{theory_ratio:.2f} (exact; ~N)",
            f"{ratio:.2f} ({np.mean(times[200]):.0f} / {np.mean(times[50]):.0f} steps)",
            "> 2.5", bool(ratio > 2.5)),
        Row("mean time, N = 100, start U(-0.4, 1)", f"{voter_theory(100, p):.1f} (exact)",
            f"{np.mean(times_100):.1f} +- {mean_se(times_100)[1]:.1f} steps", "not tested"),
    ]
    for n in sizes:
        m, se = mean_se(times[n])
        rows.append(Row(f"mean time, N = {n}, start share 1/2",
                        f"{voter_theory(n, 0.5):.1f} (exact)", f"{m:.1f} +- {se:.1f} steps",
                        "not tested"))
    return rows


# --------------------------------------------------------------------------- ecology core


ECOLOGY_TOL = {0.1: 0.75, 0.2: 0.5, 0.3: 0.5}


@result("ecology_limit")
def ecology_limit_result(cfg: Config) -> list[Row]:
    """tests/test_classic.py::test_deffuant_cluster_count_near_one_over_two_eps."""
    from sim.engine.model import OpinionEcologyModel
    from tests.test_classic import ecology_limit

    counts = {}
    for eps in ECOLOGY_TOL:
        counts[eps] = []
        for seed in cfg.seeds(8, 24):
            scenario = ecology_limit(500, 2 * eps, seed)
            model = OpinionEcologyModel(scenario)
            model.run_for(scenario.run.steps)
            counts[eps].append(major_clusters(model))
    fig, (ax,) = figure()
    cluster_count_figure(ax, {"ecology core, reader-side": counts}, ECOLOGY_TOL,
                         "Ecology core, classic limit, complete graph, N = 500, 300 steps")
    save(fig, cfg, "ecology_limit")
    return cluster_rows("ecology core", counts, ECOLOGY_TOL)


# --------------------------------------------------------------------------- echo chambers


@result("echo_chamber")
def echo_chamber_result(cfg: Config) -> list[Row]:
    """tests/validation/test_echo_chamber.py: consensus, polarisation, radicalisation."""
    from tests.validation.test_echo_chamber import SIZE, STEPS, echo_chamber

    phases = {"consensus": (0.05, 2.0), "polarisation": (3.0, 3.0),
              "radicalisation": (3.0, 0.0)}
    runs: dict[str, list[dict]] = {name: [] for name in phases}
    for name, (alpha, beta) in phases.items():
        for seed in cfg.seeds(6, 20):
            model = echo_chamber(alpha, beta, seed)
            out: dict = {}
            if name == "consensus":  # the test's call pattern, so the draws are the same
                model.run_for(100)
                early = np.sqrt(np.mean(model.state.raw_opinion**2))
                model.run_for(STEPS - 100)
                out["decay"] = np.log(early / np.sqrt(np.mean(model.state.raw_opinion**2))) / 4.0
            elif name == "polarisation":
                model.run_for(STEPS - 100)
                same = []
                for _ in range(100):
                    model.step()
                    phase, x = model.phases[0], model.state.raw_opinion
                    same.append(np.mean(np.sign(x[phase.receiver]) == np.sign(x[phase.source])))
                out["same_side"] = float(np.mean(same))
            else:
                model.run_for(STEPS)
            x = model.state.raw_opinion.copy()
            out.update(x=x, activity=model.state.activity.copy(),
                       mean_abs=float(np.mean(np.abs(x))),
                       max_abs=float(np.max(np.abs(x))), positive=float(np.mean(x > 0)),
                       corr=float(np.corrcoef(model.state.activity, np.abs(x))[0, 1]),
                       polarization=model.latest_metrics()["polarization"])
            runs[name].append(out)
    fig, axes = figure(3)
    for ax, (name, (alpha, beta)) in zip(axes, phases.items(), strict=True):
        first = runs[name][0]
        ax.axhline(0.0, color=PAPER, lw=1.0)
        ax.scatter(first["activity"], first["x"], s=5, alpha=0.5, color="C0",
                   label=f"agents, seed 0 (N = {SIZE})")
        ax.set_xscale("log")
        ax.set_xlabel("activity $a_i$")
        ax.set_title(rf"{name}: $\alpha$ = {alpha:g}, $\beta$ = {beta:g}", fontsize=10)
    axes[0].set_ylabel(f"opinion $x_i$ (raw) at t = {STEPS / 100:g}")
    axes[0].axhspan(-0.02, 0.02, color=BAND, zorder=0, label=r"test: mean $|x|$ < 0.02")
    axes[0].set_ylim(-0.25, 0.25)
    for k, sign in enumerate((1, -1)):
        groups = [r["x"][np.sign(r["x"]) == sign] for r in runs["polarisation"]]
        level = float(np.mean(np.concatenate(groups))) if any(g.size for g in groups) else 0.0
        axes[1].axhline(level, color="C1", ls="--", lw=1,
                        label="mean of each side, all seeds" if k == 0 else None)
    axes[2].axhspan(-1.0, 1.0, color=BAND, zorder=0,
                    label=r"test: mean $|x|$ > 1 (shaded: $|x|$ < 1)")
    for ax in axes:
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle("Echo chambers (Baumann et al. 2020), K = 3, m = 10, r = 0.5, dt = 0.01; "
                 "black: x = 0", fontsize=11)
    save(fig, cfg, "echo_chamber")

    def spread(values) -> str:
        v = np.asarray(values, dtype=float)
        return f"{v.mean():.3f} (range {v.min():.3f}-{v.max():.3f})"

    con, pol, rad = runs["consensus"], runs["polarisation"], runs["radicalisation"]
    n = len(con)
    return [
        Row("consensus: mean |x| (each seed)", "0 (consensus)",
            spread([r["mean_abs"] for r in con]), "< 0.02, max |x| < 0.2",
            all(r["mean_abs"] < 0.02 and r["max_abs"] < 0.2 for r in con)),
        Row("consensus: decay rate of rms x", "decays to 0",
            spread([r["decay"] for r in con]), "0.7 - 1.0",
            all(0.7 < r["decay"] < 1.0 for r in con)),
        Row("polarisation: share with x > 0", "two opposite groups (~0.5)",
            spread([r["positive"] for r in pol]), "0.2 - 0.8, mean |x| > 1",
            all(0.2 < r["positive"] < 0.8 and r["mean_abs"] > 1.0 for r in pol)),
        Row("polarisation: links joining the same side", "echo chambers (mostly)",
            spread([r["same_side"] for r in pol]), "> 0.85",
            all(r["same_side"] > 0.85 for r in pol)),
        Row("polarisation: corr(activity, |x|)", "> 0 (active agents more extreme)",
            spread([r["corr"] for r in pol]), "> 0.6", all(r["corr"] > 0.6 for r in pol)),
        Row("radicalisation: share on the majority side", "1 (one side)",
            spread([max(r["positive"], 1 - r["positive"]) for r in rad]), ">= 0.95, mean |x| > 1",
            all(max(r["positive"], 1 - r["positive"]) >= 0.95 and r["mean_abs"] > 1.0
                for r in rad)),
        Row("polarisation vs radicalisation: polarization metric", "high vs low",
            f"{np.mean([r['polarization'] for r in pol]):.2f} vs "
            f"{np.mean([r['polarization'] for r in rad]):.2f} ({n} seeds)", "> 0.6 / < 0.4",
            all(r["polarization"] > 0.6 for r in pol)
            and all(r["polarization"] < 0.4 for r in rad)),
    ]


# --------------------------------------------------------------------------- main


def print_table(rows: list[tuple[str, Row]], markdown: bool) -> None:
    head = ("result", "quantity", "paper", "ours", "tolerance", "check")
    cells = [(name, r.quantity, r.paper, r.ours, r.tolerance,
              "-" if r.ok is None else "pass" if r.ok else "FAIL") for name, r in rows]
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for c in cells:
            print("| " + " | ".join(v.replace("|", "\\|") for v in c) + " |")
        return
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(head)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true",
                        help="the OE_VALIDATION_FULL seed counts and larger N (several minutes)")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=sorted(RESULTS),
                        help="run only these results")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures",
                        help="directory for the PNGs (default docs/figures)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--list", action="store_true", help="list the results and exit")
    args = parser.parse_args()
    if args.list:
        for name, func in RESULTS.items():
            print(f"{name:20s} {(func.__doc__ or '').strip().splitlines()[0]}")
        return
    cfg = Config(full=args.full, out=args.out)
    rows: list[tuple[str, Row]] = []
    started = time.perf_counter()
    for name in args.only or list(RESULTS):
        t = time.perf_counter()
        print(f"{name} ...", flush=True)
        rows += [(name, r) for r in RESULTS[name](cfg)]
        print(f"  {time.perf_counter() - t:.1f} s", flush=True)
    print(f"\n{'full' if args.full else 'default'} run, {time.perf_counter() - started:.0f} s\n")
    print_table(rows, args.markdown)


if __name__ == "__main__":
    main()
