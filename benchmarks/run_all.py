"""Every performance target of issue #19, measured in one run, printed as one table.

    python benchmarks/run_all.py                 # everything (about 15-20 minutes, 12 GB at 10M)
    python benchmarks/run_all.py --quick         # 10,000 / 100,000 users, small reference
    python benchmarks/run_all.py --no-10m        # skip the 10-million-user run
    python benchmarks/run_all.py --ndlib-python /tmp/ndv/bin/python   # with NDlib

Parts (each in fresh subprocesses, one BLAS thread, so peak memory is per run; the
parallel kernels on every core unless said otherwise):

1. The full ecology (``bench_full.py``, ``scenarios/all_imbalances.yaml``, every
   mechanism on, 20 follows per user): 100,000 users x ``--steps``, 1,000,000 users x
   ``--steps`` on all cores and on one core (``--kernel-threads 1``), 10,000,000 users x
   10 steps with its build; time per step, peak memory, ``run.py validate``'s memory
   estimate against the measured peak, and the exponent b of time per step ~ users^b
   over 100k -> 1M -> 10M.
2. ``dynamics.model: deffuant`` against an object-per-user Mesa Deffuant model on the
   same 100,000-user Erdos-Renyi graph, per step with recording (``mesa_deffuant.py``).
3. ``algorithmic_bias`` (gamma 1) against NDlib's AlgorithmicBiasModel, 10,000 nodes,
   per node update (``vs_ndlib.py --speed``), when ``--ndlib-python`` imports NDlib.
4. Sweep throughput, 2 workers against 1 (``bench_sweep.py``).

The load average is printed before and after: the machine may be shared, and other
jobs slow every timing (the sweep ratio most). No assertion: the script reports the
numbers, their ratio to each target and whether it is met.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
THREADS = {var: "1" for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def _run(command: list[str], timeout: float | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **THREADS)
    print("$ " + " ".join(str(c) for c in command), flush=True)
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)


def _result_line(proc: subprocess.CompletedProcess) -> dict | None:
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
    print(f"  failed (exit code {proc.returncode}):\n{tail}", flush=True)
    return None


def full(size: int, steps: int, kernel_threads: int = 0) -> dict | None:
    """One bench_full.py run at one size (a fresh child process)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "full.json"
        command = [sys.executable, str(HERE / "bench_full.py"), "--sizes", str(size),
                   "--steps", str(steps), "--json", str(out)]
        if kernel_threads:
            command += ["--kernel-threads", str(kernel_threads)]
        proc = _run(command)
        print("\n".join(proc.stdout.splitlines()[3:6]), flush=True)
        if not out.exists() or not json.loads(out.read_text()):
            print(proc.stderr[-2000:])
            return None
        return json.loads(out.read_text())[0]


