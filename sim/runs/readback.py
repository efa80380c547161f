"""Reading results back (``summarize``, ``plot``): folders are checked before use.

A damaged, edited or foreign folder is refused with one message (ScenarioError) instead
of a traceback: the files a folder must hold, that they read, and that they hold what
the command needs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.config import ScenarioError
from sim.config.sweep import SweepSpec
from sim.runs.folder import read_run_tables, save_run_figures

MAX_DPI = 1200  # a 7 x 5 inch figure at 1200 dpi is 50 megapixels: enough for print
SUMMARY_SUFFIXES = ("_final", "_mean", "_peak", "_window_mean")


def is_sweep_folder(folder: Path) -> bool:
    return (folder / "runs.parquet").is_file() and (folder / "sweep.resolved.yaml").is_file()


def read_sweep_folder(folder: Path) -> tuple[SweepSpec, pd.DataFrame]:
    """The sweep's spec (from sweep.resolved.yaml) and its runs table, both checked."""
    from pydantic import ValidationError

    from sim.config.yamlio import read_yaml_file

    if not is_sweep_folder(folder):
        raise ScenarioError(f"{folder}: not a sweep folder (runs.parquet and sweep.resolved.yaml "
                            f"expected)")
    resolved = folder / "sweep.resolved.yaml"
    try:
        spec = SweepSpec.model_validate(read_yaml_file(resolved).data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ScenarioError(f"{resolved}: edited or damaged ({where}: {first['msg']}); it "
                            f"must be the file the sweep wrote") from None
    try:
        runs = pd.read_parquet(folder / "runs.parquet")
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same message
        raise ScenarioError(f"{folder / 'runs.parquet'}: cannot be read ({type(exc).__name__}); "
                            f"rerun the sweep with --resume to rebuild it from parts/") from None
    needed = ["run_id", "point", "status", *(p.name for p in spec.parameters)]
    missing = [c for c in needed if c not in runs.columns]
    if missing:
        raise ScenarioError(f"{folder / 'runs.parquet'}: lacks the columns {', '.join(missing)}; "
                            f"it does not belong to {resolved}")
    return spec, runs


def summary_columns(spec: SweepSpec, runs: pd.DataFrame) -> list[str]:
    """The runs table's per-run summaries of kept metrics (what can be plotted)."""
    return [c for c in runs.columns
            if any(c == m + suffix for m in spec.keep.metrics for suffix in SUMMARY_SUFFIXES)]


def default_plot_metric(spec: SweepSpec, runs: pd.DataFrame) -> str:
    """What ``run.py plot`` draws without --metric: disorder_index_window_mean, or (a sweep
    that did not keep it, e.g. of a classic model) the first summary of a kept metric."""
    columns = summary_columns(spec, runs)
    if "disorder_index_window_mean" in columns or not columns:
        return "disorder_index_window_mean"
    first = [c for c in columns if c.startswith(spec.keep.metrics[0] + "_")] or columns
    return next((c for c in first if c.endswith("_window_mean")), first[0])


def check_plot_request(spec: SweepSpec, runs: pd.DataFrame, metric: str, x: str | None,
                       y: str | None, dpi: int | None) -> None:
    """ScenarioError unless ``metric`` is a summary of a kept metric, the axes are distinct
    swept parameters and ``dpi`` is in 1..MAX_DPI."""
    allowed = summary_columns(spec, runs)
    if metric not in allowed:
        raise ScenarioError(f"--metric {metric}: not a summary in runs.parquet; allowed: "
                            f"{', '.join(allowed)}")
    names = [p.name for p in spec.parameters]
    for axis in (x, y):
        if axis is not None and axis not in names:
            raise ScenarioError(f"--x/--y {axis}: not a swept parameter; allowed: "
                                f"{', '.join(names)}")
    if x is not None and x == y:
        raise ScenarioError(f"--x {x} --y {y}: the two axes must be different parameters")
    check_dpi(dpi)
    if not (runs["status"] == "completed").any():
        raise ScenarioError("runs.parquet: no completed run to plot (see its status and error "
                            "columns)")


def check_dpi(dpi: int | None) -> None:
    if dpi is not None and not 1 <= dpi <= MAX_DPI:
        raise ScenarioError(f"--dpi {dpi}: must be 1..{MAX_DPI}")


def read_run_folder(folder: Path) -> tuple[str, dict[str, pd.DataFrame]]:
    """A run folder's title (its scenario's name) and its tables, each checked to hold rows
    and a ``step`` column where it has one."""
    import json

    try:
        title = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["scenario"]
        tables = read_run_tables(folder)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScenarioError(f"{folder}: cannot read the run's files ({type(exc).__name__}: "
                            f"{exc})") from None
    for name, table in tables.items():
        if name.startswith("network_") or name == "attention_lorenz":
            continue
        if table.empty or "step" not in table.columns:
            raise ScenarioError(f"{folder}: {name}.csv holds no rows (or no step column): the "
                                f"run saved nothing to draw, or the file was damaged")
    return str(title), tables


def redraw_run_figures(folder: Path, fmt: str = "png", dpi: int = 300) -> list[Path]:
    """Redraw every figure of a run folder from its saved tables (nothing is rerun)."""
    title, tables = read_run_folder(folder)
    return save_run_figures(tables, folder / "figures", title=title, fmt=fmt, dpi=dpi)
