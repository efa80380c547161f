"""Strict, position-aware YAML reading for scenario files.

Only plain data is accepted (``yaml.SafeLoader`` semantics), and on top of it:
duplicate keys, sets (``!!set``: their order, and so the order of anything built from
them, would depend on ``PYTHONHASHSEED``), non-printable characters, excessive aliasing
("billion laughs"), oversized files and files that are not regular files are refused.
The composed node tree is kept so that a validation error on a field path can be
reported with the line and column where that field was written.

:func:`flow_text` writes a value back as YAML flow text that this reader reads as the
same value (for ``dotted.key=value`` overrides written by code).
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.config.errors import ScenarioError
from sim.config.files import NotARegularFile, open_regular

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

    def construct_set(self, node):  # noqa: D102 - replaces SafeLoader's !!set
        raise yaml.constructor.ConstructorError(
            None, None, "!!set is not allowed: a set has no order (the order of its items "
            "would change from run to run); write a list [a, b]", node.start_mark)


_StrictLoader.add_constructor("tag:yaml.org,2002:set", _StrictLoader.construct_set)


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


def _reader_problem(exc: yaml.reader.ReaderError, text: str, source: str) -> str:
    """``file:line:col: ...`` for a character YAML does not allow (a control character)."""
    where = source
    if isinstance(exc.position, int) and 0 <= exc.position <= len(text):
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        where = f"{source}:{line}:{column}"
    code = exc.character if isinstance(exc.character, int) else -1
    what = f"U+{code:04X}" if code >= 0 else repr(exc.character)
    if 0 <= code < 0x20 or 0x7F <= code <= 0x9F:
        what += " (a control character)"
    return (f"{where}: not valid scenario YAML: non-printable character {what} is not "
            f"allowed; scenario files hold printable text only")


def parse_yaml_text(text: str, source: str) -> YamlDocument:
    """Parse YAML text strictly; raise ScenarioError with the position on failure."""
    loader = None
    try:
        loader = _StrictLoader(text)  # checks that every character is printable
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
    except yaml.reader.ReaderError as exc:
        raise ScenarioError(_reader_problem(exc, text, source)) from None
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
        if loader is not None:
            loader.dispose()
    return YamlDocument(data=data, node=node, source=source)


def read_yaml_file(path: str | Path) -> YamlDocument:
    """Read a YAML file with size limit and strict parsing (regular files only: a device or
    a pipe is refused from its ``stat``, never opened for reading)."""
    path = Path(path)
    source = str(path)
    try:
        handle, size = open_regular(path)
    except FileNotFoundError:
        raise ScenarioError(f"{source}: file not found") from None
    except NotARegularFile as exc:
        if exc.kind == "a directory":
            raise ScenarioError(f"{source}: is a directory, expected a YAML file") from None
        raise ScenarioError(f"{source}: is {exc.kind}, not a regular file; expected a YAML "
                            f"file") from None
    except OSError as exc:
        raise ScenarioError(f"{source}: cannot read file: {exc.strerror}") from None
    with handle:
        if size > MAX_FILE_BYTES:
            raise ScenarioError(f"{source}: file is {size} bytes; scenario files are limited "
                                f"to {MAX_FILE_BYTES} bytes")
        try:
            raw = handle.read(MAX_FILE_BYTES + 1)  # the file may have grown since the stat
        except OSError as exc:
            raise ScenarioError(f"{source}: cannot read file: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"{source}: file is more than {MAX_FILE_BYTES} bytes; scenario "
                            f"files are limited to {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{source}: not a UTF-8 text file") from None
    return parse_yaml_text(text, source)


def parse_override_value(text: str) -> Any:
    """Parse the value of a ``--set key=value`` override as YAML (strictly)."""
    return parse_yaml_text(text, "--set").data


# --------------------------------------------------------------------------- writing values

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
            "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P"}
# what a double-quoted string writes as an escape: quotes, backslashes, line breaks, tabs,
# the byte-order mark, and every character YAML does not allow in a file (control
# characters, lone surrogates, U+FFFE, U+FFFF)
_TO_ESCAPE = re.compile('["\\\\\ufeff\u2028\u2029]'
                        '|[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}" if code <= 0xFFFF else (
        f"\\U{code:08X}")


def _quoted(text: str) -> str:
    """A double-quoted YAML string that reads back as ``text`` (see ``_TO_ESCAPE``)."""
    return '"' + _TO_ESCAPE.sub(_escape, text) + '"'


def flow_text(value: Any) -> str:
    """``value`` as YAML flow text that :func:`parse_override_value` reads back as an equal
    value of the same type: null, true/false, integers, floats (``.inf``, ``.nan``,
    ``1.0e+20``: PyYAML reads ``1e+20`` as a string), double-quoted strings, and lists
    (from lists or tuples) and mappings of these.

    TypeError for anything else: a set (it has no order), bytes, dates, objects."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        if int(value).bit_length() > 13_000:  # ~3,900 digits; str() refuses 4,300+
            raise TypeError("an integer of thousands of digits is not plain data")
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return ".nan"
        if math.isinf(number):
            return ".inf" if number > 0 else "-.inf"
        text = repr(number)
        if "." not in text and "e" in text:  # 1e+20 -> 1.0e+20
            mantissa, _, exponent = text.partition("e")
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{flow_text(k)}: {flow_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, set | frozenset):
        raise TypeError("a set has no order (the order of its items would change from run "
                        "to run); give a list")
    raise TypeError(f"{type(value).__name__} is not plain data (allowed: null, true/false, "
                    f"numbers, strings, lists, mappings)")
