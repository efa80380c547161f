"""Reproduce the README's table: the rise of each disorder index over the baseline.

    python benchmarks/imbalance_table.py [--seeds 6] [--workers 2]

Runs baseline.yaml and the four imbalance scenarios with the same seeds (common
random numbers), averages each index over the second half of each run, and prints
the baseline levels, the paired mean rise of every scenario and its standard error
over seeds.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCENARIOS = ("baseline", "tech_imbalance", "market_imbalance", "social_imbalance",
             "all_imbalances")
INDICES = ("content_disorder", "platform_disorder", "pattern_disorder", "disorder_index")


def settled(job: tuple[str, int]) -> list[float]:
    from sim.engine.model import OpinionEcologyModel
    from sim.engine.scenarios import load_scenario

    name, seed = job
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    model = OpinionEcologyModel(scenario, rng=seed)
    model.run_for(scenario.run.steps)
    frame = model.metrics_frame()
    late = frame[frame.step > scenario.run.steps // 2]
    return [float(late[k].mean()) for k in INDICES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    jobs = [(name, seed) for name in SCENARIOS for seed in range(args.seeds)]
    with ProcessPoolExecutor(args.workers) as pool:
        values = np.array(list(pool.map(settled, jobs))).reshape(len(SCENARIOS), args.seeds, -1)
    base = values[0]
    print(f"{args.seeds} seeds; mean over steps > steps/2; rise = paired difference to baseline")
    print(f"{'scenario':18s}" + "".join(f"{k:>22s}" for k in INDICES))
    print(f"{'baseline (level)':18s}" + "".join(f"{v:22.3f}" for v in base.mean(axis=0)))
    for name, runs in zip(SCENARIOS[1:], values[1:], strict=True):
        diff = runs - base
        mean = diff.mean(axis=0)
        se = diff.std(axis=0, ddof=1) / np.sqrt(args.seeds) if args.seeds > 1 else 0 * mean
        print(f"{name:18s}" + "".join(f"{m:+15.3f} +- {e:.3f}" for m, e in zip(mean, se,
                                                                             strict=True)))


if __name__ == "__main__":
    main()
