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
    compare.add_argument("--seed", type=int, default=None,
                         help="first seed; replicates use seed, seed+1, ... (default: the "
                              "first scenario's run.seed)")
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
    compare.add_argument("--no-memory-check", action="store_true",
                         help="run even if the memory estimate exceeds the available memory")

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
        sweep.add_argument("--max-runs", type=int, default=100_000, metavar="N",
                           help="refuse designs of more runs than this (default 100000; "
                                "raise it for a cluster)")
        sweep.add_argument("--no-memory-check", action="store_true",
                           help="run even if the memory estimate exceeds the available memory")
        if command == "sensitivity":
            sweep.add_argument("--metric", dest="metrics", action="append", default=[],
                               metavar="NAME", help="metric to analyse (repeatable; default: "
                               "the sweep's kept metrics), summary from --summary")
            sweep.add_argument("--summary", default="final",
                               choices=["final", "mean", "peak", "window_mean"],
                               help="which per-run summary to analyse (default final)")

    calibrate = sub.add_parser(
        "calibrate", help="fit a scenario's parameters to observed figures (ABC-SMC posterior "
                          "or Optuna point estimate)")
    calibrate.add_argument("calibration", metavar="CALIBRATION", help="calibration YAML file")
    calibrate.add_argument("--out", metavar="DIR",
                           help="output folder (default: results/<name>-<timestamp>/)")
    calibrate.add_argument("--budget", type=int, metavar="N",
                           help="model runs in total (overrides the file's budget)")
    calibrate.add_argument("--workers", type=int, default=None,
                           help="worker processes (default: all cores; results do not depend "
                                "on it)")
    calibrate.add_argument("--scheduler", metavar="ADDRESS",
                           help="run on Dask: 'local' (a LocalCluster), tcp://host:8786, or a "
                                "scheduler file")
    calibrate.add_argument("--dynamic", action="store_true",
                           help="with --scheduler: pyabc's own Dask sampler (accepts draws as "
                                "they finish; faster with uneven run times, not reproducible)")
    calibrate.add_argument("--seed", type=int, help="calibration seed (overrides the file's)")
    calibrate.add_argument("--resume", action="store_true",
                           help="finish an interrupted calibration in DIR (finished generations "
                                "or batches are kept; a larger --budget continues it)")
    calibrate.add_argument("--force", action="store_true", help="write into a non-empty DIR")
    calibrate.add_argument("--quiet", action="store_true", help="no progress bar")
    calibrate.add_argument("--no-memory-check", action="store_true",
                           help="run even if the memory estimate exceeds the available memory")

    summarize = sub.add_parser("summarize", help="per-point means and 95 %% intervals of a sweep")
    summarize.add_argument("dir", metavar="DIR", help="a sweep's output folder")

    plot = sub.add_parser("plot", help="redraw a run's figures from its saved files, or a "
                                       "heatmap or lines of a metric over swept parameters")
    plot.add_argument("dir", metavar="DIR", help="a run's or a sweep's output folder")
    plot.add_argument("--metric", default=None,
                      help="sweeps: runs.parquet column to plot (default "
                           "disorder_index_window_mean; if not kept, e.g. by a classic "
                           "model's sweep, the first kept metric's window_mean)")
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


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.engine.scenarios import load_scenario
    from sim.runs.resources import available_bytes, estimate_bytes

    have = available_bytes()
    for path in args.scenarios:
        if _is_calibration_file(path):
            from sim.runs.calibrate import load_calibration

            if args.overrides:
                raise ScenarioError(f"{path}: a calibration file; --set applies to scenario "
                                    f"files (write overrides in the calibration's set: list)")
            spec, base, _ = load_calibration(path)
            print(f"{path}: ok (calibration {spec.name}: {spec.method}, {len(spec.parameters)} "
                  f"parameters, {len(spec.targets)} targets, budget {spec.budget} runs of "
                  f"{base})")
            continue
        if _is_sweep_file(path):
            from sim.runs.sweep import load_sweep

            if args.overrides:
                raise ScenarioError(f"{path}: a sweep file; --set applies to scenario files "
                                    f"(write overrides in the sweep's set: list)")
            spec, base = load_sweep(path)
            from sim.config.sweep import expand_runs

            print(f"{path}: ok (sweep {spec.name}: {len(expand_runs(spec))} runs of {base})")
            continue
        scenario = load_scenario(path, args.overrides)
        need = estimate_bytes(scenario)
        warn = " > available memory" if have is not None and need > have else ""
        print(f"{path}: ok ({scenario.name}: {scenario.population.size} accounts, "
              f"{scenario.run.steps} steps, seed {scenario.run.seed}; "
              f"estimated peak memory {need / 1e9:.2f} GB{warn})")
    return EXIT_OK


