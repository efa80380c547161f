"""Reproduce the performance table of benchmarks/README.md and print the ratios to the targets.

    python benchmarks/run_all.py            # everything: about 10 minutes on 2 cores
    python benchmarks/run_all.py --quick    # 10,000 and 100,000 users only (about 2 minutes)

Parts (each in fresh subprocesses, one BLAS thread, so peak memory is per run):

1. Scaling of the full model (``bench_full.py``, ``scenarios/all_imbalances.yaml``,
   every mechanism on): time per step and peak memory at 10,000, 100,000 and
   1,000,000 users (``--steps`` steps each, 100 by default), network construction
   shown separately, and the fitted exponent b of time per step ~ users^b.
   Target: 1,000,000 users x 100 steps in at most 60 s, peak memory at most 2 GB.
2. Against an idiomatic object-per-user Mesa implementation of the same step
   (``mesa_reference.py``) at 100,000 users. Target: at least 100x faster per step.
3. Against NDlib's AlgorithmicBiasModel at 10,000 nodes (``vs_ndlib.py --speed``), when
   NDlib is importable by ``--ndlib-python``. Target: at least 300x per node update.

No assertion: the script reports numbers, ratios and whether each target is met.
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


def scaling(sizes: list[int], steps: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "full.json"
        proc = _run([sys.executable, str(HERE / "bench_full.py"), "--sizes",
                     ",".join(map(str, sizes)), "--steps", str(steps), "--json", str(out)])
        print(proc.stdout, flush=True)
        if not out.exists():
            print(proc.stderr[-2000:])
            return []
        return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="skip the million-user run; reference at 10,000 users")
    parser.add_argument("--steps", type=int, default=100, help="steps per size (default 100)")
    parser.add_argument("--reference-steps", type=int, default=6,
                        help="steps of the object-per-user Mesa reference (default 6: its "
                             "garbage-collection pauses make a 2-step mean vary from 7 to "
                             "11 s per step at 100,000 users)")
    parser.add_argument("--ndlib-python", default=sys.executable,
                        help="a Python that can import ndlib (default: this one)")
    args = parser.parse_args()
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    rows: list[tuple[str, str, str, str]] = []  # (target, required, measured, verdict)

    print("== 1. scaling of the full model ==", flush=True)
    results = scaling(sizes, 20 if args.quick else args.steps)
    if results:
        per_step = {r["size"]: r["step_s"] / r["steps"] for r in results}
        if len(per_step) >= 2:
            x = np.log(list(per_step))
            y = np.log(list(per_step.values()))
            exponent = float(np.polyfit(x, y, 1)[0])
            print(f"time per step ~ users^{exponent:.2f} (fit over {len(per_step)} sizes)")
            rows.append(("cost grows linearly with users", "exponent ~ 1",
                         f"{exponent:.2f}", "yes" if exponent < 1.15 else "no"))
        million = next((r for r in results if r["size"] == 1_000_000), None)
        if million is not None:
            stepping = million["step_s"] * 100 / million["steps"]
            rows.append(("1M users x 100 steps", "<= 60 s", f"{stepping:.1f} s "
                         f"(+ build {million['build_s']:.1f} s)",
                         "yes" if stepping <= 60 else f"no ({stepping / 60:.1f}x over)"))
            rows.append(("1M users peak memory", "<= 2048 MB",
                         f"{million['rss_peak_mb']:.0f} MB",
                         "yes" if million["rss_peak_mb"] <= 2048 else "no"))

    print("== 2. object-per-user Mesa reference ==", flush=True)
    size = 10_000 if args.quick else 100_000
    proc = _run([sys.executable, str(HERE / "mesa_reference.py"), "--size", str(size),
                 "--steps", str(args.reference_steps), "--json"])
    print(proc.stdout, flush=True)
    ref = _result_line(proc)
    if ref is not None:
        ratio = ref["ratio"]
        cpu = ref.get("cpu_ratio", ratio)
        rows.append((f"vs Mesa objects, {size:,} users", ">= 100x per step",
                     f"{ratio:.0f}x wall, {cpu:.0f}x CPU", "yes" if ratio >= 100 else "no"))

    print("== 3. NDlib AlgorithmicBiasModel, 10,000 nodes ==", flush=True)
    check = subprocess.run([args.ndlib_python, "-c", "import ndlib"], capture_output=True)
    if check.returncode != 0:
        print(f"  skipped: {args.ndlib_python} cannot import ndlib (see benchmarks/README.md, "
              "vs_ndlib.py, for its environment; then pass --ndlib-python)")
    else:
        proc = _run([args.ndlib_python, str(HERE / "vs_ndlib.py"), "--speed", "--json"]
                    + (["--quick"] if args.quick else []))
        print(proc.stdout, flush=True)
        nd = _result_line(proc)
        if nd is not None:
            for case in nd["cases"]:
                rows.append((f"vs NDlib AB, gamma {case['gamma']}, step()",
                             ">= 300x per node update", f"{case['ratio']:.0f}x CPU",
                             "yes" if case["ratio"] >= 300 else "no"))
                rows.append((f"vs NDlib AB, gamma {case['gamma']}, phases only",
                             ">= 300x per node update", f"{case['ratio_phases']:.0f}x CPU",
                             "yes" if case["ratio_phases"] >= 300 else "no"))

    print("\n== targets ==")
    width = max(len(r[0]) for r in rows) if rows else 10
    for target, required, measured, verdict in rows:
        print(f"{target:<{width}}  {required:<24} {measured:<28} {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
