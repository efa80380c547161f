"""The one run driver: scenario + seed -> a finished model and its tables.

Every way of running the model goes through :func:`run_scenario`: the command line's
``run``, ``compare``, sweeps and sensitivity, the notebooks, the regression digests.
A run is a function of (scenario, seed): the same inputs give the same numbers, bit
for bit, whichever executor or kernel backend runs it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import Scenario
from sim.config.network import CompleteGraph
from sim.engine.metrics import family_of
from sim.engine.model import OpinionEcologyModel
from sim.engine.scenarios import resolve_scenario


@dataclass
class RunResult:
    """A run and how it ended. ``status``: completed, interrupted (Ctrl-C: the completed
    steps are kept) or failed (an error in a step: ``error`` says which; the completed
    steps are kept)."""

    scenario: Scenario
    model: OpinionEcologyModel
    status: str
    error: str | None
    build_time: float
    wall_time: float

    @property
    def steps_completed(self) -> int:
        """Steps run to their end (a failed run's last step is not one of them)."""
        steps = self.model.steps
        return steps - 1 if self.status == "failed" else steps

    @property
    def metrics(self) -> pd.DataFrame:
        """metrics.csv: the metrics of the run's family, one row per step (a classic model:
        its own measures only; sim.engine.metrics.recorded_metrics)."""
        return self.model.metrics_frame()

    @property
    def classic(self) -> bool:
        """Whether a classic ``dynamics.model`` ran (not the ecology)."""
        return family_of(self.scenario) == "classic"

    @property
    def strata(self) -> pd.DataFrame:
        """strata.csv: per-stratum values, one row per (step, stratum)."""
        return self.model.strata_frame()

    @property
    def platforms(self) -> pd.DataFrame:
        """platforms.csv: per-platform values, one row per (step, platform)."""
        return self.model.platforms_frame()

    @property
    def interventions(self) -> pd.DataFrame:
        """interventions.csv: whether each intervention acted, one row per (step,
        intervention)."""
        return self.model.interventions_frame()

    def tables(self, network_sample_size: int = 300) -> dict[str, pd.DataFrame]:
        """The tables of the run folder (sim.runs.folder.RUN_TABLES), by name: every one for
        the ecology; for a classic model only what means something there: metrics (its own
        measures), opinions and, when its dynamics run on a follow network that is not
        complete, the network sample (no strata, platforms, interventions or attention).
        The network sample is drawn once, from its own stream: drawing it never changes
        the run."""
        tables = {"metrics": self.metrics}
        if not self.classic:
            tables.update(strata=self.strata, platforms=self.platforms,
                          interventions=self.interventions)
        tables["opinions"] = self.model.opinions_frame()
        if not self.classic:
            tables["attention_lorenz"] = self.model.attention_lorenz_frame()
        if self.network_matters:
            nodes, edges = self.model.network_sample(network_sample_size)
            tables.update(network_nodes=nodes, network_edges=edges)
        return tables

    @property
    def network_matters(self) -> bool:
        """Whether the follow network carries the dynamics: always in the ecology; for a
        classic model, if its phase uses the network and the network is not complete
        (complete mixing: a sample of it shows nothing)."""
        if not self.classic:
            return True
        return (all(phase.uses_network for phase in self.model.phases)
                and not isinstance(self.scenario.network, CompleteGraph))


def run_scenario(scenario: Scenario | str | Path, seed: int | None = None, *,
                 overrides: Mapping[str, Any] | list[str] | None = None,
                 progress: Callable[[], Any] | None = None,
                 on_built: Callable[[OpinionEcologyModel, float], Any] | None = None,
                 stop: Callable[[], bool] | None = None,
                 record_errors: bool = False,
                 record_interrupt: bool = False) -> RunResult:
    """Build the model of ``scenario`` (a Scenario, a file or a shipped scenario's name,
    with ``overrides``) with ``seed`` (default: the scenario's ``run.seed``) and run its
    ``run.steps`` steps.

    ``on_built(model, seconds)`` is called once the model is built, ``progress`` after
    each step; ``stop`` before each step: once it returns true, the run ends with status
    ``interrupted`` (the command line's signal handling, :mod:`sim.runs.interrupt`). By
    default an error or Ctrl-C in a step
    propagates; with ``record_errors`` (``record_interrupt``) it ends the run with status
    ``failed`` (``interrupted``) and the steps completed so far. Errors while building
    the model always propagate.
    """
    spec = resolve_scenario(scenario, overrides)
    started = time.perf_counter()
    model = OpinionEcologyModel(spec, rng=seed)
    build_time = time.perf_counter() - started
    if on_built is not None:
        on_built(model, build_time)
    status, error = "completed", None
    try:
        for _ in range(model.spec.run.steps):
            if stop is not None and stop():
                status = "interrupted"
                break
            model.step()
            if progress is not None:
                progress()
    except KeyboardInterrupt:
        if not record_interrupt:
            raise
        status = "interrupted"
    except Exception as exc:
        if not record_errors:
            raise
        status, error = "failed", f"{type(exc).__name__}: {exc}"
    if status == "interrupted":
        model.record()  # stopped between steps: the tables end where the run stopped
    return RunResult(model.spec, model, status, error, build_time,
                     time.perf_counter() - started)
