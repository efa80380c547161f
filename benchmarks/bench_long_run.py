"""Memory over a long run: resident memory every 2,000 steps of a 20,000-step run.

    python benchmarks/bench_long_run.py [--steps 20000] [--size 500] [--scenario FILE]

Runs the scenario (default: all_imbalances.yaml at 500 users, every mechanism on)
and prints the resident set size (RSS, from /proc/self/statm) after building the
model and every 2,000 steps, and its growth from the first to the last reading.
The metric buffers are pre-allocated for run.steps + 1 rows, so the memory should
stay flat while stepping.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "all_imbalances.yaml"))
    args = parser.parse_args()
    from sim.engine.model import OpinionEcologyModel
    from sim.engine.scenarios import load_scenario

    overrides = [f"population.size={args.size}", f"run.steps={args.steps}"]
    scenario = load_scenario(args.scenario, overrides)
    started = time.perf_counter()
    model = OpinionEcologyModel(scenario, rng=1)
    readings = [(0, rss_mb())]
    print(f"{scenario.name}: {args.size} users, {args.steps} steps")
    print(f"{'step':>7s} {'RSS MB':>9s}")
    print(f"{0:7d} {readings[0][1]:9.1f}")
    every = max(1, args.steps // 10)
    for step in range(1, args.steps + 1):
        model.step()
        if step % every == 0:
            readings.append((step, rss_mb()))
            print(f"{step:7d} {readings[-1][1]:9.1f}", flush=True)
    first, last = readings[1][1], readings[-1][1]
    print(f"growth from step {readings[1][0]} to {readings[-1][0]}: {last - first:+.1f} MB; "
          f"{time.perf_counter() - started:.0f} s in all; {len(model.metrics_frame())} metric rows")


if __name__ == "__main__":
    main()
