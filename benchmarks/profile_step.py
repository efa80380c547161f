"""Profile the steps of the full model with cProfile and save the report.

    python benchmarks/profile_step.py                          # 100,000 users x 10 steps
    python benchmarks/profile_step.py --size 1000000 --steps 5 --out benchmarks/profiles/full_1m.txt

Builds ``scenarios/all_imbalances.yaml`` at the given size (bots 2 % of users, as in
bench_full.py), runs one warm-up step, then profiles ``--steps`` steps and writes the
cProfile report, sorted by cumulative and by own time, to ``--out``. No assertion.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "all_imbalances.yaml"))
    parser.add_argument("--out", default=None, help="report file (default: print only)")
    args = parser.parse_args()

    from sim.engine.model import OpinionEcologyModel
    from sim.engine.scenarios import load_scenario

    overrides = [f"population.size={args.size}", f"run.steps={args.steps + 1}"]
    scenario = load_scenario(args.scenario, overrides)
    started = time.perf_counter()
    model = OpinionEcologyModel(scenario, rng=args.seed)
    built = time.perf_counter() - started
    model.step()  # warm-up (first-call costs, compilation if any)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.steps):
        model.step()
    profiler.disable()
    stepping = time.perf_counter() - started
    text = io.StringIO()
    text.write(f"# {Path(args.scenario).name}, {args.size:,} users, {args.steps} steps, "
               f"seed {args.seed}; build {built:.1f} s; stepping {stepping:.2f} s under "
               f"cProfile ({stepping / args.steps * 1000:.0f} ms per step)\n\n")
    for key in ("cumulative", "tottime"):
        text.write(f"## sorted by {key}\n")
        pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(key).print_stats(35)
    report = text.getvalue()
    print(report)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
