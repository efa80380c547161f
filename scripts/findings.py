"""The findings behind the README, as causal contrasts with their ablations (docs/findings.md).

    python scripts/findings.py [--seeds 6] [--size 2000] [--workers 2] [--quick]

Every contrast pairs runs on the same seeds (common random numbers) and reports the mean
difference with a 95 % t-interval over seeds. The seeds (``--first-seed``, default 9001)
are ones the tests never use. It writes ``docs/findings.md`` (whole), the README's
findings table (between its markers) and ``results/findings/runs.parquet``.

Findings (MODEL_BRIEF section 4, docs/findings.md):

1. each imbalance, raised alone, raises its own kind of disorder (against the
   baseline), and more than the other imbalances raise it;
2. each compensation lowers disorder against the same-seed run without it (the
   counterfactual), and does not bring it back to the balanced baseline;
3. rebound: a difference-in-differences of attention inequality after the periphery
   stops being amplified, treated minus counterfactual;
4. the three compensation families in a 2^3 factorial design on the combined
   scenario: main effects and interactions;
5. robustness: 1 and 2 again with each key parameter at -20 % and +20 %, and at a
   larger population;
6. ablation: 1 again with each mechanism switched off (in the imbalance scenario and
   in the baseline), to show which mechanisms carry each effect.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

INDICES = ("content_disorder", "platform_disorder", "pattern_disorder", "disorder_index")
KEPT = (*INDICES, "attention_top1_share", "attention_gini", "market_concentration",
        "visibility_gap", "cocoon_tightness", "expression_gap", "stratum_insulation",
        "segregated_polarisation", "homogenisation", "bot_share", "silent_share")
IMBALANCES = {"tech_imbalance": "content_disorder", "market_imbalance": "platform_disorder",
              "social_imbalance": "pattern_disorder"}
COMPENSATIONS = {"reorder_symbol": "content_disorder", "reorder_platform": "platform_disorder",
                 "reorder_node": "pattern_disorder", "reorder_combined": "disorder_index"}
FAMILIES = {"symbol": ("connectivity_programme", "algorithm_reform", "real_name_ip_display"),
            "platform": ("traffic_cap", "media_convergence", "new_public_platform",
                         "literacy_campaign"),
            "node": ("amplify_periphery", "bridge_strata", "expression_support")}
LATE = 50  # steps averaged at the end of an imbalance run (151-200)
PERTURB = {  # key parameter -> how to scale it (each at 0.8 and 1.2)
    "dynamics.confidence": "dynamics.confidence",
    "dynamics.silence.threshold": "dynamics.silence.threshold",
    "dynamics.recommendation_share": "dynamics.recommendation_share",
    "dynamics.post_rate": "dynamics.post_rate",
    "leaders.reach": "leaders.reach",
    "outlet reach": "outlet",
}
ABLATIONS = ("bots", "leaders", "silence", "traffic_first", "recommendation_bias",
             "competition", "follow_dynamics", "centre_periphery", "social_capital",
             "access_gaps")


# ------------------------------------------------------------------------ scenario edits


def _get(spec, key: str):
    value = spec
    for part in key.split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    return value


def scaled(spec, key: str, factor: float) -> list[str]:
    """Overrides that scale parameter ``key`` of ``spec`` by ``factor`` (outlet reach: every
    outlet's; probabilities capped at 1)."""
    if key == "outlet":
        return [f"platforms.{i}.outlet.reach={max(1.0, p.outlet.reach * factor):.6g}"
                for i, p in enumerate(spec.platforms) if p.outlet is not None]
    value = float(_get(spec, key)) * factor
    if key != "leaders.reach" and not key.endswith("confidence"):
        value = min(value, 1.0)
    if key == "leaders.reach":
        value = max(1.0, value)
    return [f"{key}={value:.6g}"]


def ablated(spec, mechanism: str) -> list[str]:
    """Overrides that switch ``mechanism`` off in ``spec``."""
    if mechanism == "bots":
        return ["bots=[]"]
    if mechanism == "leaders":
        return ["leaders.share=null", "leaders.per_10k=null", "leaders.count=0"]
    if mechanism == "silence":
        return ["dynamics.silence.enabled=false"]
    if mechanism == "traffic_first":
        return [f"platforms.{i}.traffic_weight=0" for i in range(len(spec.platforms))]
    if mechanism == "recommendation_bias":
        return [f"platforms.{i}.gamma=0" for i in range(len(spec.platforms))]
    if mechanism == "competition":
        return ["dynamics.competition.reconsider_rate=0"]
    if mechanism == "follow_dynamics":
        return ["dynamics.follows.rate=0"]
    if mechanism == "centre_periphery":
        return ["population.centre_periphery=0"]
    if mechanism == "social_capital":
        return [f"population.strata.{i}.social_capital=1"
                for i in range(len(spec.population.strata))]
    if mechanism == "access_gaps":
        strata = spec.population.strata
        shares = np.array([s.share for s in strata])
        mean = float(np.dot(shares, [s.tech_access for s in strata]) / shares.sum())
        lit = float(np.dot(shares, [s.literacy for s in strata]) / shares.sum())
        return [o for i in range(len(strata)) for o in
                (f"population.strata.{i}.tech_access={mean:.6g}",
                 f"population.strata.{i}.literacy={lit:.6g}")]
    raise ValueError(mechanism)


# ------------------------------------------------------------------------------ running


def one_run(job: dict) -> pd.DataFrame:
    from sim.engine.model import OpinionEcologyModel
    from sim.engine.scenarios import load_scenario

    spec = load_scenario(ROOT / "scenarios" / f"{job['scenario']}.yaml",
                         overrides=[f"population.size={job['size']}", *job["overrides"]])
    if job.get("families") is not None:
        keep = {t for f in job["families"] for t in FAMILIES[f]}
        spec = spec.model_copy(update={"interventions": [
            i for i in spec.interventions if i.type in keep]})
    model = OpinionEcologyModel(spec, rng=job["seed"])
    model.run_for(spec.run.steps)
    frame = model.metrics_frame()[["step", *KEPT]].copy()
    frame.insert(0, "label", job["label"])
    frame.insert(1, "seed", job["seed"])
    return frame


def jobs_for(args) -> list[dict]:
    from sim.engine.scenarios import load_scenario

    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    specs = {p.stem: load_scenario(p) for p in (ROOT / "scenarios").glob("*.yaml")}
    jobs: list[dict] = []

    def add(label, scenario, overrides=(), families=None, size=args.size):
        for seed in seeds:
            jobs.append({"label": label, "scenario": scenario, "overrides": list(overrides),
                         "families": families, "seed": seed, "size": size})

    plain = ["baseline", *IMBALANCES, "all_imbalances"]
    for name in plain:
        add(name, name)
    for name in COMPENSATIONS:
        add(name, name)
        add(f"{name}|counterfactual", name, families=())
    for combo in itertools.product((0, 1), repeat=3):
        chosen = tuple(f for f, on in zip(FAMILIES, combo, strict=True) if on)
        if chosen in ((), tuple(FAMILIES)):
            continue  # the counterfactual and the full package are run above
        add("factorial|" + "+".join(chosen), "reorder_combined", families=chosen)
    if args.quick:
        return jobs
    for key in PERTURB:
        for factor in (0.8, 1.2):
            for name in (*plain[:-1], "reorder_symbol", "reorder_platform", "reorder_node"):
                over = scaled(specs[name], PERTURB[key], factor)
                add(f"{name}|{key} x{factor}", name, over)
                if name.startswith("reorder"):
                    add(f"{name}|counterfactual|{key} x{factor}", name, over, families=())
    for size in args.large:
        for name in (*plain[:-1], "reorder_symbol", "reorder_platform", "reorder_node"):
            add(f"{name}|N={size}", name, size=size)
            if name.startswith("reorder"):
                add(f"{name}|counterfactual|N={size}", name, families=(), size=size)
    for mechanism in ABLATIONS:
        for name in plain[:-1]:
            add(f"{name}|-{mechanism}", name, ablated(specs[name], mechanism))
    for size in args.sizes:  # per-capita actors: the same findings at other sizes
        for name in plain[:-1]:
            for seed in seeds[:args.size_seeds]:
                jobs.append({"label": f"{name}|size={size}", "scenario": name, "overrides": [],
                             "families": None, "seed": seed, "size": size})
    return jobs


# ----------------------------------------------------------------------------- analysis


def interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95 % t-interval."""
    from scipy import stats

    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if values.size < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))
    return mean, mean - half, mean + half


def fmt(triple: tuple[float, float, float], digits: int = 3) -> str:
    mean, low, high = triple
    return f"{mean:+.{digits}f} [{low:+.{digits}f}, {high:+.{digits}f}]"


def window(runs: pd.DataFrame, label: str, first: int, last: int) -> pd.DataFrame:
    """Per seed, the mean of every kept metric over steps first..last of ``label``."""
    part = runs[(runs.label == label) & (runs.step >= first) & (runs.step <= last)]
    return part.groupby("seed")[list(KEPT)].mean()


def late(runs: pd.DataFrame, label: str) -> pd.DataFrame:
    steps = int(runs.loc[runs.label == label, "step"].max())
    return window(runs, label, steps - LATE + 1, steps)


def imbalance_table(runs, suffix: str = "") -> tuple[pd.DataFrame, dict[str, bool]]:
    """Rise of every index over the baseline per imbalance, and whether each imbalance's
    own index rises (interval above 0) more than the other imbalances raise it."""
    table, holds, _ = imbalance_tests(runs, suffix)
    return table, holds


def imbalance_tests(runs, suffix: str = ""):
    """(table, holds across imbalances, holds across indices): the second criterion asks
    whether the imbalance raises its own index more than it raises the other two."""
    base = late(runs, "baseline" + suffix)
    rows, holds, within = {}, {}, {}
    for name in IMBALANCES:
        diff = late(runs, name + suffix) - base
        rows[name] = {k: interval(diff[k]) for k in INDICES}
    for name, own in IMBALANCES.items():
        mean, low, _ = rows[name][own]
        others = [rows[o][own][0] for o in IMBALANCES if o != name]
        holds[name] = bool(low > 0 and mean > max(others))
        own_row = [rows[name][k][0] for k in IMBALANCES.values() if k != own]
        within[name] = bool(low > 0 and mean > max(own_row))
    return pd.DataFrame(rows).T, holds, within


def compensation_rows(runs, suffix: str = "") -> dict[str, dict]:
    out = {}
    base = late(runs, "baseline" + suffix) if ("baseline" + suffix) in set(runs.label) else None
    for name, own in COMPENSATIONS.items():
        label = name + suffix
        cf_label = f"{name}|counterfactual{suffix}"
        if label not in set(runs.label) or cf_label not in set(runs.label):
            continue
        treated = late(runs, label)
        cf = late(runs, cf_label)
        effect = interval((treated - cf)[own])
        gap = interval((treated - base)[own]) if base is not None else None
        out[name] = {"index": own, "effect": effect, "vs_baseline": gap,
                     "lowers": effect[2] < 0, "not_restored": gap is not None and gap[1] > 0}
    return out


def rebound_change(runs: pd.DataFrame, label: str, metric: str) -> pd.Series:
    """Per seed: mean over steps 281-300 minus mean over 181-200."""
    return window(runs, label, 281, 300)[metric] - window(runs, label, 181, 200)[metric]


def did(runs: pd.DataFrame, metric: str, suffix: str = "") -> tuple[float, float, float]:
    """Rebound after amplify_periphery ends (step 200): (mean over 281-300 minus mean over
    181-200), treated minus counterfactual, per seed."""
    return interval(rebound_change(runs, "reorder_node" + suffix, metric)
                    - rebound_change(runs, f"reorder_node|counterfactual{suffix}", metric))


def factorial(runs: pd.DataFrame, metric: str = "disorder_index") -> pd.DataFrame:
    """Effects of the 2^3 design (coded -1/+1): main effects and interactions, as the
    difference they make to the mean (effect = mean at +1 minus mean at -1)."""
    cells = {}
    for combo in itertools.product((0, 1), repeat=3):
        chosen = tuple(f for f, on in zip(FAMILIES, combo, strict=True) if on)
        if chosen == ():
            label = "reorder_combined|counterfactual"
        elif chosen == tuple(FAMILIES):
            label = "reorder_combined"
        else:
            label = "factorial|" + "+".join(chosen)
        cells[combo] = late(runs, label)[metric]
    names = list(FAMILIES)
    rows = {}
    for order in (1, 2, 3):
        for subset in itertools.combinations(range(3), order):
            contrast = sum(np.prod([1 if c[i] else -1 for i in subset]) * cells[c]
                           for c in cells) / 4.0
            rows[" x ".join(names[i] for i in subset)] = interval(contrast)
    singles = {f: interval(cells[tuple(int(g == f) for g in names)] - cells[(0, 0, 0)])
               for f in names}
    rows["sum of the three single effects"] = interval(
        sum(cells[tuple(int(g == f) for g in names)] - cells[(0, 0, 0)] for f in names))
    rows["all three together"] = interval(cells[(1, 1, 1)] - cells[(0, 0, 0)])
    for f, v in singles.items():
        rows[f"{f} alone"] = v
    return pd.Series(rows)


def write_docs(runs: pd.DataFrame, args, seconds: float) -> str:
    labels = set(runs.label)
    seeds = sorted(runs.seed.unique())
    lines = ["# Findings: causal contrasts, robustness and ablations", "",
             "Generated by `python scripts/findings.py "
             f"--seeds {args.seeds} --size {args.size}"
             + (" --quick" if args.quick else "") + "` "
             f"({runs.groupby(['label', 'seed']).ngroups} runs, {seconds / 60:.0f} min on "
             f"{args.workers} workers); seeds {seeds[0]}-{seeds[-1]}, which no test uses. "
             f"Every number is a paired difference on common seeds: mean [95 % t-interval "
             f"over {len(seeds)} seeds]. Imbalances are compared over their last {LATE} "
             "steps (151-200); compensations start at step 101 and are compared over steps "
             "251-300. The indices are built from outcome terms only (docs/measures.md).", ""]

    lines += ["## 1. Each imbalance raises its own kind of disorder", "",
              "Rise over the baseline (scenario minus baseline, same seeds). Two readings "
              "of \"raises its own kind most\": *across imbalances* (its own index rises, "
              "interval above 0, and more than the other imbalances raise it) and *across "
              "indices* (it raises its own index more than the other two).", ""]
    for _title, suffix in (("shipped size", ""),
                          *((f"N = {n}", f"|N={n}") for n in args.large)):
        if "baseline" + suffix not in labels:
            continue
        table, holds, within = imbalance_tests(runs, suffix)
        base = late(runs, "baseline" + suffix)
        size = args.size if not suffix else suffix.split("=")[1]
        lines += [f"**{size} accounts**", "",
                  "| scenario | content | platform | pattern | disorder_index | "
                  "most, across imbalances | most, across indices |",
                  "| --- | --- | --- | --- | --- | --- | --- |",
                  "| baseline (level) | "
                  + " | ".join(f"{base[k].mean():.3f}" for k in INDICES) + " | | |"]
        for name in IMBALANCES:
            lines.append(f"| {name} | " + " | ".join(fmt(table.loc[name, k]) for k in INDICES)
                         + f" | {'yes' if holds[name] else '**no**'} | "
                         f"{'yes' if within[name] else '**no**'} |")
        lines.append("")

    comp = compensation_rows(runs)
    lines += ["## 2. Each compensation lowers disorder, never back to the baseline", "",
              "Effect = treated minus the same scenario without its interventions (same "
              "seeds), steps 251-300; gap = treated (251-300) minus the balanced baseline "
              "(its last 50 steps, 151-200).", "",
              "| scenario | index | effect | lowers | gap to baseline | not restored |",
              "| --- | --- | --- | --- | --- | --- |"]
    for name, row in comp.items():
        gap = fmt(row["vs_baseline"]) if row["vs_baseline"] else ""
        lines.append(f"| {name} | {row['index']} | {fmt(row['effect'])} | "
                     f"{'yes' if row['lowers'] else '**no**'} | {gap} | "
                     f"{'yes' if row['not_restored'] else '**no**'} |")
    lines.append("")

    lines += ["## 3. Rebound as a difference-in-differences", "",
              "`reorder_node` amplifies the periphery from step 101 to 200. Change from steps "
              "181-200 to 281-300, treated minus counterfactual (same seeds): a positive "
              "value is a rebound beyond what the counterfactual does by itself.", "",
              "| accounts | measure | treated run alone | counterfactual alone | "
              "difference-in-differences |", "| --- | --- | --- | --- | --- |"]
    for size, suffix in ((args.size, ""), *((n, f"|N={n}") for n in args.large)):
        if f"reorder_node{suffix}" not in labels:
            continue
        for metric in ("attention_top1_share", "pattern_disorder", "disorder_index"):
            alone = interval(rebound_change(runs, "reorder_node" + suffix, metric))
            cf = interval(rebound_change(runs, f"reorder_node|counterfactual{suffix}", metric))
            lines.append(f"| {size:,} | `{metric}` | {fmt(alone, 4)} | {fmt(cf, 4)} | "
                         f"{fmt(did(runs, metric, suffix), 4)} |")
    lines.append("")

    fac = factorial(runs)
    lines += ["## 4. Compensation families: a 2^3 factorial design", "",
              "On `reorder_combined` (all imbalances, then every compensation), each family "
              "on or off, `disorder_index` over steps 251-300. Effects are mean(on) - "
              "mean(off) over the other factors' cells; an interaction is the same contrast "
              "of the product of codes. Negative = lowers disorder.", "",
              "| effect on disorder_index | mean [95 % interval] |", "| --- | --- |"]
    for name, value in fac.items():
        lines.append(f"| {name} | {fmt(value, 4)} |")
    lines.append("")

    if not args.quick:
        lines += ["## 5. Robustness: each key parameter at -20 % and +20 %, and size", "",
                  "Finding 1 (own index rises most) and finding 2 (compensation lowers its "
                  "index) under each perturbation; `no` marks where a finding fails.", "",
                  "| condition | tech -> content | market -> platform | social -> pattern | "
                  "symbol lowers | platform lowers | node lowers |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        conditions = [("as shipped", "")]
        conditions += [(f"{k} x{f}", f"|{k} x{f}") for k in PERTURB for f in (0.8, 1.2)]
        conditions += [(f"N = {s}", f"|N={s}") for s in args.large]
        for title, suffix in conditions:
            if "baseline" + suffix not in labels:
                continue
            _, h = imbalance_table(runs, suffix)
            c = compensation_rows(runs, suffix)
            cells = ["yes" if h[n] else "**no**" for n in IMBALANCES]
            cells += [("yes" if c[n]["lowers"] else "**no**") if n in c else "-"
                      for n in ("reorder_symbol", "reorder_platform", "reorder_node")]
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
        lines.append("")
        lines += ["## 6. Ablation: which mechanisms carry each imbalance's effect", "",
                  "The rise of each imbalance's own index over the baseline, with one "
                  "mechanism switched off in both (same seeds). A rise that falls toward 0 "
                  "when a mechanism is off is carried by it.", "",
                  "| mechanism off | tech -> content | market -> platform | "
                  "social -> pattern |", "| --- | --- | --- | --- |"]
        full, _ = imbalance_table(runs)
        lines.append("| (none) | " + " | ".join(fmt(full.loc[n, o]) for n, o in
                                                   IMBALANCES.items()) + " |")
        for mechanism in ABLATIONS:
            t, _ = imbalance_table(runs, f"|-{mechanism}")
            lines.append(f"| {mechanism} | " + " | ".join(fmt(t.loc[n, o]) for n, o in
                                                          IMBALANCES.items()) + " |")
        lines.append("")
    sizes = [n for n in args.sizes if f"baseline|size={n}" in labels]
    if sizes:
        lines += ["## 7. Size: the same scenarios at other populations", "",
                  "Bots, leaders and outlets are per-capita (`share`, `per_10k`), so a "
                  "scenario keeps its proportions at any size. Each imbalance's own-index "
                  "rise over the baseline and the bots' share of what is seen (a pressure), "
                  f"mean over {args.size_seeds} seeds (range in brackets).", "",
                  "| accounts | tech -> content | market -> platform | social -> pattern | "
                  "bot_share (tech) | disorder_index (baseline) |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for n in sizes:
            base = late(runs, f"baseline|size={n}")
            cells = []
            for name, own in IMBALANCES.items():
                diff = (late(runs, f"{name}|size={n}") - base)[own]
                cells.append(f"{diff.mean():+.3f} [{diff.min():+.3f}, {diff.max():+.3f}]")
            bots = late(runs, f"tech_imbalance|size={n}")["bot_share"]
            lines.append(f"| {n:,} | " + " | ".join(cells)
                         + f" | {bots.mean():.3f} | {base['disorder_index'].mean():.3f} |")
        lines.append("")
    lines += ["## 8. Phase diagrams", "",
              "Where the shipped values sit in the model's regimes: every index against the "
              "confidence bound (the baseline's 0.4, dotted) in the baseline and the three "
              "imbalance scenarios, and against each power's imbalance level (0 = "
              "baseline.yaml, 1 = the imbalance file), seeds as bands. Drawn by "
              "`python scripts/phase_diagrams.py`.", "",
              "![disorder against the confidence bound](figures/phase_confidence.png)", "",
              "![disorder against each power's level](figures/phase_powers.png)", ""]
    phase = ROOT / "results" / "phase" / "phase.csv"
    if phase.exists():
        lines += phase_lines(pd.read_csv(phase))
    return "\n".join(lines)


def phase_lines(table: pd.DataFrame) -> list[str]:
    """Finding 1 across the confidence range, from scripts/phase_diagrams.py's table:
    each imbalance's own-index rise over the baseline at each confidence bound, and
    whether it is the largest rise of that index among the three imbalances."""
    part = table[table.kind == "confidence"]
    means = part.groupby(["scenario", "x"])[list(INDICES)].mean()
    seeds = part.seed.nunique()
    lines = ["Finding 1 across the confidence bound (the rise of each imbalance's own index "
             f"over the baseline, mean of {seeds} seeds; **no** where another imbalance "
             "raises that index more):", "",
             "| confidence | tech -> content | market -> platform | social -> pattern |",
             "| --- | --- | --- | --- |"]
    for x in sorted(part.x.unique()):
        base = means.loc[("baseline", x)]
        cells = []
        for name, own in IMBALANCES.items():
            rises = {n: means.loc[(n, x)][own] - base[own] for n in IMBALANCES}
            mark = "" if rises[name] >= max(rises.values()) - 1e-12 else " **no**"
            cells.append(f"{rises[name]:+.3f}{mark}")
        lines.append(f"| {x:g} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


README_BEGIN, README_END = "<!-- findings:begin -->", "<!-- findings:end -->"


def readme_block(text: str) -> str:
    """The README's findings: the first table of finding 1 and the table of finding 2."""
    sections = text.split("\n## ")
    first = next(s for s in sections if s.startswith("1. "))
    second = next(s for s in sections if s.startswith("2. "))
    table1 = first[first.index("| scenario"):].split("\n\n")[0]
    table2 = second[second.index("| scenario"):].split("\n\n")[0]
    import re

    seeds = re.search(r"seeds \d+-\d+", text).group(0)
    return "\n".join([
        f"Generated by `python scripts/findings.py` ({seeds}, mean [95 % interval]; the "
        "full tables, perturbations, sizes and ablations are in "
        "[docs/findings.md](docs/findings.md)). Rise of each index over the baseline:",
        "", table1, "", "Each compensation against the same-seed run without it:", "",
        table2])


def replace_block(path: Path, begin: str, end: str, block: str) -> None:
    """Replace what stands between the markers ``begin`` and ``end`` of ``path`` (a
    generated block in a hand-written page); nothing if the page lacks them. Used by the
    other scripts that write such blocks (measures.py, power_findings.py)."""
    body = path.read_text(encoding="utf-8")
    if begin not in body:
        return
    head, rest = body.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{block}\n{end}{tail}", encoding="utf-8")


def write_readme(text: str) -> None:
    replace_block(ROOT / "README.md", README_BEGIN, README_END, readme_block(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--first-seed", type=int, default=9001)
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--large", type=int, nargs="*", default=[10000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="*", default=[5000, 20000, 100000],
                        help="finding 7: the imbalance scenarios at these sizes")
    parser.add_argument("--size-seeds", type=int, default=2)
    parser.add_argument("--quick", action="store_true",
                        help="findings 1-4 only (no perturbations, sizes or ablations)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "findings.md"))
    parser.add_argument("--reuse", action="store_true",
                        help="redo the tables from results/findings/runs.parquet")
    args = parser.parse_args()
    out = ROOT / "results" / "findings"
    if args.reuse:
        runs = pd.read_parquet(out / "runs.parquet")
        seconds = out / "seconds.txt"
        text = write_docs(runs, args,
                          float(seconds.read_text()) if seconds.exists() else 416.0)
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        write_readme(text)
        print(text)
        return

    from tqdm import tqdm

    from sim.runs.executors import run_jobs

    jobs = jobs_for(args)
    started = time.time()
    frames = []
    for _, frame in tqdm(run_jobs(one_run, jobs, workers=args.workers), total=len(jobs),
                         unit="run", file=sys.stderr):
        frames.append(frame)
    runs = pd.concat(frames, ignore_index=True)
    out.mkdir(parents=True, exist_ok=True)
    runs.to_parquet(out / "runs.parquet")
    (out / "seconds.txt").write_text(f"{time.time() - started:.0f}\n", encoding="utf-8")
    text = write_docs(runs, args, time.time() - started)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    write_readme(text)
    print(text)


if __name__ == "__main__":
    main()