def _is_sweep_file(path: str) -> bool:
    """A YAML mapping with the sweep keys ``base`` and ``parameters`` (read strictly: a
    broken file is reported by the scenario reader)."""
    from sim.config.yamlio import read_yaml_file

    try:
        data = read_yaml_file(path).data
    except ScenarioError:
        return False
    return isinstance(data, dict) and "base" in data and "parameters" in data


def _is_calibration_file(path: str) -> bool:
    """A YAML mapping with the calibration keys ``base`` and ``targets`` (read strictly: a
    broken file is reported by the scenario reader)."""
    from sim.config.yamlio import read_yaml_file

    try:
        data = read_yaml_file(path).data
    except ScenarioError:
        return False
    return isinstance(data, dict) and "base" in data and "targets" in data


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from sim.config import scenario_json_schema

    text = json.dumps(scenario_json_schema(), indent=2) + "\n"
    if args.out:
        from sim.runs.files import atomic_write_text

        target = Path(args.out)
        if target.exists() and not target.is_file():
            raise ScenarioError(f"--out {target}: not a regular file; write the schema to a "
                                f"file, or leave out --out for standard output")
        atomic_write_text(target, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_metrics(args: argparse.Namespace) -> int:
    from sim.engine.metrics import REGISTRY

    print("metric  [range]  recorded by: ecology (dynamics.model bounded_confidence) and/or "
          "classic (a classic dynamics.model)\n")
    for item in REGISTRY.values():
        print(f"{item.name}  [{item.low:g}, {item.high:g}]  {', '.join(item.families)}")
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
    from sim.runs.outputs import check_output

    scenario = load_scenario(args.scenario, _override_list(args))
    if not args.no_memory_check:
        from sim.runs.resources import check_memory

        check_memory(scenario, args.scenario)
    out = check_output(Path(args.out) if args.out else default_out(scenario.name), args.force)

    from tqdm import tqdm

    from sim.runs.driver import run_scenario
    from sim.runs.folder import write_placeholder_summary
    from sim.runs.interrupt import stop_on_signals
    from sim.runs.outputs import locked_output

    steps = scenario.run.steps
    bars: list = []

    def built(model, seconds: float) -> None:
        if not args.quiet:
            print(f"{scenario.name}: {model.state.n:,} accounts and "
                  f"{model.state.network.n_ties:,} follow ties built in {seconds:.1f} s; "
                  f"running {steps} steps -> {out}", file=sys.stderr, flush=True)
        bars.append(tqdm(total=steps, desc=scenario.name, unit="step",
                         disable=True if args.quiet else None, file=sys.stderr))

    # signals stop the run between steps; a second one while saving only counts
    with stop_on_signals() as flag, locked_output(out):
        write_placeholder_summary(out, scenario)
        try:
            result = run_scenario(scenario, on_built=built, stop=flag.is_set,
                                  progress=lambda: bars[0].update(1), record_errors=True,
                                  record_interrupt=True)
        finally:
            for bar in bars:
                bar.close()
        saved = _save_run(out, result)
    if result.status == "completed" and saved == out:
        if not args.quiet:
            shown = ", ".join(f"{k}={v:.4g}" for k, v in result.model.latest_metrics().items())
            print(f"{scenario.name}: {steps} steps in {result.wall_time:.2f} s -> {out}")
            print(f"final: {shown}")
        return EXIT_OK
    if saved is None:
        return EXIT_FAILED
    if result.status != "completed":
        signal_name = f" by {flag.name}" if flag.is_set() else ""
        print(f"run {result.status}{signal_name} after {result.steps_completed} of {steps} steps"
              + (f" ({result.error})" if result.error else "")
              + f"; the completed steps are saved in {saved} (summary.json: status "
                f"{result.status!r})", file=sys.stderr)
    if result.status == "interrupted":
        return flag.exit_code or EXIT_INTERRUPTED
    return EXIT_FAILED


def _save_run(out: Path, result) -> Path | None:
    """Write the run folder; if writing fails, write it to a rescue folder instead and
    record the failure in ``out``'s summary. The folder written, or None."""
    from sim.runs.folder import write_failed_summary, write_run_folder
    from sim.runs.outputs import rescue_folder

    try:
        write_run_folder(out, result)
        return out
    except OSError as exc:
        problem = f"{exc.strerror or exc} ({exc.filename or out})"
    try:
        rescue = rescue_folder(result.scenario.name)
        write_run_folder(rescue, result)
    except OSError as exc:
        print(f"error: could not write the results to {out}: {problem}; nor to a rescue "
              f"folder: {exc.strerror or exc}", file=sys.stderr)
        return None
    write_failed_summary(out, result.scenario,
                         f"writing the results here failed: {problem}; they were saved in "
                         f"{rescue}")
    print(f"error: could not write the results to {out}: {problem}; they were saved in "
          f"{rescue}", file=sys.stderr)
    return rescue


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.runs.compare import check_size, compare_runs, prepare, window_steps
    from sim.runs.executors import usable_workers
    from sim.runs.files import default_out
    from sim.runs.outputs import check_output

    if args.seeds < 1:
        raise ScenarioError(f"--seeds {args.seeds}: must be at least 1")
    if args.workers < 1:
        raise ScenarioError(f"--workers {args.workers}: must be at least 1")
    overrides = _override_list(args)
    runs, steps = prepare(args.scenarios, overrides, args.counterfactual)
    window = window_steps(args.window, steps)
    check_size(runs, args.seeds, args.workers, memory_check=not args.no_memory_check)
    out = check_output(Path(args.out) if args.out else default_out("compare"), args.force)
    first = args.seed if args.seed is not None else runs[0][1].run.seed
    seeds = list(range(first, first + args.seeds))

    from sim.runs.compare import write_comparison
    from sim.runs.interrupt import stop_on_signals
    from sim.runs.outputs import locked_output

    total = len(runs) * len(seeds)
    workers = usable_workers(args.workers, total)
    print(f"compare: {len(runs)} scenarios x {len(seeds)} seeds = {total} runs of {steps} "
          f"steps on {workers} worker{'s' if workers > 1 else ''} -> {out}", file=sys.stderr)
    bar = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, unit="run", file=sys.stderr)
    with stop_on_signals() as flag, locked_output(out):
        try:
            result = compare_runs(runs, steps, seeds, window, workers=workers,
                                  progress=bar.update if bar else None, stop=flag)
        finally:
            if bar:
                bar.close()
        write_comparison(out, result, {"files": args.scenarios, "overrides": overrides})
    if result.status == "interrupted":
        print(f"compare interrupted by {flag.name}: {len(result.summary)} of {total} runs "
              f"finished; their tables are saved in {out} (compare.json: status "
              f"'interrupted')", file=sys.stderr)
        return flag.exit_code
    differences = result.differences
    table = differences[differences.metric.isin(result.headline)]
    print(f"mean over steps {window[0]}-{window[1]}, difference to {result.reference!r} "
          f"(95 % CI over {len(seeds)} paired seeds):")
    for row in table.itertuples():
        print(f"  {row.scenario:32s} {row.metric:18s} {row.mean_difference:+.4f} "
              f"[{row.ci95_low:+.4f}, {row.ci95_high:+.4f}]")
    if table.empty:
        print("  (one scenario: nothing to compare it with; its runs are in timeseries.csv)")
    return EXIT_OK


