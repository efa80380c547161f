"""Findings of the power-dynamics scenarios (issue #17), as contrasts over seeds.

    python scripts/power_findings.py [NAME ...] [--seeds 6] [--workers 2] [--reuse]

Each file ``scripts/power_findings/<name>.yaml`` states one finding: a scenario, the
metrics it reports, the window of steps averaged and a list of contrasts. A contrast has
two arms, ``treatment`` and ``control``; each arm is a list of overrides on the
finding's scenario (``dotted.key=value``, as ``run.py run --set``) or a mapping
``{scenario: other_name, set: [...]}``. Both arms run on the same seeds (common random
numbers, ``--first-seed`` 9001 on: seeds no test uses); the script reports, per metric,
the mean over seeds of treatment minus control with a 95 % t-interval, and whether the
direction the file ``expect``\\ s (up, down or zero: the interval above 0, below 0, or
containing 0) holds. A finding the dynamics do not produce is reported as such.

It writes ``docs/power_findings.md`` (whole), the README's block between
``<!-- power-findings:begin -->`` and ``<!-- power-findings:end -->`` and
``results/power_findings/<name>.parquet`` (per seed and step, for ``--reuse``). With
names, only those findings are run; the others are read back from their Parquet files
if present.

A file::

    scenario: endogenous_power
    title: Inequality grows by itself
    article: "强者愈强 (D8): the seen rise and the silenced fall"
    size: 2000                 # accounts (default 2000)
    window: [151, 200]         # steps averaged (default: the last 50)
    metrics: [attention_gini, capital_gini]
    contrasts:
      - name: endogenous capital on vs off (ablation)
        treatment: []
        control: ["dynamics.endogenous.capital_rate=0"]
        expect: {capital_gini: up}
        headline: [capital_gini]   # shown in the README (default: the first expectation)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from findings import fmt, interval, replace_block  # noqa: E402 - the scripts' shared helpers

SPECS = ROOT / "scripts" / "power_findings"
OUT = ROOT / "results" / "power_findings"
README_BEGIN, README_END = "<!-- power-findings:begin -->", "<!-- power-findings:end -->"


def read_spec(path: Path) -> dict:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["name"] = path.stem
    spec.setdefault("size", 2000)
    spec.setdefault("title", path.stem)
    spec.setdefault("article", "")
    spec.setdefault("notes", "")
    for contrast in spec["contrasts"]:
        for arm in ("treatment", "control"):
            contrast[arm] = arm_of(spec, contrast.get(arm, []))
        contrast.setdefault("expect", {})
    return spec


def arm_of(spec: dict, arm) -> dict:
    if isinstance(arm, dict):
        return {"scenario": arm.get("scenario", spec["scenario"]),
                "set": list(arm.get("set", []))}
    return {"scenario": spec["scenario"], "set": list(arm)}


def arm_key(arm: dict) -> str:
    return arm["scenario"] + "|" + ";".join(arm["set"])


def one_run(job: dict) -> pd.DataFrame:
    from sim.engine.model import OpinionEcologyModel
    from sim.engine.scenarios import load_scenario

    spec = load_scenario(ROOT / "scenarios" / f"{job['scenario']}.yaml",
                         overrides=[f"population.size={job['size']}", *job["set"]])
    model = OpinionEcologyModel(spec, rng=job["seed"])
    model.run_for(spec.run.steps)
    frame = model.metrics_frame()
    missing = [m for m in job["metrics"] if m not in frame.columns]
    if missing:
        raise KeyError(f"{job['scenario']}: no metric {missing}")
    frame = frame[["step", *job["metrics"]]].copy()
    frame.insert(0, "arm", job["arm"])
    frame.insert(1, "seed", job["seed"])
    return frame


def run_spec(spec: dict, seeds: list[int], workers: int) -> pd.DataFrame:
    from sim.runs.executors import run_jobs

    arms = {}
    for contrast in spec["contrasts"]:
        for arm in (contrast["treatment"], contrast["control"]):
            arms[arm_key(arm)] = arm
    jobs = [{"arm": key, "scenario": arm["scenario"], "set": arm["set"], "seed": seed,
             "size": spec["size"], "metrics": list(spec["metrics"])}
            for key, arm in arms.items() for seed in seeds]
    frames = [frame for _, frame in run_jobs(one_run, jobs, workers=workers)]
    return pd.concat(frames, ignore_index=True)


def holds(triple, direction: str) -> bool:
    _, low, high = triple
    return {"up": low > 0, "down": high < 0, "zero": low <= 0 <= high}[direction]


def contrast_rows(spec: dict, runs: pd.DataFrame) -> list[dict]:
    """Per contrast and metric: treatment minus control over seeds, and its check."""
    last = int(runs.step.max())
    first, end = spec.get("window", [last - 49, last])
    part = runs[(runs.step >= first) & (runs.step <= end)]
    means = part.groupby(["arm", "seed"])[list(spec["metrics"])].mean()
    rows = []
    for contrast in spec["contrasts"]:
        treated = means.loc[arm_key(contrast["treatment"])]
        control = means.loc[arm_key(contrast["control"])]
        for metric in spec["metrics"]:
            diff = (treated[metric] - control[metric]).dropna()
            triple = interval(diff.to_numpy())
            direction = contrast["expect"].get(metric)
            rows.append({"finding": spec["name"], "contrast": contrast["name"],
                         "headline": metric in contrast.get("headline", []),
                         "metric": metric, "control": float(control[metric].mean()),
                         "treatment": float(treated[metric].mean()), "difference": triple,
                         "expect": direction or "",
                         "holds": "" if direction is None else
                         ("yes" if holds(triple, direction) else "**no**")})
    return rows


def section(spec: dict, rows: list[dict], seeds: list[int], window: tuple[int, int]) -> str:
    lines = [f"## {spec['title']} (`scenarios/{spec['scenario']}.yaml`)", ""]
    if spec["article"]:
        lines += [f"Article: {spec['article']}", ""]
    lines += [f"{spec['size']:,} accounts, seeds {seeds[0]}-{seeds[-1]}, steps "
              f"{window[0]}-{window[1]} averaged; treatment minus control, mean [95 % "
              "interval] over seeds.", "",
              "| contrast | metric | control | treatment | difference | expected | holds |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        lines.append(f"| {row['contrast']} | `{row['metric']}` | {row['control']:.3f} | "
                     f"{row['treatment']:.3f} | {fmt(row['difference'])} | "
                     f"{row['expect']} | {row['holds']} |")
    if spec["notes"]:
        lines += ["", spec["notes"].strip()]
    return "\n".join(lines)


def document(sections: list[str], seconds: float) -> str:
    head = ["# Findings of the power dynamics", "",
            "Generated by `python scripts/power_findings.py` from the files in "
            "`scripts/power_findings/` (do not edit by hand). Each contrast runs both arms "
            "on the same seeds, which no test uses; \"holds\" says whether the 95 % "
            "interval is on the side the file expects (\"zero\": contains 0). A row "
            "marked **no** is a finding too: the mechanism does not produce what the "
            f"article argues at these settings. Last full run: {seconds / 60:.0f} min.", ""]
    return "\n".join(head + ["\n\n".join(sections)]) + "\n"


def readme_block(all_rows: list[dict], specs: dict[str, dict]) -> str:
    lines = ["Generated by `python scripts/power_findings.py` (mean [95 % interval] over "
             "seeds; every contrast and metric in "
             "[docs/power_findings.md](docs/power_findings.md)). The headline contrasts "
             "of each scenario (its file's `headline:` metrics):", "",
             "| scenario | contrast | metric | difference | holds |",
             "| --- | --- | --- | --- | --- |"]
    for name, spec in specs.items():
        rows = [r for r in all_rows if r["finding"] == name]
        chosen = ([r for r in rows if r["headline"]]
                  or [r for r in rows if r["expect"]][:1] or rows[:1])
        for row in chosen:
                lines.append(f"| `{spec['scenario']}` | {row['contrast']} | `{row['metric']}` | "
                         f"{fmt(row['difference'])} | {row['holds'] or '-'} |")
    return "\n".join(lines)


def write_readme(block: str) -> None:
    replace_block(ROOT / "README.md", README_BEGIN, README_END, block)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="findings to run (default: all)")
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--first-seed", type=int, default=9001)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true",
                        help="rewrite the docs from the saved Parquet files only")
    parser.add_argument("--no-docs", action="store_true",
                        help="print the tables; write neither docs nor README")
    args = parser.parse_args()
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    specs = {p.stem: read_spec(p) for p in sorted(SPECS.glob("*.yaml"))}
    unknown = sorted(set(args.names) - set(specs))
    if unknown:
        sys.exit(f"no finding file scripts/power_findings/{unknown[0]}.yaml")
    OUT.mkdir(parents=True, exist_ok=True)
    seconds_file = OUT / "seconds.txt"
    took = float(seconds_file.read_text()) if seconds_file.exists() else 0.0
    sections, all_rows = [], []
    for name, spec in specs.items():
        path = OUT / f"{name}.parquet"
        if not args.reuse and (not args.names or name in args.names):
            started = time.time()
            runs = run_spec(spec, seeds, args.workers)
            runs.to_parquet(path)
            took += time.time() - started if not args.names else 0.0
            print(f"{name}: {time.time() - started:.0f} s", file=sys.stderr)
        elif path.exists():
            runs = pd.read_parquet(path)
        else:
            print(f"{name}: no saved runs, skipped (run it by name)", file=sys.stderr)
            continue
        rows = contrast_rows(spec, runs)
        last = int(runs.step.max())
        window = tuple(spec.get("window", [last - 49, last]))
        used = sorted(runs.seed.unique())
        sections.append(section(spec, rows, used, window))
        all_rows += rows
    text = document(sections, took)
    print(text)
    if args.no_docs:
        return
    if not args.names and not args.reuse:
        seconds_file.write_text(f"{took:.0f}\n", encoding="utf-8")
    (ROOT / "docs" / "power_findings.md").write_text(text, encoding="utf-8")
    write_readme(readme_block(all_rows, specs))


if __name__ == "__main__":
    main()
