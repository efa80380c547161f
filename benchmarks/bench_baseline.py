"""Time the baseline scenario at a given size on one core.

    python benchmarks/bench_baseline.py                 # 100,000 users x 20 steps
    python benchmarks/bench_baseline.py --size 10000 --steps 50

Prints the network construction time, the stepping time and the time per step
and per user-step, plus peak resident memory. No assertion: a benchmark reports.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from sim.engine.model import OpinionEcologyModel
    from sim.engine.scenarios import load_scenario

    scenario = load_scenario(args.scenario, [f"population.size={args.size}",
                                             f"run.steps={args.steps}", f"run.seed={args.seed}"])
    started = time.perf_counter()
    model = OpinionEcologyModel(scenario)
    built = time.perf_counter() - started
    started = time.perf_counter()
    model.run_for(args.steps)
    stepped = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.platform()}")
    print(f"scenario: {scenario.name}, {args.size:,} users, "
          f"{model.state.network.n_ties:,} follow ties, "
          f"{args.steps} steps")
    print(f"build (population + network): {built:8.2f} s")
    print(f"steps:                        {stepped:8.2f} s")
    print(f"per step:                     {stepped / args.steps * 1e3:8.1f} ms")
    print(f"per user-step:                {stepped / args.steps / args.size * 1e9:8.1f} ns")
    print(f"total:                        {built + stepped:8.2f} s")
    print(f"peak resident memory:         {peak_mb:8.0f} MB")


if __name__ == "__main__":
    main()
