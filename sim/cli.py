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

    validate = sub.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("scenarios", metavar="FILE", nargs="+")
    validate.add_argument("--set", dest="overrides", action="append", default=[],
                          metavar="KEY=VALUE", help="check with these overrides applied")

    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")

    sub.add_parser("metrics", help="list the recorded metrics and their formulas")
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
    from sim.scenario import load_scenario

    for path in args.scenarios:
        scenario = load_scenario(path, args.overrides)
        print(f"{path}: ok ({scenario.name}: {scenario.population.size} accounts, "
              f"{scenario.run.steps} steps, seed {scenario.run.seed})")
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
    from sim.plots import save_disorder_figure, save_metrics_figure

    out.mkdir(parents=True, exist_ok=True)
    frame = model.metrics_frame()
    write_metrics_csv(out / "metrics.csv", frame)
    write_metrics_csv(out / "strata.csv", model.strata_frame())
    write_metrics_csv(out / "platforms.csv", model.platforms_frame())
    save_disorder_figure(frame, out / "figures" / "disorder.png", title=scenario.name)
    write_resolved_scenario(out / "scenario.resolved.yaml", scenario.resolved(), __version__)
    save_metrics_figure(frame, out / "figures" / "metrics.png", title=scenario.name)
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
        "files": ["metrics.csv", "strata.csv", "platforms.csv", "scenario.resolved.yaml",
                  "figures/metrics.png", "figures/disorder.png", "summary.json"],
    }
    write_json(out / "summary.json", summary)


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "schema": cmd_schema,
            "metrics": cmd_metrics}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