def _execute_sweep(args: argparse.Namespace, run):
    """Run ``run(path, out, **options)`` (sweep or sensitivity) with the command's flags,
    showing progress; report the outcome."""
    import os

    from sim.runs.executors import usable_workers

    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise ScenarioError(f"--workers {workers}: must be at least 1")
    bars: list = []

    def announce(spec, out: Path, total: int) -> None:
        used = usable_workers(workers, total)
        where = args.scheduler or f"{used} local worker{'s' if used > 1 else ''}"
        print(f"{spec.name}: {total} runs on {where} -> {out}", file=sys.stderr)

    def progress(total: int, done: int):
        if args.quiet or not sys.stderr.isatty():
            return None
        from tqdm import tqdm

        bars.append(tqdm(total=total, initial=done, unit="run", file=sys.stderr))
        return bars[-1].update

    from sim.runs.interrupt import Interrupted, stop_on_signals

    try:
        with stop_on_signals() as flag:
            outcome = run(args.sweep, args.out, workers=workers, scheduler=args.scheduler,
                          resume=args.resume, force=args.force, progress=progress,
                          announce=announce, stop=flag, max_runs=args.max_runs,
                          memory_check=not args.no_memory_check)
    except Interrupted as stopped:
        for bar in bars:
            bar.close()
        print(str(stopped), file=sys.stderr)
        raise SystemExit(stopped.exit_code) from None
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

    from sim.runs.sensitivity import check_request, sensitivity, warnings_of
    from sim.runs.sweep import load_sweep

    spec, _ = load_sweep(args.sweep, args.max_runs)
    check_request(spec, args.sweep, args.metrics, args.summary)
    result, table = _execute_sweep(args, partial(sensitivity, metrics=args.metrics,
                                                 summary=args.summary))
    print(f"{spec.design.kind} indices -> {result.out / 'sensitivity.csv'}")
    for warning in warnings_of(table, spec.design.kind):
        print(f"warning: {warning}", file=sys.stderr)
    main_index = "ST" if spec.design.kind == "sobol" else "mu_star"
    for row in table[table["index"] == main_index].itertuples():
        print(f"  {row.metric:32s} {row.parameter:20s} {main_index}={row.value:.3f} "
              f"+- {row.conf:.3f}")
    return EXIT_OK


