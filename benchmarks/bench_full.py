"""Time the full model (every power mechanism on) at several sizes.

    python benchmarks/bench_full.py                            # 10,000 and 100,000 users x 20 steps
    python benchmarks/bench_full.py --sizes 1000000 --steps 10 # a million users (~3 minutes)

Runs ``scenarios/all_imbalances.yaml`` (technology, market and social power all
concentrated; leaders, bots, the mainstream outlet, recommendations with
traffic-first ranking and algorithmic bias, platform competition, post-truth
amplification, the spiral of silence, offline talk and follow rewiring) with
``population.size`` set to each size. The bot campaign keeps the file's ratio:
``bots.0.count`` = 2 % of the users (200 bots for 10,000 users); the 10 opinion
leaders and the one outlet account stay as in the file.

Each size runs in a fresh subprocess, so its peak resident memory (``ru_maxrss``
read in the child) is its own, and numpy's BLAS runs one thread (``--threads``).
For each size the script prints the build time
(model construction: population, network, actors; the network generation is also
shown on its own), the stepping time, the time per step, steps per second,
user-steps per second and peak RSS. For the largest size it prints the time of
each phase of the step (``model.phases``) and of the metric recording
(``model.recorder.record``), found by wrapping them in the child; the
recommendation part of the exposure phase
(``sim.engine.mechanisms.recommendation.recommend``) is shown as
a sub-row.

No assertion: a benchmark reports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCENARIO = ROOT / "scenarios" / "all_imbalances.yaml"
BOT_SHARE = 0.02  # the file's 200 bots for 10,000 users
RESULT_TAG = "BENCH_FULL_RESULT "  # the child's one line of JSON on stdout
# numpy's BLAS would otherwise start a thread per core for the metrics' dot products;
# with another job on the second core those threads wait on each other (metric
# recording took twice as long at 100,000 users in a trial with 2 threads)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# --------------------------------------------------------------------------- child


def run_one(scenario_path: str, size: int, steps: int, seed: int) -> dict:
    """Build and run the model at one size in this process; return the measurements."""
    import sim.engine.build
    import sim.engine.mechanisms.exposure
    from sim.engine.kernels import active_backend, thread_count
    from sim.engine.model import OpinionEcologyModel
    from sim.engine.scenarios import load_scenario
    from sim.runs.resources import estimate_bytes

    bots = max(1, round(BOT_SHARE * size))
    # the scenario's bots are a share of the accounts (bots: share 0.02 = BOT_SHARE)
    overrides = [f"population.size={size}", f"run.steps={steps}", f"run.seed={seed}"]
    scenario = load_scenario(scenario_path, overrides)

    # the network generation, timed on its own (it dominates the build at large sizes)
    network_time = [0.0]
    build_network = sim.engine.build.build_network

    def timed_build_network(*args, **kwargs):
        started = time.perf_counter()
        try:
            return build_network(*args, **kwargs)
        finally:
            network_time[0] += time.perf_counter() - started

    sim.engine.build.build_network = timed_build_network
    started = time.perf_counter()
    model = OpinionEcologyModel(scenario, rng=seed)
    built = time.perf_counter() - started
    sim.engine.build.build_network = build_network
    rss_built_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # per-phase times: wrap each phase's step, the metric recording and the recommender
    phase_time: dict[str, float] = {}

    def timed(name, func):
        phase_time[name] = 0.0

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                phase_time[name] += time.perf_counter() - started

        return wrapper

    for phase in model.phases:
        phase.step = timed(phase.name, phase.step)
    model.recorder.record = timed("metrics", model.recorder.record)
    exposure = sim.engine.mechanisms.exposure
    recommend = exposure.recommend
    exposure.recommend = timed("recommend", recommend)  # the name Exposure calls

    started = time.perf_counter()
    model.run_for(steps)
    stepped = time.perf_counter() - started
    exposure.recommend = recommend

    return {
        "backend": active_backend(),
        "kernel_threads": thread_count(),
        "estimate_mb": estimate_bytes(scenario) / 2**20,
        "size": size,
        "steps": steps,
        "steps_done": model.steps,
        "bots": bots,
        "ties": model.state.network.n_ties,
        "feed_entries_last_step": model.state.feed.size,
        "build_s": built,
        "network_s": network_time[0],
        "step_s": stepped,
        "phases": [(phase.name, phase_time[phase.name]) for phase in model.phases]
        + [("metrics", phase_time["metrics"])],
        "recommend_s": phase_time["recommend"],
        "rss_built_mb": rss_built_mb,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# --------------------------------------------------------------------------- parent


def run_child(args: argparse.Namespace, size: int) -> dict | None:
    """Run one size in a fresh interpreter; None (with the reason printed) if it failed."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child",
               "--scenario", args.scenario, "--sizes", str(size),
               "--steps", str(args.steps), "--seed", str(args.seed)]
    env = dict(os.environ)
    for var in THREAD_VARIABLES:
        env[var] = str(args.threads)
    if args.kernel_threads:
        env["NUMBA_NUM_THREADS"] = str(args.kernel_threads)
    started = time.perf_counter()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout,
                              env=env)
    except subprocess.TimeoutExpired:
        print(f"  {size:,} users: stopped after {args.timeout:.0f} s (--timeout)", flush=True)
        return None
    wall = time.perf_counter() - started
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_TAG):
            result = json.loads(line[len(RESULT_TAG):])
            result["wall_s"] = wall
            return result
    tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
    print(f"  {size:,} users: child failed (exit code {proc.returncode}; a negative code is a "
          f"signal, -9 usually out of memory)\n{tail}", flush=True)
    return None