def _verdict(ok: bool, measured: float, limit: float, larger_is_better: bool = False) -> str:
    if ok:
        return "yes"
    factor = limit / measured if larger_is_better else measured / limit
    return f"no ({factor:.1f}x short)" if larger_is_better else f"no ({factor:.1f}x over)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="10,000 and 100,000 users, 20 steps, reference at 10,000 users")
    parser.add_argument("--no-10m", action="store_true", help="skip the 10M-user run")
    parser.add_argument("--no-one-core", action="store_true",
                        help="skip the one-core run at 1M users")
    parser.add_argument("--steps", type=int, default=100, help="steps at 100k and 1M users")
    parser.add_argument("--big-steps", type=int, default=10, help="steps at 10M users")
    parser.add_argument("--reference-steps", type=int, default=3,
                        help="timed steps of the Mesa Deffuant reference (default 3)")
    parser.add_argument("--ndlib-python", default=sys.executable,
                        help="a Python that can import ndlib (default: this one)")
    args = parser.parse_args()
    rows: list[tuple[str, str, str, str]] = []  # (target, required, measured, met)
    load_before = os.getloadavg()
    cores = os.cpu_count() or 1

    print(f"== 1. full ecology (all_imbalances), {cores} cores ==", flush=True)
    small, mid, big = (10_000, 100_000, None) if args.quick else (100_000, 1_000_000,
                                                                   10_000_000)
    steps = 20 if args.quick else args.steps
    runs = {small: full(small, steps), mid: full(mid, steps)}
    one_core = None if args.quick or args.no_one_core else full(mid, steps, kernel_threads=1)
    if big is not None and not args.no_10m:
        runs[big] = full(big, args.big_steps)
    runs = {size: r for size, r in runs.items() if r is not None}
    per_step = {size: r["step_s"] / r["steps"] for size, r in runs.items()}
    if mid in runs:
        r = runs[mid]
        total = per_step[mid] * 100
        rows.append((f"full ecology {mid:,} users x 100 steps, {r['kernel_threads']} threads",
                     "<= 60 s", f"{total:.1f} s (build {r['build_s']:.1f} s)",
                     _verdict(total <= 60, total, 60)))
        if one_core is not None:
            one = one_core["step_s"] / one_core["steps"] * 100
            rows.append(("  the same on 1 thread", "(reported)",
                         f"{one:.1f} s ({one / total:.2f}x the all-core time)", "-"))
        peak = r["rss_peak_mb"]
        rows.append((f"full ecology {mid:,} users, peak memory", "<= 2048 MB",
                     f"{peak:.0f} MB", _verdict(peak <= 2048, peak, 2048)))
    if big in runs:
        r = runs[big]
        total = r["step_s"]
        rows.append((f"full ecology {big:,} users x {r['steps']} steps",
                     "<= 120 s" if r["steps"] == 10 else "(10 steps: <= 120 s)",
                     f"{total:.1f} s ({per_step[big]:.2f} s/step)",
                     _verdict(total * 10 / r["steps"] <= 120, total * 10 / r["steps"], 120)))
        rows.append((f"full ecology {big:,} users, build", "<= 120 s",
                     f"{r['build_s']:.1f} s (network {r['network_s']:.1f} s)",
                     _verdict(r["build_s"] <= 120, r["build_s"], 120)))
        rows.append((f"full ecology {big:,} users, peak memory", "<= 16384 MB",
                     f"{r['rss_peak_mb']:.0f} MB", _verdict(r["rss_peak_mb"] <= 16384,
                                                             r["rss_peak_mb"], 16384)))
    for size in (mid, big):
        if size in runs:
            r = runs[size]
            error = r["estimate_mb"] / r["rss_peak_mb"] - 1.0
            rows.append((f"memory estimate at {size:,} users", "within 20 %",
                         f"{r['estimate_mb']:.0f} MB est. / {r['rss_peak_mb']:.0f} MB "
                         f"({error:+.0%})", "yes" if abs(error) <= 0.2 else "no"))
    if len(per_step) >= 2:
        sizes = sorted(per_step)
        exponent = float(np.polyfit(np.log(sizes), np.log([per_step[s] for s in sizes]), 1)[0])
        pairs = ", ".join(f"{s:,}: {per_step[s] * 1e3:.0f} ms" for s in sizes)
        rows.append((f"scaling exponent {' -> '.join(f'{s:,}' for s in sizes)}", "<= 1.1",
                     f"{exponent:.2f} ({pairs} per step)",
                     _verdict(exponent <= 1.1, exponent, 1.1)))

    print("== 2. deffuant vs object-per-user Mesa ==", flush=True)
    size = 10_000 if args.quick else 100_000
    proc = _run([sys.executable, str(HERE / "mesa_deffuant.py"), "--size", str(size),
                 "--steps", str(args.reference_steps), "--json"])
    print(proc.stdout, flush=True)
    ref = _result_line(proc)
    if ref is not None:
        rows.append((f"deffuant vs Mesa objects, {size:,}-user graph, per step", ">= 100x",
                     f"{ref['ratio']:.0f}x wall, {ref['cpu_ratio']:.0f}x CPU "
                     f"({ref['ref_s']:.2f} s / {ref['ours_s'] * 1e3:.1f} ms)",
                     _verdict(ref["ratio"] >= 100, ref["ratio"], 100, True)))

    print("== 3. algorithmic_bias vs NDlib, 10,000 nodes ==", flush=True)
    check = subprocess.run([args.ndlib_python, "-c", "import ndlib"], capture_output=True)
    if check.returncode != 0:
        rows.append(("algorithmic_bias gamma 1 vs NDlib, per node update", ">= 300x",
                     f"not run: {args.ndlib_python} cannot import ndlib", "unknown"))
    else:
        proc = _run([args.ndlib_python, str(HERE / "vs_ndlib.py"), "--speed", "--json"]
                    + (["--quick"] if args.quick else []))
        print(proc.stdout, flush=True)
        nd = _result_line(proc)
        for case in (nd or {}).get("cases", []):
            if case["gamma"] != 1:
                continue
            rows.append(("algorithmic_bias gamma 1 vs NDlib, per node update", ">= 300x",
                         f"{case['ratio_phases']:.0f}x CPU (dynamics)",
                         _verdict(case["ratio_phases"] >= 300, case["ratio_phases"], 300,
                                  True)))
            rows.append(("  the same with our metric recording", "(reported)",
                         f"{case['ratio']:.0f}x CPU", "-"))

    print("== 4. sweep throughput ==", flush=True)
    proc = _run([sys.executable, str(HERE / "bench_sweep.py"), "--workers", "2", "--json"])
    print(proc.stdout, flush=True)
    sweep = _result_line(proc)
    if sweep is not None:
        rows.append(("sweep throughput, 2 workers vs 1", ">= 1.8x",
                     f"{sweep['speedup']:.2f}x ({sweep['one_s']:.1f} s / "
                     f"{sweep['many_s']:.1f} s)",
                     _verdict(sweep["speedup"] >= 1.8, sweep["speedup"], 1.8, True)))

    load_after = os.getloadavg()
    print(f"\n== targets ({cores} cores; load average before {load_before[0]:.2f} "
          f"{load_before[1]:.2f} {load_before[2]:.2f}, after {load_after[0]:.2f} "
          f"{load_after[1]:.2f} {load_after[2]:.2f}) ==")
    width = [max(len(r[i]) for r in rows) for i in range(3)] if rows else [10, 10, 10]
    print(f"{'target':<{width[0]}}  {'required':<{width[1]}}  {'measured':<{width[2]}}  met")
    for target, required, measured, verdict in rows:
        print(f"{target:<{width[0]}}  {required:<{width[1]}}  {measured:<{width[2]}}  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