def cmd_calibrate(args: argparse.Namespace) -> int:
    import os

    from sim.runs.calibrate import calibrate
    from sim.runs.interrupt import Interrupted, stop_on_signals

    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    bars: list = []

    def announce(spec, out: Path, used: int) -> None:
        where = args.scheduler or f"{used} local worker{'s' if used > 1 else ''}"
        print(f"{spec.name}: {spec.method}, budget {spec.budget} runs, seed {spec.seed}, on "
              f"{where} -> {out}", file=sys.stderr)

    def progress(total: int, done: int):
        if args.quiet or not sys.stderr.isatty():
            return None
        from tqdm import tqdm

        bars.append(tqdm(total=total, initial=done, unit="run", file=sys.stderr))
        return bars[-1].update

    try:
        with stop_on_signals() as flag:
            result = calibrate(args.calibration, args.out, budget=args.budget, workers=workers,
                               scheduler=args.scheduler, seed=args.seed, resume=args.resume,
                               force=args.force, dynamic=args.dynamic, progress=progress,
                               announce=announce, stop=flag,
                               memory_check=not args.no_memory_check)
    except Interrupted as stopped:
        for bar in bars:
            bar.close()
        print(str(stopped), file=sys.stderr)
        return stopped.exit_code
    finally:
        for bar in bars:
            bar.close()
    summary = result.summary
    if summary["status"] != "completed":
        print(f"calibration {summary['status']}: {summary.get('error', '')} -> {result.out}",
              file=sys.stderr)
        return EXIT_FAILED
    print(f"{result.spec.name}: {summary['budget_used']} of {summary['budget']} runs in "
          f"{summary['wall_time_s']:.0f} s -> {result.out}")
    print("estimates (median [q05, q95]):")
    for key, value in summary["estimates"].items():
        print(f"  {key:40s} {value['median']:.4g} [{value['q05']:.4g}, {value['q95']:.4g}]")
    print("fit (observed, simulated, z):")
    for row in summary["fit"]:
        print(f"  {row['target']:40s} {row['observed']:.4g}  {row['simulated_mean']:.4g}  "
              f"{row['z']:+.2f}")
    return EXIT_OK


