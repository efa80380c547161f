"""Scenarios as the engine reads them: with its metric names, by path or by name.

:func:`load_scenario` and :func:`validate_scenario` are :mod:`sim.config`'s with the
engine's metric names in the validation context, so that ``when:`` triggers and sweeps' kept metrics
must name a recorded metric. :func:`resolve_scenario` turns what a user hands the
model (a Scenario, a path or a shipped scenario's name, plus overrides) into a
validated Scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.config import Overrides, Scenario, ScenarioError, apply_overrides
from sim.config import load_scenario as load_config_scenario
from sim.config import validate_scenario as validate_config_scenario
from sim.config.dynamics import CLASSIC_MODELS
from sim.engine.metrics import REGISTRY, model_family, recorded_metrics

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"
"""The repository's scenario folder (shipped scenarios, found by name)."""


def validation_context() -> dict[str, Any]:
    """pydantic's validation context for scenario and sweep files: the metric names, and
    those each ``dynamics.model`` records (``recorded``: the ecology's, or a classic model's
    own measures)."""
    return {"metrics": tuple(REGISTRY),
            "recorded": {model: tuple(recorded_metrics(model_family(model)))
                         for model in ("bounded_confidence", *CLASSIC_MODELS)}}


def load_scenario(path: str | Path, overrides: Overrides | None = None) -> Scenario:
    """Read, override and validate a scenario file; ScenarioError with one clear message
    on any problem (see :func:`sim.config.load_scenario`)."""
    return load_config_scenario(path, overrides, context=validation_context())


def validate_scenario(data: Any, source: str = "<scenario>", **options: Any) -> Scenario:
    """Validate raw scenario data with the engine's metric names (see
    :func:`sim.config.validate_scenario` for the options)."""
    return validate_config_scenario(data, source, context=validation_context(), **options)


def scenario_path(name: str | Path) -> Path:
    """A scenario file: the path itself if it exists, else ``scenarios/<name>.yaml`` in the
    working folder or in the repository."""
    path = Path(name)
    if path.is_file() or path.suffix in (".yaml", ".yml"):
        return path
    for folder in (Path.cwd() / "scenarios", SHIPPED):
        candidate = folder / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    raise ScenarioError(f"scenario {str(name)!r}: no such file, and no scenarios/{name}.yaml "
                        f"in {Path.cwd()} or {SHIPPED.parent}")


def resolve_scenario(scenario: Scenario | str | Path,
                     overrides: Mapping[str, Any] | list[str] | None = None) -> Scenario:
    """A validated Scenario from a Scenario (overrides applied to its data), a path or a
    shipped scenario's name."""
    if isinstance(scenario, Scenario):
        if not overrides:
            return scenario
        data = apply_overrides(scenario.resolved(), overrides)
        return validate_scenario(data, f"<scenario {scenario.name}>", overrides=overrides)
    return load_scenario(scenario_path(scenario), overrides)
