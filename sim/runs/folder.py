"""The run folder: what ``run.py run`` writes, and how it is read back and redrawn.

=============================  ================================================
file                           content
=============================  ================================================
metrics.csv                    the run's metrics, one row per step
strata.csv                     per-stratum values, one row per (step, stratum)
platforms.csv                  per-platform values, one row per (step, platform)
interventions.csv              whether each intervention acted, per step
opinions.csv                   the public's opinion histogram, per step
attention_lorenz.csv           the attention Lorenz curve at the end
network_sample/nodes.csv       a snowball sample of accounts
network_sample/edges.csv       the follow ties among them
scenario.resolved.yaml         the scenario as run (replay it as it is)
figures/*.png                  the figures (sim.views.run)
summary.json                   status, seed, sizes, timings, versions, file list
=============================  ================================================

A classic model's folder holds only what means something there
(:meth:`~sim.runs.driver.RunResult.tables`): metrics.csv with its own measures,
opinions.csv, the network sample if its dynamics run on a network that is not complete,
and their figures (metrics, opinions, network); no strata, platforms, interventions,
attention or disorder indices.

Every file is written atomically; ``summary.json`` is written last and says whether
the run completed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import Scenario
from sim.runs.driver import RunResult
from sim.runs.files import save_figure, versions, write_csv, write_json, write_resolved_scenario
from sim.views.run import run_figures

RUN_TABLES = {  # table name: file in a run folder
    "metrics": "metrics.csv",
    "strata": "strata.csv",
    "platforms": "platforms.csv",
    "interventions": "interventions.csv",
    "opinions": "opinions.csv",
    "attention_lorenz": "attention_lorenz.csv",
    "network_nodes": "network_sample/nodes.csv",
    "network_edges": "network_sample/edges.csv",
}
NETWORK_SAMPLE_SIZE = 300  # accounts in network_sample/ (a snowball sample; engine.sampling)


def write_run_folder(out: Path, result: RunResult) -> dict[str, Any]:
    """Write every table, the resolved scenario, the figures and, last, summary.json;
    return the summary."""
    out.mkdir(parents=True, exist_ok=True)
    tables = result.tables(NETWORK_SAMPLE_SIZE)
    for name, table in tables.items():
        write_csv(out / RUN_TABLES[name], table)
    write_resolved_scenario(out / "scenario.resolved.yaml", result.scenario.resolved())
    figures = save_run_figures(tables, out / "figures", title=result.scenario.name)
    model = result.model
    summary = {
        "scenario": result.scenario.name,
        "dynamics_model": result.scenario.dynamics.model,
        "status": result.status,
        "error": result.error,
        "seed": result.scenario.run.seed,
        "steps_requested": result.scenario.run.steps,
        "steps_completed": result.steps_completed,
        "accounts": model.state.n,
        "follow_ties": model.state.network.n_ties,
        "final_metrics": model.latest_metrics(),
        "build_time_s": round(result.build_time, 4),
        "wall_time_s": round(result.wall_time, 4),
        "versions": versions(),
        "files": [*(RUN_TABLES[name] for name in tables), "scenario.resolved.yaml",
                  *(path.relative_to(out).as_posix() for path in figures), "summary.json"],
    }
    write_json(out / "summary.json", summary)
    return summary


def write_failed_summary(out: Path, scenario: Scenario, error: str) -> bool:
    """A summary.json saying the run failed and why (best effort: False if even this
    cannot be written)."""
    try:
        write_json(out / "summary.json", {"scenario": scenario.name, "status": "failed",
                                          "error": error, "seed": scenario.run.seed,
                                          "steps_requested": scenario.run.steps,
                                          "steps_completed": 0, "files": ["summary.json"]})
        return True
    except OSError:
        return False


def write_placeholder_summary(out: Path, scenario: Scenario) -> None:
    """Written before a run: if the process dies (or writing fails) before the real
    summary replaces it, the folder still says that it holds no finished results."""
    write_failed_summary(out, scenario, "the run did not finish writing its results (it was "
                         "killed, or writing failed); the other files, if any, are incomplete")


def is_run_folder(folder: Path) -> bool:
    return (folder / "metrics.csv").is_file() and (folder / "summary.json").is_file()


def read_run_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The tables of a run folder that exist (a folder written before a file was added
    lacks it; its figure is then skipped)."""
    return {name: pd.read_csv(folder / file) for name, file in RUN_TABLES.items()
            if (folder / file).is_file()}


def save_run_figures(tables: dict[str, pd.DataFrame], folder: Path, title: str = "",
                     fmt: str = "png", dpi: int = 300) -> list[Path]:
    """Draw every run figure whose tables are present into ``folder``/NAME.fmt."""
    written = []
    for name, fig in run_figures(tables, title):
        path = folder / f"{name}.{fmt}"
        save_figure(fig, path, dpi)
        written.append(path)
    return written