def cmd_summarize(args: argparse.Namespace) -> int:
    from sim.runs.files import write_csv
    from sim.runs.readback import read_sweep_folder
    from sim.runs.sweep import summarize_points

    out = Path(args.dir)
    spec, runs = read_sweep_folder(out)
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
    from sim.runs.readback import check_dpi, redraw_run_figures

    out = Path(args.dir)
    for flag in ("metric", "x", "y"):
        if getattr(args, flag) is not None:
            raise ScenarioError(f"--{flag}: applies to sweep folders; {out} is a run folder")
    check_dpi(args.dpi)
    for path in redraw_run_figures(out, fmt=args.fmt, dpi=args.dpi or 300):
        print(f"-> {path}")
    return EXIT_OK


def cmd_plot(args: argparse.Namespace) -> int:
    from sim.runs.files import save_figure
    from sim.runs.folder import is_run_folder
    from sim.runs.readback import (
        check_plot_request,
        default_plot_metric,
        is_sweep_folder,
        read_sweep_folder,
    )
    from sim.runs.sweep import summarize_points
    from sim.views.sweep import sweep_figure

    folder = Path(args.dir)
    if is_run_folder(folder):
        return _plot_run(args)
    if not is_sweep_folder(folder):
        raise ScenarioError(f"{folder}: neither a run folder (metrics.csv and summary.json) nor "
                            f"a sweep folder (runs.parquet and sweep.resolved.yaml)")
    spec, runs = read_sweep_folder(folder)
    metric = args.metric or default_plot_metric(spec, runs)
    names = [p.name for p in spec.parameters]
    x = args.x or names[0]
    y = args.y or (names[1] if len(names) > 1 and args.x is None else None)
    check_plot_request(spec, runs, metric, x, y, args.dpi)
    points = summarize_points(runs, spec)
    # the default axes keep the plain name; chosen axes are part of it (no overwriting)
    chosen = "" if args.x is None and args.y is None else "-by-" + "-".join(
        a for a in (x, y) if a is not None)
    path = folder / "figures" / f"{metric}{chosen}.{args.fmt}"
    save_figure(sweep_figure(points, metric, x, y), path, dpi=args.dpi or 150)
    print(f"-> {path}")
    return EXIT_OK


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "schema": cmd_schema,
            "metrics": cmd_metrics, "reference": cmd_reference, "compare": cmd_compare,
            "sweep": cmd_sweep, "sensitivity": cmd_sensitivity, "calibrate": cmd_calibrate,
            "summarize": cmd_summarize, "plot": cmd_plot}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command in ("run", "compare", "sweep", "sensitivity", "calibrate"):
            import sim.engine.kernels  # noqa: F401 - checks OPINION_ECOLOGY_KERNELS first
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        # runs, comparisons and sweeps handle signals themselves; this is another command,
        # or the time before one began: every file is written whole or not at all
        print("interrupted; no run was in progress, and no file is half written",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `run.py summarize DIR | head`: the reader left
        _quiet_stdout()
        return EXIT_OK
    except OSError as exc:  # a file system error outside the run's own recovery
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_FAILED


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so that Python's exit flush does not
    raise again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