def print_tables(results: list[dict]) -> None:
    header = (f"{'users':>10} {'bots':>6} {'follow ties':>12} {'steps':>5} {'build':>8} "
              f"{'network':>8} {'stepping':>9} {'ms/step':>9} {'steps/s':>8} "
              f"{'user-steps/s':>13} {'peak RSS':>9}")
    print()
    print(header)
    print("-" * len(header))
    for r in results:
        per_step = r["step_s"] / r["steps"]
        print(f"{r['size']:>10,} {r['bots']:>6,} {r['ties']:>12,} {r['steps']:>5} "
              f"{r['build_s']:>7.2f}s {r['network_s']:>7.2f}s {r['step_s']:>8.2f}s "
              f"{per_step * 1e3:>9.1f} {1.0 / per_step:>8.2f} "
              f"{r['size'] * r['steps'] / r['step_s']:>13.3g} {r['rss_peak_mb']:>6.0f} MB")
    print("build = model construction (population, network, actors); network = the "
          "network's generation and CSR conversion within it")

    largest = max(results, key=lambda r: r["size"])
    total = largest["step_s"]
    print(f"\nphase split at {largest['size']:,} users ({largest['steps']} steps, "
          f"stepping {total:.2f} s):")
    print(f"{'phase':<22} {'seconds':>8} {'share':>7} {'ms/step':>9}")
    accounted = 0.0
    for name, seconds in sorted(largest["phases"], key=lambda p: -p[1]):
        accounted += seconds
        print(f"{name:<22} {seconds:>8.3f} {seconds / total:>6.1%} "
              f"{seconds / largest['steps'] * 1e3:>9.1f}")
        if name == "exposure":
            rec = largest["recommend_s"]
            print(f"{'  of which recommend':<22} {rec:>8.3f} {rec / total:>6.1%} "
                  f"{rec / largest['steps'] * 1e3:>9.1f}")
    other = total - accounted
    print(f"{'other (Mesa, loop)':<22} {other:>8.3f} {other / total:>6.1%} "
          f"{other / largest['steps'] * 1e3:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(SCENARIO))
    parser.add_argument("--sizes", default="10000,100000",
                        help="comma-separated population sizes (default 10000,100000)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads in each run (default 1, as bench_baseline.py)")
    parser.add_argument("--kernel-threads", type=int, default=0,
                        help="threads of the parallel kernels (NUMBA_NUM_THREADS in each run; "
                             "default: every core)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="stop a size after this many seconds (default: no limit)")
    parser.add_argument("--json", default=None,
                        help="also write the results (one object per size) to this JSON file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    if args.child:
        result = run_one(args.scenario, sizes[0], args.steps, args.seed)
        print(RESULT_TAG + json.dumps(result), flush=True)
        return

    import mesa
    import networkx
    import numpy

    print(f"machine: {platform.machine()} {os.cpu_count()} cores, {_cpu_model()}, Python "
          f"{platform.python_version()}, numpy {numpy.__version__}, networkx "
          f"{networkx.__version__}, Mesa {mesa.__version__}, {platform.platform()}")
    print(f"scenario: {Path(args.scenario).name}, {args.steps} steps, seed {args.seed}, "
          f"bots = {BOT_SHARE:.0%} of users; one fresh subprocess per size, "
          f"{args.threads} BLAS thread(s); kernels: {_backend()} "
          f"(OPINION_ECOLOGY_KERNELS=numpy for the numpy twins)")
    print("load average before: {:.2f} {:.2f} {:.2f} (other jobs slow the timings)".format(
        *os.getloadavg()))
    results = []
    for size in sizes:
        print(f"  {size:,} users ...", flush=True)
        result = run_child(args, size)
        if result is None:
            continue
        results.append(result)
        print(f"  {size:,} users: build {result['build_s']:.1f} s (network "
              f"{result['network_s']:.1f} s), {result['steps_done']} steps in "
              f"{result['step_s']:.1f} s, peak RSS {result['rss_peak_mb']:.0f} MB "
              f"(after build {result['rss_built_mb']:.0f} MB; run.py validate's estimate "
              f"{result['estimate_mb']:.0f} MB), {result['kernel_threads']} kernel "
              "thread(s)", flush=True)
    print("load average after:  {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if results:
        print_tables(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


def _backend() -> str:
    from sim.engine.kernels import active_backend

    return active_backend()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
