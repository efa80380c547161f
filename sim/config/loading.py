"""Loading a scenario: read the YAML, apply ``--set`` overrides, validate, report.

Entry points: :func:`load_scenario` (file -> validated :class:`Scenario`),
:func:`validate_scenario` (raw data -> Scenario), :func:`apply_overrides`
(``--set dotted.key=value``, or a mapping of dotted keys) and
:func:`scenario_json_schema`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.config.errors import ScenarioError, shown
from sim.config.fields import DOTTED_KEY, list_index
from sim.config.messages import format_validation_error
from sim.config.network import EdgeListFile, read_edge_list
from sim.config.scenario import Scenario
from sim.config.yamlio import YamlDocument, flow_text, parse_override_value, read_yaml_file

Overrides = Sequence[str] | Mapping[str, Any]
"""``["dotted.key=value", ...]`` (values parsed as YAML) or ``{"dotted.key": value}``."""


def override_strings(overrides: Overrides | None) -> list[str]:
    """Overrides as ``dotted.key=value`` strings (a mapping's keys must be dotted keys and
    its values plain data, written as YAML flow text that reads back as the same value)."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        items = []
        for key, value in overrides.items():
            if not isinstance(key, str) or not DOTTED_KEY.fullmatch(key):
                raise ScenarioError(
                    f"overrides: {shown(str(key))}: expected a dotted key of names and list "
                    f"indices (e.g. population.size or platforms.0.share)")
            try:
                items.append(f"{key}={flow_text(value)}")
            except TypeError as exc:
                raise ScenarioError(f"overrides: {key}: {exc}") from None
        return items
    return list(overrides)


def apply_overrides(data: Any, overrides: Overrides | None) -> Any:
    """Apply overrides to raw scenario data: ``dotted.key=value`` strings (values parsed as
    YAML, as ``--set``) or a mapping of dotted keys to values."""
    if not overrides:
        return data
    data = copy.deepcopy(data)
    for item in override_strings(overrides):
        if not isinstance(item, str):
            raise ScenarioError(f"--set {shown(repr(item))}: expected a string "
                                f"dotted.key=value")
        if "=" not in item:
            raise ScenarioError(f"--set {shown(item)}: expected dotted.key=value")
        key, _, raw = item.partition("=")
        parts = [p for p in key.strip().split(".")]
        if not all(parts):
            raise ScenarioError(f"--set {shown(item)}: empty part in key {key!r}")
        try:
            value = parse_override_value(raw)
        except ScenarioError as exc:
            raise ScenarioError(f"--set {shown(item)}: value is not valid YAML ({exc})") from None
        target = data
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            where = shown(".".join(parts[: depth + 1]))
            if isinstance(target, list):
                index: Any = list_index(part)
                if index is None or index >= len(target):
                    raise ScenarioError(
                        f"--set {shown(item)}: {where}: list index must be 0..{len(target) - 1}"
                    )
            elif isinstance(target, dict):
                index = part
            else:
                raise ScenarioError(
                    f"--set {shown(item)}: {where}: parent is not a section or list")
            if last:
                target[index] = value
            else:
                if isinstance(target, dict) and index not in target:
                    if list_index(parts[depth + 1]) is not None:  # in a list the file omits
                        raise ScenarioError(
                            f"--set {shown(item)}: {where}: the file does not write this list, "
                            f"so item {parts[depth + 1]} cannot be set; write {where} in the "
                            f"file or set the whole list (--set {where}=[...])"
                        )
                    target[index] = {}
                target = target[index]
    return data


def _find_set(data: Any, path: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """The path of the first set or frozenset inside ``data`` (lists and mappings), if any."""
    stack = [(data, path)]
    seen: set[int] = set()  # shared (aliased) or recursive containers are walked once
    while stack:
        node, where = stack.pop()
        if isinstance(node, set | frozenset):
            return where
        if not isinstance(node, dict | list | tuple) or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            stack.extend((v, (*where, k)) for k, v in reversed(node.items()))
        elif isinstance(node, list | tuple):
            stack.extend((v, (*where, i)) for i, v in reversed(list(enumerate(node))))
    return None


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
    where_set = _find_set(data)
    if where_set is not None:  # from Python: files and --set values cannot hold sets
        path = ".".join(shown(str(p)) for p in where_set) or "(top level)"
        raise ScenarioError(f"{source}: {path}: a set has no order (the order of its items "
                            f"would change from run to run); give a list")
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
                  context: dict[str, Any] | None = None, *,
                  document: YamlDocument | None = None) -> Scenario:
    """Read, override and validate a scenario file. Raises ScenarioError on any problem.
    ``context``: see :func:`validate_scenario` (``sim.load_scenario`` passes the engine's
    metric names). ``document``: the file already read with ``read_yaml_file(path)``
    (a sweep checks thousands of points of one base file; it is never modified)."""
    path = Path(path)
    doc = document if document is not None else read_yaml_file(path)
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

