"""The command line (``python run.py ...``). Heavy modules are imported lazily.

Exit codes: 0 success; 1 a run failed; 2 invalid input (one message, nothing
written); 130 interrupted (the completed steps are saved).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from sim.errors import ScenarioError

__version__ = "0.1.0"

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="opinion-ecology: simulate how power shapes online public opinion.",
    )
    parser.add_argument("--version", action="version", version=f"opinion-ecology {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario and write results and figures")
    run.add_argument("scenario", metavar="FILE", help="scenario YAML file")
    run.add_argument("--out", metavar="DIR",
                     help="output folder (default: results/<scenario-name>-<timestamp>/)")
    run.add_argument("--seed", type=int, help="override run.seed")
    run.add_argument("--steps", type=int, help="override run.steps")
    run.add_argument("--set", dest="overrides", action="append", default=[],
                     metavar="KEY=VALUE",
                     help="override a field by dotted path, value parsed as YAML "
                          "(e.g. --set population.size=100000 --set interventions=[])")
    run.add_argument("--force", action="store_true", help="write into a non-empty DIR")
    run.add_argument("--quiet", action="store_true", help="no progress bar, no summary lines")
    run.add_argument("--no-memory-check", action="store_true",
                     help="run even if the memory estimate exceeds the available memory")

    validate = sub.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("scenarios", metavar="FILE", nargs="+")
    validate.add_argument("--set", dest="overrides", action="append", default=[],
                          metavar="KEY=VALUE", help="check with these overrides applied")

    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")

    sub.add_parser("metrics", help="list the recorded metrics and their formulas")

    compare = sub.add_parser(
        "compare", help="run scenarios on the same seeds; disorder curves and paired differences")
    compare.add_argument("scenarios", metavar="FILE", nargs="+", help="scenario YAML files")
    compare.add_argument("--seeds", type=int, default=5,
                         help="replicates per scenario (default 5)")
    compare.add_argument("--seed", type=int, default=0,
                         help="first seed; replicates use seed, seed+1, ... (default 0)")
    compare.add_argument("--steps", type=int, help="override run.steps of every scenario")
    compare.add_argument("--set", dest="overrides", action="append", default=[],
                         metavar="KEY=VALUE", help="override a field in every scenario")
    compare.add_argument("--counterfactual", action="store_true",
                         help="also run each scenario that has interventions without them")
    compare.add_argument("--window", metavar="FIRST:LAST",
                         help="steps averaged for the table (default: the second half)")
    compare.add_argument("--workers", type=int, default=1,
                         help="worker processes (default 1; results do not depend on it)")
    compare.add_argument("--out", metavar="DIR",
                         help="output folder (default: results/compare-<timestamp>/)")
    compare.add_argument("--force", action="store_true", help="write into a non-empty DIR")
    compare.add_argument("--quiet", action="store_true", help="no progress bar")

    for command, text in (("sweep", "run a parameter sweep (grid, Latin hypercube, Sobol, "
                                    "Morris) into Parquet tables"),
                          ("sensitivity", "run a sobol or morris sweep and compute SALib "
                                          "sensitivity indices")):
        sweep = sub.add_parser(command, help=text)
        sweep.add_argument("sweep", metavar="SWEEP", help="sweep YAML file")
        sweep.add_argument("--out", metavar="DIR",
                           help="output folder (default: results/<sweep-name>-<timestamp>/)")
        sweep.add_argument("--workers", type=int, default=None,
                           help="worker processes (default: all cores)")
        sweep.add_argument("--scheduler", metavar="ADDRESS",
                           help="run on Dask: 'local' (a LocalCluster), tcp://host:8786, or a "
                                "scheduler file")
        sweep.add_argument("--resume", action="store_true",
                           help="finish an interrupted sweep in DIR (completed runs are kept)")
        sweep.add_argument("--force", action="store_true", help="write into a non-empty DIR")
        sweep.add_argument("--quiet", action="store_true", help="no progress bar")
        if command == "sensitivity":
            sweep.add_argument("--metric", dest="metrics", action="append", default=[],
                               metavar="NAME", help="metric to analyse (repeatable; default: "
                               "the sweep's kept metrics), summary from --summary")
            sweep.add_argument("--summary", default="final",
                               choices=["final", "mean", "peak", "window_mean"],
                               help="which per-run summary to analyse (default final)")

    summarize = sub.add_parser("summarize", help="per-point means and 95 %% intervals of a sweep")
    summarize.add_argument("dir", metavar="DIR", help="a sweep's output folder")

    plot = sub.add_parser("plot", help="redraw a run's figures from its saved files, or a "
                                       "heatmap or lines of a metric over swept parameters")
    plot.add_argument("dir", metavar="DIR", help="a run's or a sweep's output folder")
    plot.add_argument("--metric", default=None,
                      help="sweeps: runs.parquet column to plot (default "
                           "disorder_index_window_mean)")
    plot.add_argument("--x", help="sweeps: parameter on the x axis (default: the first)")
    plot.add_argument("--y", help="sweeps: parameter on the y axis (default: the second, if any)")
    plot.add_argument("--format", dest="fmt", choices=["png", "svg", "pdf"], default="png",
                      help="figure file format (default png)")
    plot.add_argument("--dpi", type=int, default=None,
                      help="resolution of png figures (default 300 for runs, 150 for sweeps)")
    return parser


def _override_list(args: argparse.Namespace) -> list[str]:
    overrides = list(args.overrides)
    if getattr(args, "seed", None) is not None:
        overrides.append(f"run.seed={args.seed}")
    if getattr(args, "steps", None) is not None:
        overrides.append(f"run.steps={args.steps}")
    return overrides


def _default_out(name: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("results") / f"{name}-{stamp}"


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.memory import available_bytes, estimate_bytes
    from sim.scenario import load_scenario

    have = available_bytes()
    for path in args.scenarios:
        scenario = load_scenario(path, args.overrides)
        need = estimate_bytes(scenario)
        warn = " > available memory" if have is not None and need > have else ""
        print(f"{path}: ok ({scenario.name}: {scenario.population.size} accounts, "
              f"{scenario.run.steps} steps, seed {scenario.run.seed}; "
              f"estimated peak memory {need / 1e9:.2f} GB{warn})")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from sim.scenario import scenario_json_schema

    text = json.dumps(scenario_json_schema(), indent=2) + "\n"
    if args.out:
        from sim.output import atomic_write_text

        atomic_write_text(Path(args.out), text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_metrics(args: argparse.Namespace) -> int:
    from sim.metrics import REGISTRY

    for item in REGISTRY.values():
        print(f"{item.name}  [{item.low:g}, {item.high:g}]")
        print("    " + " ".join(item.doc.split()))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario, _override_list(args))
    if not args.no_memory_check:
        from sim.memory import check_memory

        check_memory(scenario, args.scenario)
    out = Path(args.out) if args.out else _default_out(scenario.name)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not args.force:
        raise ScenarioError(f"--out {out}: folder is not empty; choose another or add --force")

    from tqdm import tqdm

    from sim.model import OpinionEcologyModel

    started = time.perf_counter()
    model = OpinionEcologyModel(scenario)
    build_time = time.perf_counter() - started
    steps = scenario.run.steps
    if not args.quiet:
        print(f"{scenario.name}: {model.n:,} accounts and {model.network.n_ties:,} follow ties "
              f"built in {build_time:.1f} s; running {steps} steps -> {out}",
              file=sys.stderr, flush=True)
    status, error = "completed", None
    bar = tqdm(total=steps, desc=scenario.name, unit="step", disable=True if args.quiet else None,
               file=sys.stderr)
    try:
        for _ in range(steps):
            model.step()
            bar.update(1)
    except KeyboardInterrupt:
        status = "interrupted"
    except Exception as exc:  # noqa: BLE001 - saved, reported, exit code 1
        status, error = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        bar.close()
    wall = time.perf_counter() - started
    _write_results(out, scenario, model, status, error, build_time, wall)
    if status == "completed":
        if not args.quiet:
            final = model.latest_metrics()
            shown = ", ".join(f"{k}={v:.4g}" for k, v in final.items())
            print(f"{scenario.name}: {steps} steps in {wall:.2f} s -> {out}")
            print(f"final: {shown}")
        return EXIT_OK
    done = model.metrics.size - 1
    print(f"run {status} after {done} of {steps} steps"
          + (f" ({error})" if error else "")
          + f"; the completed steps are saved in {out} (summary.json: status {status!r})",
          file=sys.stderr)
    return EXIT_INTERRUPTED if status == "interrupted" else EXIT_FAILED


def _write_results(out: Path, scenario, model, status: str, error: str | None,
                   build_time: float, wall: float) -> None:
    from sim.output import versions, write_json, write_metrics_csv, write_resolved_scenario
    from sim.plots import RUN_TABLES, save_run_figures

    out.mkdir(parents=True, exist_ok=True)
    nodes, edges = model.network_sample(NETWORK_SAMPLE_SIZE)  # once, at the end: O(sample)
    tables = {"metrics": model.metrics_frame(), "strata": model.strata_frame(),
              "platforms": model.platforms_frame(),
              "interventions": model.interventions_frame(),
              "opinions": model.opinions_frame(),
              "attention_lorenz": model.attention_lorenz_frame(),
              "network_nodes": nodes, "network_edges": edges}
    for name, table in tables.items():
        write_metrics_csv(out / RUN_TABLES[name], table)
    write_resolved_scenario(out / "scenario.resolved.yaml", scenario.resolved(), __version__)
    figures = save_run_figures(tables, out / "figures", title=scenario.name)
    summary = {
        "scenario": scenario.name,
        "status": status,
        "error": error,
        "seed": scenario.run.seed,
        "steps_requested": scenario.run.steps,
        "steps_completed": model.metrics.size - 1,  # rows recorded after step 0
        "accounts": model.n,
        "follow_ties": model.network.n_ties,
        "final_metrics": model.latest_metrics(),
        "build_time_s": round(build_time, 4),
        "wall_time_s": round(wall, 4),
        "versions": versions(),
        "files": [*(RUN_TABLES[name] for name in tables), "scenario.resolved.yaml",
                  *(path.relative_to(out).as_posix() for path in figures), "summary.json"],
    }
    write_json(out / "summary.json", summary)


NETWORK_SAMPLE_SIZE = 300  # accounts in network_sample/ (a snowball sample; sim/sampling.py)


def _window(text: str | None, steps: int) -> tuple[int, int]:
    if text is None:
        return steps // 2 + 1, steps
    first, sep, last = text.partition(":")
    if not sep or not first.strip().isdigit() or not last.strip().isdigit():
        raise ScenarioError(f"--window {text}: expected FIRST:LAST step numbers, e.g. 101:300")
    a, b = int(first), int(last)
    if not 0 <= a <= b <= steps:
        raise ScenarioError(f"--window {text}: need 0 <= FIRST <= LAST <= {steps} (run.steps)")
    return a, b


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario

    if args.seeds < 1:
        raise ScenarioError(f"--seeds {args.seeds}: must be at least 1")
    if args.workers < 1:
        raise ScenarioError(f"--workers {args.workers}: must be at least 1")
    overrides = _override_list(args)
    runs = []
    for path in args.scenarios:
        scenario = load_scenario(path, overrides)
        runs.append((scenario.name, scenario))
        if args.counterfactual and scenario.interventions:
            from sim.compare import without_interventions

            runs.append((f"{scenario.name}-no-interventions", without_interventions(scenario)))
    labels = [label for label, _ in runs]
    runs = [(f"{label}#{k}" if labels.count(label) > 1 else label, sc)
            for k, (label, sc) in enumerate(runs)]
    steps = {sc.run.steps for _, sc in runs}
    if len(steps) > 1:
        raise ScenarioError(f"the scenarios run for different numbers of steps ({sorted(steps)}); "
                            f"use --steps N to compare them on the same horizon")
    steps = steps.pop()
    first, last = _window(args.window, steps)
    out = Path(args.out) if args.out else _default_out("compare")
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not args.force:
        raise ScenarioError(f"--out {out}: folder is not empty (use --force to write into it)")
    seeds = list(range(args.seed, args.seed + args.seeds))

    from sim.compare import paired_differences, run_comparison, summarize

    total = len(runs) * len(seeds)
    print(f"compare: {len(runs)} scenarios x {len(seeds)} seeds = {total} runs of {steps} "
          f"steps -> {out}", file=sys.stderr)
    bar = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, unit="run", file=sys.stderr)
    started = time.perf_counter()
    timeseries = run_comparison(runs, seeds, workers=args.workers,
                                progress=bar.update if bar else None)
    if bar:
        bar.close()
    summary = summarize(timeseries, first, last)
    reference = runs[0][0]
    differences = paired_differences(summary, reference)

    from sim.output import versions, write_json, write_metrics_csv
    from sim.plots import save_compare_figure

    out.mkdir(parents=True, exist_ok=True)
    write_metrics_csv(out / "timeseries.csv", timeseries)
    write_metrics_csv(out / "summary.csv", summary)
    write_metrics_csv(out / "differences.csv", differences)
    windows = [(item.start, item.end if item.end is not None else steps)
               for _, sc in runs for item in sc.interventions]
    save_compare_figure(timeseries, out / "figures" / "compare.png", windows=windows)
    write_json(out / "compare.json", {
        "scenarios": [{"label": label, "name": sc.name} for label, sc in runs],
        "files": args.scenarios, "overrides": overrides, "seeds": seeds, "steps": steps,
        "window": [first, last], "reference": reference,
        "wall_time_s": round(time.perf_counter() - started, 3), "versions": versions(),
    })
    table = differences[differences.metric.isin(
        ["content_disorder", "platform_disorder", "pattern_disorder", "disorder_index"])]
    print(f"mean over steps {first}-{last}, difference to {reference!r} "
          f"(95 % CI over {len(seeds)} paired seeds):")
    for row in table.itertuples():
        print(f"  {row.scenario:32s} {row.metric:18s} {row.mean_difference:+.4f} "
              f"[{row.ci95_low:+.4f}, {row.ci95_high:+.4f}]")
    return EXIT_OK


def _sweep_out(args: argparse.Namespace, spec, text: str) -> Path:
    out = Path(args.out) if args.out else _default_out(spec.name)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a folder")
    if out.exists() and any(out.iterdir()):
        resolved = out / "sweep.resolved.yaml"
        if args.resume:
            if not resolved.is_file():
                raise ScenarioError(f"--resume: {out} holds no sweep.resolved.yaml; nothing to "
                                    f"resume")
            if resolved.read_text(encoding="utf-8") != text:
                raise ScenarioError(f"--resume: the sweep file changed since {out} was started "
                                    f"(compare with {resolved}); start a new folder")
        elif not args.force:
            raise ScenarioError(f"--out {out}: folder is not empty (use --resume to finish "
                                f"an interrupted sweep, or --force)")
    return out


def _execute_sweep(args: argparse.Namespace):
    import os

    from sim.output import atomic_write_text
    from sim.sweep import expand_runs, load_sweep
    from sim.sweeprun import resolved_text, run_sweep, write_manifest

    spec, base = load_sweep(args.sweep)
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise ScenarioError(f"--workers {workers}: must be at least 1")
    text = resolved_text(spec)
    out = _sweep_out(args, spec, text)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "sweep.resolved.yaml", text)
    total = len(expand_runs(spec))
    where = args.scheduler or f"{workers} local worker{'s' if workers > 1 else ''}"
    print(f"{spec.name}: {total} runs on {where} -> {out}", file=sys.stderr)
    bar = None

    def progress(total: int, done: int):
        nonlocal bar
        if args.quiet or not sys.stderr.isatty():
            return None
        from tqdm import tqdm

        bar = tqdm(total=total, initial=done, unit="run", file=sys.stderr)
        return bar.update

    started = time.perf_counter()
    try:
        runs = run_sweep(spec, base, out, workers=workers, scheduler=args.scheduler,
                         resume=args.resume, progress=progress)
    except KeyboardInterrupt:
        print(f"interrupted; finished runs are kept in {out / 'parts'}: finish with "
              f"--resume --out {out}", file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    finally:
        if bar is not None:
            bar.close()
    write_manifest(out, spec, runs, {"wall_time_s": round(time.perf_counter() - started, 3),
                                     "workers": workers, "scheduler": args.scheduler,
                                     "sweep_file": str(args.sweep), "base": str(base)})
    failed = int((runs.status != "completed").sum())
    print(f"{spec.name}: {len(runs) - failed} completed, {failed} failed -> "
          f"{out / 'runs.parquet'}", file=sys.stderr)
    return spec, out, runs


def cmd_sweep(args: argparse.Namespace) -> int:
    _spec, _out, runs = _execute_sweep(args)
    return EXIT_OK if (runs.status == "completed").all() else EXIT_FAILED


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.sweep import load_sweep

    spec, _ = load_sweep(args.sweep)
    if spec.design.kind not in ("sobol", "morris"):
        raise ScenarioError(f"{args.sweep}: design.kind: sensitivity needs 'sobol' or 'morris'; "
                            f"got {spec.design.kind!r}")
    if args.summary not in spec.keep.summaries:
        raise ScenarioError(f"--summary {args.summary}: the sweep keeps only "
                            f"{', '.join(spec.keep.summaries)} (keep.summaries)")
    metrics = args.metrics or list(spec.keep.metrics)
    for name in metrics:
        if name not in spec.keep.metrics:
            raise ScenarioError(f"--metric {name}: not among the sweep's keep.metrics "
                                f"({', '.join(spec.keep.metrics)})")
    spec, out, runs = _execute_sweep(args)
    from sim.output import write_metrics_csv
    from sim.plots import save_sensitivity_figure
    from sim.sensitivity import analyse

    table = analyse(spec, runs, [f"{m}_{args.summary}" for m in metrics])
    write_metrics_csv(out / "sensitivity.csv", table)
    save_sensitivity_figure(table, out / "figures" / "sensitivity.png", spec.design.kind)
    print(f"{spec.design.kind} indices -> {out / 'sensitivity.csv'}")
    main_index = "ST" if spec.design.kind == "sobol" else "mu_star"
    for row in table[table["index"] == main_index].itertuples():
        print(f"  {row.metric:32s} {row.parameter:20s} {main_index}={row.value:.3f} "
              f"+- {row.conf:.3f}")
    return EXIT_OK


def _read_sweep_dir(folder: str):
    import pandas as pd

    from sim.sweep import SweepSpec
    from sim.yamlio import read_yaml_file

    out = Path(folder)
    if not (out / "runs.parquet").is_file() or not (out / "sweep.resolved.yaml").is_file():
        raise ScenarioError(f"{out}: not a sweep folder (runs.parquet and sweep.resolved.yaml "
                            f"expected)")
    spec = SweepSpec.model_validate(read_yaml_file(out / "sweep.resolved.yaml").data)
    return out, spec, pd.read_parquet(out / "runs.parquet")


def cmd_summarize(args: argparse.Namespace) -> int:
    from sim.output import write_metrics_csv
    from sim.sweeprun import summarize_points

    out, spec, runs = _read_sweep_dir(args.dir)
    points = summarize_points(runs, spec)
    write_metrics_csv(out / "points.csv", points)
    names = [p.name for p in spec.parameters]
    shown = [c for c in points.columns if c.endswith("_window_mean") or c.endswith("_final")]
    shown = [c for c in shown if not c.endswith(("_low", "_high"))][:4]
    print(points[["point", *names, "replicates", *shown]].to_string(index=False))
    print(f"-> {out / 'points.csv'} (means and 95 % intervals over replicates)")
    return EXIT_OK


def _is_run_dir(folder: Path) -> bool:
    return (folder / "metrics.csv").is_file() and (folder / "summary.json").is_file()


def _plot_run(args: argparse.Namespace) -> int:
    """Redraw every figure of a run folder from its saved tables (nothing is rerun)."""
    from sim.plots import read_run_tables, save_run_figures

    out = Path(args.dir)
    for flag in ("metric", "x", "y"):
        if getattr(args, flag) is not None:
            raise ScenarioError(f"--{flag}: applies to sweep folders; {out} is a run folder")
    if args.dpi is not None and args.dpi < 1:
        raise ScenarioError(f"--dpi {args.dpi}: must be at least 1")
    try:
        title = json.loads((out / "summary.json").read_text(encoding="utf-8"))["scenario"]
        tables = read_run_tables(out)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScenarioError(f"{out}: cannot read the run's files ({type(exc).__name__}: "
                            f"{exc})") from None
    written = save_run_figures(tables, out / "figures", title=str(title), fmt=args.fmt,
                               dpi=args.dpi or 300)
    for path in written:
        print(f"-> {path}")
    return EXIT_OK


def cmd_plot(args: argparse.Namespace) -> int:
    from sim.plots import save_sweep_figure
    from sim.sweeprun import summarize_points

    folder = Path(args.dir)
    if _is_run_dir(folder):
        return _plot_run(args)
    if not ((folder / "runs.parquet").is_file() and (folder / "sweep.resolved.yaml").is_file()):
        raise ScenarioError(f"{folder}: neither a run folder (metrics.csv and summary.json) nor "
                            f"a sweep folder (runs.parquet and sweep.resolved.yaml)")
    if args.dpi is not None and args.dpi < 1:
        raise ScenarioError(f"--dpi {args.dpi}: must be at least 1")
    args.metric = args.metric or "disorder_index_window_mean"
    out, spec, runs = _read_sweep_dir(args.dir)
    names = [p.name for p in spec.parameters]
    if args.metric not in runs.columns:
        allowed = [c for c in runs.columns if any(c.startswith(m + "_")
                                                  for m in spec.keep.metrics)]
        raise ScenarioError(f"--metric {args.metric}: not in runs.parquet; allowed: "
                            f"{', '.join(allowed)}")
    x = args.x or names[0]
    y = args.y or (names[1] if len(names) > 1 and args.x is None else None)
    for axis in (x, y):
        if axis is not None and axis not in names:
            raise ScenarioError(f"--x/--y {axis}: not a swept parameter; allowed: "
                                f"{', '.join(names)}")
    points = summarize_points(runs, spec)
    path = out / "figures" / f"{args.metric}.{args.fmt}"
    save_sweep_figure(points, path, args.metric, x, y, dpi=args.dpi or 150)
    print(f"-> {path}")
    return EXIT_OK


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "schema": cmd_schema,
            "metrics": cmd_metrics, "compare": cmd_compare, "sweep": cmd_sweep,
            "sensitivity": cmd_sensitivity, "summarize": cmd_summarize, "plot": cmd_plot}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command in ("run", "compare", "sweep", "sensitivity"):
            import sim.kernels  # noqa: F401 - checks OPINION_ECOLOGY_KERNELS before any work
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
