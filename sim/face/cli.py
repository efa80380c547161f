"""The command line (``python run.py ...``): parse, call :mod:`sim.runs`, print.

Heavy modules are imported lazily, in the commands that need them, so that ``--help``
and ``validate`` answer in well under a second. Every command's work is done by
:mod:`sim.runs` (running, writing) and :mod:`sim.views` (figures); this module only
parses arguments, reports progress and maps outcomes to exit codes.

Exit codes: 0 success; 1 a run failed; 2 invalid input (one message, nothing
written); 130 interrupted (the completed steps are saved).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.config import ScenarioError
from sim.config.outcomes import DISORDER_INDICES

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130


def _version() -> str:
    from sim.runs.files import package_version

    return package_version()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="opinion-ecology: simulate how power shapes online public opinion.",
    )
    parser.add_argument("--version", action="version", version=f"opinion-ecology {_version()}")
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

    reference = sub.add_parser(
        "reference", help="write the generated reference pages (parameters, metrics, state)")
    reference.add_argument("--out", metavar="DIR", default="docs/reference",
                           help="folder for the pages (default docs/reference)")

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


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ScenarioError(f"--out {out}: folder is not empty; choose another or add --force")


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.engine.scenarios import load_scenario
    from sim.runs.resources import available_bytes, estimate_bytes

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
    import json

    from sim.config import scenario_json_schema

    text = json.dumps(scenario_json_schema(), indent=2) + "\n"
    if args.out:
        from sim.runs.files import atomic_write_text

        atomic_write_text(Path(args.out), text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_metrics(args: argparse.Namespace) -> int:
    from sim.engine.metrics import REGISTRY

    for item in REGISTRY.values():
        print(f"{item.name}  [{item.low:g}, {item.high:g}]")
        print("    " + " ".join(item.doc.split()))
    return EXIT_OK


def cmd_reference(args: argparse.Namespace) -> int:
    from sim.runs.reference import write_reference

    for path in write_reference(Path(args.out)):
        print(f"-> {path}")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from sim.engine.scenarios import load_scenario
    from sim.runs.files import default_out

    scenario = load_scenario(args.scenario, _override_list(args))
    if not args.no_memory_check:
        from sim.runs.resources import check_memory

        check_memory(scenario, args.scenario)
    out = Path(args.out) if args.out else default_out(scenario.name)
    _check_out(out, args.force)

    from tqdm import tqdm

    from sim.runs.driver import run_scenario
    from sim.runs.folder import write_run_folder

    steps = scenario.run.steps
    bars: list = []

    def built(model, seconds: float) -> None:
        if not args.quiet:
            print(f"{scenario.name}: {model.state.n:,} accounts and "
                  f"{model.state.network.n_ties:,} follow ties built in {seconds:.1f} s; "
                  f"running {steps} steps -> {out}", file=sys.stderr, flush=True)
        bars.append(tqdm(total=steps, desc=scenario.name, unit="step",
                         disable=True if args.quiet else None, file=sys.stderr))

    try:
        result = run_scenario(scenario, on_built=built, progress=lambda: bars[0].update(1),
                              record_errors=True, record_interrupt=True)
    finally:
        for bar in bars:
            bar.close()
    write_run_folder(out, result)
    if result.status == "completed":
        if not args.quiet:
            shown = ", ".join(f"{k}={v:.4g}" for k, v in result.model.latest_metrics().items())
            print(f"{scenario.name}: {steps} steps in {result.wall_time:.2f} s -> {out}")
            print(f"final: {shown}")
        return EXIT_OK
    print(f"run {result.status} after {result.steps_completed} of {steps} steps"
          + (f" ({result.error})" if result.error else "")
          + f"; the completed steps are saved in {out} (summary.json: status "
            f"{result.status!r})", file=sys.stderr)
    return EXIT_INTERRUPTED if result.status == "interrupted" else EXIT_FAILED


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.runs.compare import compare_runs, prepare, window_steps
    from sim.runs.files import default_out

    if args.seeds < 1:
        raise ScenarioError(f"--seeds {args.seeds}: must be at least 1")
    if args.workers < 1:
        raise ScenarioError(f"--workers {args.workers}: must be at least 1")
    overrides = _override_list(args)
    runs, steps = prepare(args.scenarios, overrides, args.counterfactual)
    window = window_steps(args.window, steps)
    out = Path(args.out) if args.out else default_out("compare")
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not args.force:
        raise ScenarioError(f"--out {out}: folder is not empty (use --force to write into it)")
    seeds = list(range(args.seed, args.seed + args.seeds))

    from sim.runs.compare import write_comparison

    total = len(runs) * len(seeds)
    print(f"compare: {len(runs)} scenarios x {len(seeds)} seeds = {total} runs of {steps} "
          f"steps -> {out}", file=sys.stderr)
    bar = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, unit="run", file=sys.stderr)
    try:
        result = compare_runs(runs, steps, seeds, window, workers=args.workers,
                              progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    write_comparison(out, result, {"files": args.scenarios, "overrides": overrides})
    differences = result.differences
    table = differences[differences.metric.isin(DISORDER_INDICES)]
    print(f"mean over steps {window[0]}-{window[1]}, difference to {result.reference!r} "
          f"(95 % CI over {len(seeds)} paired seeds):")
    for row in table.itertuples():
        print(f"  {row.scenario:32s} {row.metric:18s} {row.mean_difference:+.4f} "
              f"[{row.ci95_low:+.4f}, {row.ci95_high:+.4f}]")
    return EXIT_OK


def _execute_sweep(args: argparse.Namespace, run):
    """Run ``run(path, out, **options)`` (sweep or sensitivity) with the command's flags,
    showing progress; report the outcome."""
    import os

    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    where = args.scheduler or f"{workers} local worker{'s' if workers > 1 else ''}"
    folder: list[Path] = []
    bars: list = []

    def announce(spec, out: Path, total: int) -> None:
        folder.append(out)
        print(f"{spec.name}: {total} runs on {where} -> {out}", file=sys.stderr)

    def progress(total: int, done: int):
        if args.quiet or not sys.stderr.isatty():
            return None
        from tqdm import tqdm

        bars.append(tqdm(total=total, initial=done, unit="run", file=sys.stderr))
        return bars[-1].update

    try:
        outcome = run(args.sweep, args.out, workers=workers, scheduler=args.scheduler,
                      resume=args.resume, force=args.force, progress=progress,
                      announce=announce)
    except KeyboardInterrupt:
        out = folder[0] if folder else "the sweep folder"
        print(f"interrupted; finished runs are kept in {out}/parts: finish with "
              f"--resume --out {out}", file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    finally:
        for bar in bars:
            bar.close()
    result = outcome[0] if isinstance(outcome, tuple) else outcome
    print(f"{result.spec.name}: {len(result.runs) - result.failed} completed, {result.failed} "
          f"failed -> {result.out / 'runs.parquet'}", file=sys.stderr)
    return outcome


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.runs.sweep import sweep

    result = _execute_sweep(args, sweep)
    return EXIT_OK if result.failed == 0 else EXIT_FAILED


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from functools import partial

    from sim.runs.sensitivity import check_request, sensitivity
    from sim.runs.sweep import load_sweep

    spec, _ = load_sweep(args.sweep)
    check_request(spec, args.sweep, args.metrics, args.summary)
    result, table = _execute_sweep(args, partial(sensitivity, metrics=args.metrics,
                                                 summary=args.summary))
    print(f"{spec.design.kind} indices -> {result.out / 'sensitivity.csv'}")
    main_index = "ST" if spec.design.kind == "sobol" else "mu_star"
    for row in table[table["index"] == main_index].itertuples():
        print(f"  {row.metric:32s} {row.parameter:20s} {main_index}={row.value:.3f} "
              f"+- {row.conf:.3f}")
    return EXIT_OK


def _read_sweep_dir(folder: str):
    import pandas as pd

    from sim.config.sweep import SweepSpec
    from sim.config.yamlio import read_yaml_file

    out = Path(folder)
    if not (out / "runs.parquet").is_file() or not (out / "sweep.resolved.yaml").is_file():
        raise ScenarioError(f"{out}: not a sweep folder (runs.parquet and sweep.resolved.yaml "
                            f"expected)")
    spec = SweepSpec.model_validate(read_yaml_file(out / "sweep.resolved.yaml").data)
    return out, spec, pd.read_parquet(out / "runs.parquet")


def cmd_summarize(args: argparse.Namespace) -> int:
    from sim.runs.files import write_csv
    from sim.runs.sweep import summarize_points

    out, spec, runs = _read_sweep_dir(args.dir)
    points = summarize_points(runs, spec)
    write_csv(out / "points.csv", points)
    names = [p.name for p in spec.parameters]
    shown = [c for c in points.columns if c.endswith("_window_mean") or c.endswith("_final")]
    shown = [c for c in shown if not c.endswith(("_low", "_high"))][:4]
    print(points[["point", *names, "replicates", *shown]].to_string(index=False))
    print(f"-> {out / 'points.csv'} (means and 95 % intervals over replicates)")
    return EXIT_OK


def _plot_run(args: argparse.Namespace) -> int:
    """Redraw every figure of a run folder from its saved tables (nothing is rerun)."""
    from sim.runs.folder import redraw_run_figures

    out = Path(args.dir)
    for flag in ("metric", "x", "y"):
        if getattr(args, flag) is not None:
            raise ScenarioError(f"--{flag}: applies to sweep folders; {out} is a run folder")
    if args.dpi is not None and args.dpi < 1:
        raise ScenarioError(f"--dpi {args.dpi}: must be at least 1")
    for path in redraw_run_figures(out, fmt=args.fmt, dpi=args.dpi or 300):
        print(f"-> {path}")
    return EXIT_OK


def cmd_plot(args: argparse.Namespace) -> int:
    from sim.runs.files import save_figure
    from sim.runs.folder import is_run_folder
    from sim.runs.sweep import summarize_points
    from sim.views.sweep import sweep_figure

    folder = Path(args.dir)
    if is_run_folder(folder):
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
    save_figure(sweep_figure(points, args.metric, x, y), path, dpi=args.dpi or 150)
    print(f"-> {path}")
    return EXIT_OK


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "schema": cmd_schema,
            "metrics": cmd_metrics, "reference": cmd_reference, "compare": cmd_compare,
            "sweep": cmd_sweep, "sensitivity": cmd_sensitivity, "summarize": cmd_summarize,
            "plot": cmd_plot}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command in ("run", "compare", "sweep", "sensitivity"):
            import sim.engine.kernels  # noqa: F401 - checks OPINION_ECOLOGY_KERNELS first
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
