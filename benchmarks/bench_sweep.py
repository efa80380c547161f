"""Sweep throughput: the same 40-run sweep with 1 worker and with N workers.

    python benchmarks/bench_sweep.py [--workers 2] [--size 3000] [--steps 60]

Writes a temporary sweep (a 20-point grid x 2 replicates over the baseline) and runs
it through `run.py sweep` with --workers 1 and --workers N into fresh folders,
timing the whole command (start-up, spawn of the workers, runs, Parquet writes).
Prints the wall times, the speed-up and whether runs.parquet agree.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sweep_text(size: int, steps: int) -> str:
    return f"""name: bench
base: {ROOT / 'scenarios' / 'baseline.yaml'}
set: [population.size={size}, run.steps={steps}]
parameters:
  - {{name: gamma, path: platforms.0.gamma, range: [0.0, 2.0, 5]}}
  - {{name: eta, path: dynamics.competition.eta, values: [0.5, 1.0, 1.5, 2.0]}}
design: {{kind: grid}}
replicates: 2
seed: 1
"""


def timed(sweep: Path, out: Path, workers: int) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "run.py"), "sweep", str(sweep), "--out",
                    str(out), "--workers", str(workers), "--quiet"], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--size", type=int, default=3000)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--json", action="store_true", help="last line: RESULT {...}")
    args = parser.parse_args()
    import json

    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        sweep = Path(tmp) / "bench.yaml"
        sweep.write_text(sweep_text(args.size, args.steps))
        one = timed(sweep, Path(tmp) / "one", 1)
        many = timed(sweep, Path(tmp) / "many", args.workers)
        a = pd.read_parquet(Path(tmp) / "one" / "runs.parquet").drop(columns="wall_time_s")
        b = pd.read_parquet(Path(tmp) / "many" / "runs.parquet").drop(columns="wall_time_s")
        same = a.equals(b)
    print(f"40 runs ({args.size} users x {args.steps} steps): 1 worker {one:.1f} s, "
          f"{args.workers} workers {many:.1f} s, speed-up {one / many:.2f}x; "
          f"runs.parquet identical: {same}")
    if args.json:
        print("RESULT " + json.dumps({"one_s": one, "many_s": many, "speedup": one / many,
                                      "workers": args.workers, "identical": bool(same)}))


if __name__ == "__main__":
    main()
