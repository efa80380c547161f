"""Phase diagrams: the disorder indices against the confidence bound and against each
power's imbalance level, with seeds as bands (docs/findings.md, "Phase diagrams").

    python scripts/phase_diagrams.py [--seeds 3] [--size 2000] [--workers 2]

Writes ``docs/figures/phase_confidence.png`` (each index against ``dynamics.confidence``
in the baseline and the three imbalance scenarios) and ``docs/figures/phase_powers.png``
(each index against the level of one power, 0 = baseline.yaml, 1 = that power's
imbalance file, the others at 0: ``sim.runs.power_levels``), and prints the tables.
Bands: the range over seeds; lines: their mean; the second half of each run averaged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

INDICES = ("content_disorder", "platform_disorder", "pattern_disorder", "disorder_index")
SCENARIOS = ("baseline", "tech_imbalance", "market_imbalance", "social_imbalance")
CONFIDENCE = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)
LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)


def one_run(job: dict) -> dict:
    from sim.engine.model import OpinionEcologyModel
    from sim.engine.scenarios import load_scenario
    from sim.runs.power_levels import power_scenario

    if job["kind"] == "confidence":
        spec = load_scenario(ROOT / "scenarios" / f"{job['scenario']}.yaml",
                             [f"population.size={job['size']}",
                              f"dynamics.confidence={job['x']}"])
    else:
        spec = power_scenario(seed=job["seed"], population=job["size"],
                              **{job["scenario"]: job["x"]})
    model = OpinionEcologyModel(spec, rng=job["seed"])
    model.run_for(spec.run.steps)
    frame = model.metrics_frame()
    late = frame[frame.step > spec.run.steps // 2]
    return {**{k: job[k] for k in ("kind", "scenario", "x", "seed")},
            **{k: float(late[k].mean()) for k in INDICES}}


def figure(table: pd.DataFrame, kind: str, groups: tuple[str, ...], xlabel: str, path: Path,
           mark: float | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(INDICES), figsize=(15, 3.6), sharex=True)
    part = table[table.kind == kind]
    for ax, index in zip(axes, INDICES, strict=True):
        for group in groups:
            rows = part[part.scenario == group].groupby("x")[index]
            x = np.array(sorted(part[part.scenario == group].x.unique()))
            ax.fill_between(x, rows.min().to_numpy(), rows.max().to_numpy(), alpha=0.2)
            ax.plot(x, rows.mean().to_numpy(), marker="o", ms=3, label=group)
        if mark is not None:
            ax.axvline(mark, color="k", lw=0.8, ls=":")
        ax.set_title(index)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("index (second half of the run)")
    axes[-1].legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=7001)
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from sim.runs.executors import run_jobs

    seeds = range(args.first_seed, args.first_seed + args.seeds)
    jobs = [{"kind": "confidence", "scenario": s, "x": x, "seed": seed, "size": args.size}
            for s in SCENARIOS for x in CONFIDENCE for seed in seeds]
    jobs += [{"kind": "power", "scenario": p, "x": x, "seed": seed, "size": args.size}
             for p in ("technology", "market", "social") for x in LEVELS for seed in seeds]
    rows = [row for _, row in run_jobs(one_run, jobs, workers=args.workers)]
    table = pd.DataFrame(rows)
    out = ROOT / "results" / "phase"
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "phase.csv", index=False)
    figs = ROOT / "docs" / "figures"
    figure(table, "confidence", SCENARIOS, "dynamics.confidence", figs / "phase_confidence.png",
           mark=0.4)
    figure(table, "power", ("technology", "market", "social"), "imbalance level",
           figs / "phase_powers.png")
    summary = table.groupby(["kind", "scenario", "x"])[list(INDICES)].mean().round(3)
    print(summary.to_string())


if __name__ == "__main__":
    main()
