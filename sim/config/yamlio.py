"""Strict, position-aware YAML reading for scenario files.

Only plain data is accepted (``yaml.SafeLoader`` semantics), and on top of it:
duplicate keys, excessive aliasing ("billion laughs") and oversized files are
refused. The composed node tree is kept so that a validation error on a field
path can be reported with the line and column where that field was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.config.errors import ScenarioError

MAX_FILE_BYTES = 1_000_000  # chosen: a scenario is a page of text, not data
MAX_ALIASES = 100  # chosen: enough for hand-written anchors, far below a bomb
MAX_EXPANDED_NODES = 200_000  # chosen: a scenario with aliases expanded stays small


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases and rejects duplicate mapping keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_count = 0

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(
                    f"line {mark.line + 1}: more than {MAX_ALIASES} aliases (*ref); "
                    "refusing a file that may expand without limit"
                )
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML hook
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first written at line {seen[key].line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


@dataclass
class YamlDocument:
    """Parsed YAML data plus the node tree used to locate fields."""

    data: Any
    node: yaml.Node | None
    source: str

    def position(self, loc: tuple[Any, ...]) -> tuple[int, int] | None:
        """Return (line, column), 1-based, of the deepest node on ``loc`` that exists."""
        node = self.node
        best = None if node is None else node.start_mark
        for part in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == str(part):
                        child = value_node
                        best = key_node.start_mark
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if 0 <= part < len(node.value):
                    child = node.value[part]
                    best = child.start_mark
            if child is None:
                break
            node = child
        if best is None:
            return None
        return best.line + 1, best.column + 1


def _check_expansion(root: yaml.Node, source: str) -> None:
    """Refuse documents whose aliases would expand to too many nodes ("billion laughs")."""
    sizes: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if not children_done:
            if id(node) in entered:
                line = node.start_mark.line + 1
                raise ScenarioError(f"{source}:{line}: recursive alias; refusing the file")
            entered.add(id(node))
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if children_done or not children:
            total = 1 + sum(sizes.get(id(c), 0) for c in children)
            if total > MAX_EXPANDED_NODES:
                raise ScenarioError(
                    f"{source}: aliases expand to more than {MAX_EXPANDED_NODES} values; "
                    "refusing a file that may expand without limit"
                )
            sizes[id(node)] = total
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)


def parse_yaml_text(text: str, source: str) -> YamlDocument:
    """Parse YAML text strictly; raise ScenarioError with the position on failure."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_expansion(node, source)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = exc.problem or str(exc)
        if "tag:yaml.org,2002:merge" in problem:
            problem = ("YAML merge keys ('<<') are not supported in scenario files; write the "
                       "keys out in full")
        elif "could not determine a constructor" in problem:
            problem = (
                f"{problem.strip()}; only plain YAML data is allowed "
                "(no tags that construct objects)"
            )
        raise ScenarioError(f"{where}: not valid scenario YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}: not valid scenario YAML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{source}: not valid scenario YAML: nested too deeply "
                            f"(scenario files are a few levels deep)") from None
    except ValueError as exc:  # e.g. an integer literal of thousands of digits
        problem = "a number has too many digits" if "digits" in str(exc) else str(exc)
        raise ScenarioError(f"{source}: not valid scenario YAML: {problem}") from None
    except TypeError as exc:  # e.g. a list used as a mapping key
        raise ScenarioError(f"{source}: not valid scenario YAML: {exc}; mapping keys must be "
                            f"plain names") from None
    finally:
        loader.dispose()
    return YamlDocument(data=data, node=node, source=source)


def read_yaml_file(path: str | Path) -> YamlDocument:
    """Read a YAML file with size limit and strict parsing."""
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ScenarioError(f"{source}: file not found") from None
    except OSError as exc:
        raise ScenarioError(f"{source}: cannot read file: {exc.strerror}") from None
    if path.is_dir():
        raise ScenarioError(f"{source}: is a directory, expected a YAML file")
    if not path.is_file():  # a device or a pipe: its size says nothing; never read it
        raise ScenarioError(f"{source}: not a regular file; expected a YAML file")
    if size > MAX_FILE_BYTES:
        raise ScenarioError(
            f"{source}: file is {size} bytes; scenario files are limited to {MAX_FILE_BYTES} bytes"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{source}: not a UTF-8 text file") from None
    except OSError as exc:
        raise ScenarioError(f"{source}: cannot read file: {exc.strerror}") from None
    return parse_yaml_text(text, source)


def parse_override_value(text: str) -> Any:
    """Parse the value of a ``--set key=value`` override as YAML (strictly)."""
    return parse_yaml_text(text, "--set").data
