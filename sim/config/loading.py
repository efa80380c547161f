"""Loading a scenario: read the YAML, apply ``--set`` overrides, validate, report.

Entry points: :func:`load_scenario` (file -> validated :class:`Scenario`),
:func:`validate_scenario` (raw data -> Scenario), :func:`apply_overrides`
(``--set dotted.key=value``, or a mapping of dotted keys) and
:func:`scenario_json_schema`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.config.errors import ScenarioError
from sim.config.messages import format_validation_error
from sim.config.network import EdgeListFile, read_edge_list
from sim.config.scenario import Scenario
from sim.config.yamlio import YamlDocument, parse_override_value, read_yaml_file

Overrides = Sequence[str] | Mapping[str, Any]
"""``["dotted.key=value", ...]`` (values parsed as YAML) or ``{"dotted.key": value}``."""


def override_strings(overrides: Overrides | None) -> list[str]:
    """Overrides as ``dotted.key=value`` strings (a mapping's values written as YAML flow:
    JSON, which YAML reads back unchanged)."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [f"{key}={json.dumps(value)}" for key, value in overrides.items()]
    return list(overrides)


def apply_overrides(data: Any, overrides: Overrides | None) -> Any:
    """Apply overrides to raw scenario data: ``dotted.key=value`` strings (values parsed as
    YAML, as ``--set``) or a mapping of dotted keys to values."""
    if not overrides:
        return data
    data = copy.deepcopy(data)
    for item in override_strings(overrides):
        if "=" not in item:
            raise ScenarioError(f"--set {item}: expected dotted.key=value")
        key, _, raw = item.partition("=")
        parts = [p for p in key.strip().split(".")]
        if not all(parts):
            raise ScenarioError(f"--set {item}: empty part in key {key!r}")
        try:
            value = parse_override_value(raw)
        except ScenarioError as exc:
            raise ScenarioError(f"--set {item}: value is not valid YAML ({exc})") from None
        target = data
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            where = ".".join(parts[: depth + 1])
            if isinstance(target, list):
                if not part.isdigit() or int(part) >= len(target):
                    raise ScenarioError(
                        f"--set {item}: {where}: list index must be 0..{len(target) - 1}"
                    )
                index: Any = int(part)
            elif isinstance(target, dict):
                index = part
            else:
                raise ScenarioError(f"--set {item}: {where}: parent is not a section or list")
            if last:
                target[index] = value
            else:
                if isinstance(target, dict) and index not in target:
                    if parts[depth + 1].isdigit():  # an item of a list the file leaves out
                        raise ScenarioError(
                            f"--set {item}: {where}: the file does not write this list, so "
                            f"item {parts[depth + 1]} cannot be set; write {where} in the file "
                            f"or set the whole list (--set {where}=[...])"
                        )
                    target[index] = {}
                target = target[index]
    return data



def validate_scenario(
    data: Any, source: str = "<scenario>", doc: YamlDocument | None = None,
    base_dir: Path | None = None, overrides: Overrides | None = None,
    context: dict[str, Any] | None = None,
) -> Scenario:
    """Validate raw data; raise ScenarioError with one clear message if it is wrong.

    ``context`` is pydantic's validation context: ``{"metrics": names}`` makes ``when``
    triggers name recorded metrics (the engine's loader passes its registry's names)."""
    if data is None:
        raise ScenarioError(f"{source}: file is empty; expected a scenario mapping")
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{source}: top level must be a mapping of sections (name, population, ...); "
            f"got {type(data).__name__}"
        )
    try:
        scenario = Scenario.model_validate(data, context=context)
    except ValidationError as exc:
        raise ScenarioError(
            format_validation_error(exc, doc, data, source, override_strings(overrides))
        ) from None
    if isinstance(scenario.network, EdgeListFile):
        path = Path(scenario.network.path)
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        scenario.network.path = str(path.resolve())
        pos = doc.position(("network", "path")) if doc is not None else None
        where = f"{source}:{pos[0]}:{pos[1]}" if pos else source
        read_edge_list(path, scenario.population.size, where=f"{where}: network.path")
    return scenario


def load_scenario(path: str | Path, overrides: Overrides | None = None,
                  context: dict[str, Any] | None = None) -> Scenario:
    """Read, override and validate a scenario file. Raises ScenarioError on any problem.
    ``context``: see :func:`validate_scenario` (``sim.load_scenario`` passes the engine's
    metric names)."""
    path = Path(path)
    doc = read_yaml_file(path)
    data = doc.data
    if overrides and isinstance(data, dict):
        data = apply_overrides(data, overrides)
    return validate_scenario(data, str(path), doc, base_dir=path.parent, overrides=overrides,
                             context=context)


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of scenario files (for editors' completion and checking)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "opinion-ecology scenario"
    return schema

