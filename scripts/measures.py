"""The measurement analysis behind the disorder indices (docs/measures.md).

    python scripts/measures.py [--draws 16] [--size 1500] [--steps 120] [--workers 2]

Runs every shipped ecology scenario ``--draws`` times, each draw with its own seed and
with the key dynamics parameters each multiplied by a factor drawn uniformly in
[0.8, 1.2] (so the sample covers the +/-20 % a referee would try), and averages every
recorded metric over the second half of each run. From these runs it reports

* the correlations between the candidate terms (outcomes and pressures),
* a principal-component analysis of the standardised outcome terms,
* how the three indices and their terms spread over the runs,

writes ``results/measures/runs.csv`` and ``docs/figures/measures_correlations.png``,
and rewrites the generated block of ``docs/measures.md`` (between its markers).
The choice of one term per construct, and equal weights among constructs, is argued in
docs/measures.md from these numbers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PERTURBED = ("dynamics.confidence", "dynamics.convergence", "dynamics.post_rate",
             "dynamics.recommendation_share", "dynamics.silence.threshold")

OUTCOMES = ("visibility_gap", "channel_distortion", "cocoon_tightness", "exposure_diversity",
            "market_concentration", "extremity_amplification", "platform_divergence",
            "attention_top1_share", "attention_gini", "expression_gap", "stratum_insulation",
            "segregated_polarisation", "homogenisation", "polarization", "fragmentation",
            "connected_diversity")
PRESSURES = ("bot_share", "voice_gap", "online_share", "mainstream_reach",
             "sensational_share", "silent_share")
INDICES = ("content_disorder", "platform_disorder", "pattern_disorder", "disorder_index")
BEGIN, END = "<!-- measures:begin -->", "<!-- measures:end -->"


def ecology_scenarios() -> list[str]:
    from sim.engine.scenarios import load_scenario

    names = []
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        spec = load_scenario(path)
        if spec.dynamics.model in ("bounded_confidence", "ecology"):
            names.append(path.stem)
    return names


def one_run(job: tuple[str, int, dict[str, float], int, int]) -> dict[str, float]:
    from sim.engine.model import OpinionEcologyModel
    from sim.engine.scenarios import load_scenario

    name, seed, factors, size, steps = job
    base = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    overrides = [f"population.size={size}", f"run.steps={steps}"]
    for key, factor in factors.items():
        value = base
        for part in key.split("."):
            value = getattr(value, part)
        new = float(value) * factor
        if key.endswith(("threshold", "share", "rate", "convergence")):
            new = min(new, 1.0)
        overrides.append(f"{key}={new:.6g}")
    spec = load_scenario(ROOT / "scenarios" / f"{name}.yaml", overrides=overrides)
    model = OpinionEcologyModel(spec, rng=seed)
    model.run_for(steps)
    frame = model.metrics_frame()
    late = frame[frame.step > steps // 2].mean(numeric_only=True)
    row = {"scenario": name, "seed": seed, **{k: f for k, f in factors.items()}}
    row.update({k: float(late[k]) for k in (*OUTCOMES, *PRESSURES, *INDICES)})
    return row


def table(frame: pd.DataFrame, digits: int = 2) -> str:
    head = "| " + " | ".join(["", *frame.columns]) + " |"
    rule = "| " + " | ".join(["---"] * (len(frame.columns) + 1)) + " |"
    rows = ["| " + " | ".join([f"`{i}`", *(f"{v:+.{digits}f}" if isinstance(v, float) else
                                           str(v) for v in r)]) + " |"
            for i, r in zip(frame.index, frame.itertuples(index=False), strict=True)]
    return "\n".join([head, rule, *rows])


def analyse(runs: pd.DataFrame) -> str:
    outcomes = [c for c in OUTCOMES if runs[c].std() > 1e-9]
    corr = runs[[*outcomes, *PRESSURES]].corr()
    z = (runs[outcomes] - runs[outcomes].mean()) / runs[outcomes].std()
    _, sv, vt = np.linalg.svd(z.to_numpy(), full_matrices=False)
    explained = sv**2 / np.sum(sv**2)
    k = int(np.searchsorted(np.cumsum(explained), 0.8) + 1)
    loadings = pd.DataFrame(vt[:k].T * sv[:k] / np.sqrt(len(z) - 1), index=outcomes,
                            columns=[f"PC{i + 1} ({explained[i]:.0%})" for i in range(k)])
    within = (runs[outcomes] - runs.groupby("scenario")[outcomes].transform("mean")).corr()
    strong = []
    for i, a in enumerate(outcomes):
        for b in outcomes[i + 1:]:
            r = corr.loc[a, b]
            if abs(r) >= 0.7:
                same = " (one construct)" if abs(within.loc[a, b]) >= 0.5 else ""
                strong.append(f"- `{a}` ~ `{b}`: r = {r:+.2f} across runs, "
                              f"{within.loc[a, b]:+.2f} within scenarios{same}")
    pressure_links = []
    for p in PRESSURES:
        best = corr.loc[outcomes, p].abs().idxmax()
        pressure_links.append(f"- `{p}`: closest outcome `{best}` (r = "
                              f"{corr.loc[best, p]:+.2f})")
    spread = runs[[*INDICES]].describe(percentiles=[0.05, 0.5, 0.95]).T[
        ["mean", "5%", "50%", "95%"]]
    by_scenario = runs.groupby("scenario")[list(INDICES)].mean().sort_values("disorder_index")
    lines = [
        f"Generated by `python scripts/measures.py` from {len(runs)} runs "
        f"({runs.scenario.nunique()} ecology scenarios x {runs.groupby('scenario').size().min()}"
        f" draws; {int(runs.attrs.get('size', 0))} accounts, {int(runs.attrs.get('steps', 0))}"
        f" steps, second-half means; each draw multiplies "
        f"{', '.join(f'`{p}`' for p in PERTURBED)} by factors uniform in [0.8, 1.2]).",
        "",
        "**Outcome terms correlated at |r| >= 0.7 across runs**, with their correlation "
        "within scenarios (each scenario's mean removed); one construct when that is at "
        "least 0.5 too:",
        "",
        *(strong or ["- none"]),
        "",
        "**Pressures and the outcome each moves most:**",
        "",
        *pressure_links,
        "",
        f"**Principal components of the standardised outcome terms** (the first {k}, "
        f"explaining {np.sum(explained[:k]):.0%} of the variance; loadings = correlations "
        "of each term with the component):",
        "",
        table(loadings),
        "",
        "**The indices over the runs** (mean and 5 %, 50 %, 95 % quantiles):",
        "",
        table(spread, 3),
        "",
        "**Mean index per scenario** (over its draws):",
        "",
        table(by_scenario, 3),
        "",
        "![correlations](figures/measures_correlations.png)",
    ]
    return "\n".join(lines)


def figure(runs: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = [c for c in (*OUTCOMES, *PRESSURES) if runs[c].std() > 1e-9]
    corr = runs[cols].corr().to_numpy()
    fig, ax = plt.subplots(figsize=(9, 8))
    image = ax.imshow(corr, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(len(cols)), cols, rotation=90, fontsize=8)
    ax.set_yticks(range(len(cols)), cols, fontsize=8)
    n_out = sum(c in OUTCOMES for c in cols)
    ax.axhline(n_out - 0.5, color="k", lw=0.8)
    ax.axvline(n_out - 0.5, color="k", lw=0.8)
    ax.set_title("Correlations over runs: outcome terms (top left) and pressures")
    fig.colorbar(image, ax=ax, shrink=0.8, label="Pearson r")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=16)
    parser.add_argument("--size", type=int, default=1500)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--no-docs", action="store_true", help="print, do not rewrite docs")
    parser.add_argument("--reuse", action="store_true",
                        help="redo the analysis from results/measures/runs.csv")
    args = parser.parse_args()
    if args.reuse:
        runs = pd.read_csv(ROOT / "results" / "measures" / "runs.csv")
        runs.attrs.update(size=args.size, steps=args.steps)
        publish(runs, args)
        return

    from sim.runs.executors import run_jobs

    rng = np.random.default_rng(args.seed)
    jobs = []
    for name in ecology_scenarios():
        for _ in range(args.draws):
            factors = {k: float(f) for k, f in zip(PERTURBED, rng.uniform(0.8, 1.2,
                                                                          len(PERTURBED)),
                                                   strict=True)}
            jobs.append((name, int(rng.integers(2**31)), factors, args.size, args.steps))
    rows = [None] * len(jobs)
    for index, row in run_jobs(one_run, jobs, workers=args.workers):
        rows[index] = row
    runs = pd.DataFrame(rows)
    runs.attrs.update(size=args.size, steps=args.steps)
    out = ROOT / "results" / "measures"
    out.mkdir(parents=True, exist_ok=True)
    runs.to_csv(out / "runs.csv", index=False)
    publish(runs, args)


def publish(runs: pd.DataFrame, args) -> None:
    figure(runs, ROOT / "docs" / "figures" / "measures_correlations.png")
    text = analyse(runs)
    print(text)
    if not args.no_docs:
        sys.path.insert(0, str(ROOT / "scripts"))
        from findings import replace_block

        replace_block(ROOT / "docs" / "measures.md", BEGIN, END, text)


if __name__ == "__main__":
    main()
