"""One clear message for a validation error: ``file:line:col: field.path: what is allowed``.

pydantic reports a location tuple and a message per error; this module strips the
union tags pydantic inserts, finds the section model at the location (for "allowed
keys" and "did you mean" hints), maps the location to the YAML line and column, and
attributes errors on ``--set`` fields to that override.
"""

from __future__ import annotations

import difflib
import re
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.config.dynamics import CLASSIC_MODELS
from sim.config.errors import shown
from sim.config.fields import list_index
from sim.config.interventions import INTERVENTION_TYPES
from sim.config.network import GENERATORS
from sim.config.scenario import Scenario
from sim.config.yamlio import YamlDocument


def _strip_discriminators(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """Drop union tags (e.g. 'barabasi_albert') that pydantic inserts into error paths."""
    out: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict):
            if part in node:
                out.append(part)
                node = node[part]
            elif part in _TAGS and part not in node:
                continue
            else:
                out.append(part)
                node = None
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        else:
            out.append(part)
            node = None
    return tuple(out)


def _allowed_keys(model: type[BaseModel] | None) -> list[str]:
    return list(model.model_fields) if model is not None else []


def _section_model(loc: tuple[Any, ...], data: Any,
                   root: type[BaseModel] | None = None) -> type[BaseModel] | None:
    """The pydantic model that describes the mapping at ``loc`` (for 'allowed keys' hints)."""
    model: Any = root or Scenario
    node = data
    element: Any = None  # the item annotation of a list field, resolved at its index
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if element is not None:
                model, element = _model_of_annotation(element, node), None
            continue
        if model is None:
            return None
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return None
        node = node.get(part) if isinstance(node, dict) else None
        if typing.get_origin(field.annotation) is list:
            element = typing.get_args(field.annotation)[0]
            model = _model_of_annotation(element, None)  # a list of one model
        else:
            model = _model_of_annotation(field.annotation, node)
    return model


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every pydantic model reachable through Annotated, unions and Optional."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found += [m for m in _models_in(arg) if m not in found]
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and not found:
        found += _models_in(origin) if isinstance(origin, type) else []
    return found


def _model_of_annotation(annotation: Any, node: Any) -> type[BaseModel] | None:
    candidates = _models_in(annotation)
    if len(candidates) == 1:
        return candidates[0]
    for key, default in (("generator", None), ("model", "bounded_confidence"), ("type", None)):
        tag = node.get(key, default) if isinstance(node, dict) else None
        for cand in candidates:
            field = cand.model_fields.get(key)
            if tag is not None and field is not None and tag in getattr(
                field.annotation, "__args__", ()
            ):
                return cand
    if isinstance(node, list | None) and candidates and typing.get_origin(annotation) is not list:
        return candidates[0] if len(candidates) == 1 else None
    return None


def _describe(error: dict[str, Any], loc: tuple[Any, ...], data: Any,
              root: type[BaseModel] | None = None) -> str:
    kind = error["type"]
    msg = error["msg"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(_section_model(loc[:-1], data, root))
        key = str(loc[-1])
        hint = difflib.get_close_matches(key, allowed, n=1)
        text = f"unknown field {key!r}"
        if hint:
            text += f"; did you mean {hint[0]!r}?"
        if allowed:
            text += f" (allowed: {', '.join(allowed)})"
        return text
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        key = ("model" if loc and loc[-1] == "dynamics"
               else "type" if "interventions" in loc else "generator")
        tags = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
        hint = difflib.get_close_matches(str(ctx.get("tag")), tags, n=1)
        text = f"unknown {key} {ctx.get('tag')!r}"
        if hint:
            text += f"; did you mean {hint[0]!r}?"
        return text + f" (allowed: {', '.join(tags)})"
    if kind == "union_tag_not_found":
        if "interventions" in loc:
            return "missing 'type' (one of: " + ", ".join(INTERVENTION_TYPES) + ")"
        return "missing 'generator' (one of: " + ", ".join(GENERATORS) + ")"
    if kind.startswith("value_error"):
        msg = msg.removeprefix("Value error, ")
    received = error.get("input")
    if kind in {"int_parsing", "int_type", "float_parsing", "float_type", "bool_parsing",
                "bool_type", "string_type", "list_type", "dict_type", "model_type",
                "int_from_float", "literal_error"} and not isinstance(received, dict | list):
        msg += f"; got {received!r}"
    return msg


_TAGS = {*GENERATORS, "bounded_confidence", *CLASSIC_MODELS, *INTERVENTION_TYPES}


_AT_PATH = re.compile(r"^@([^@]*)@ (.*)$", re.S)


MAX_SHOWN_ERRORS = 5  # chosen: the first few errors, then a count of the rest


def format_validation_error(
    exc: ValidationError, doc: YamlDocument | None, data: Any, source: str,
    overrides: list[str] | None = None, model: type[BaseModel] | None = None,
) -> str:
    """One message: ``file:line:col: field.path: what is wrong / allowed`` per error.

    Unknown keys are listed first (a misspelt key also causes a 'missing' error);
    an error on a field set with ``--set`` is attributed to that override. Only the
    first :data:`MAX_SHOWN_ERRORS` errors are described and located (locating one is a
    walk of the file's nodes); the rest are counted.
    """
    errors = exc.errors(include_url=False, include_context=True, include_input=True)
    # unknown keys first; a stable sort keeps pydantic's order within each group
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    errors = unknown + [e for e in errors if e["type"] != "extra_forbidden"]
    set_keys = [(item.partition("=")[0].strip(), item) for item in overrides or []]
    lines = [_error_line(error, doc, data, source, set_keys, model)
             for error in errors[:MAX_SHOWN_ERRORS]]
    if len(errors) > MAX_SHOWN_ERRORS:
        lines.append(f"... and {len(errors) - MAX_SHOWN_ERRORS} more errors")
    return "\n".join(lines)


def _error_line(error: dict[str, Any], doc: YamlDocument | None, data: Any, source: str,
                set_keys: list[tuple[str, str]], model: type[BaseModel] | None) -> str:
    """``file:line:col: field.path: what is wrong`` for one error."""
    loc = _strip_discriminators(tuple(error["loc"]), data)
    text = _describe(error, loc, data, model)
    match = _AT_PATH.match(text)
    if match:
        sub = tuple(index if (index := list_index(p)) is not None else p
                    for p in match.group(1).split(".") if p)
        # paths inside a section's own validator are relative to that section
        loc = sub if sub and sub[0] in (model or Scenario).model_fields else loc + sub
        text = match.group(2)
    path = ".".join(str(p) for p in loc) or "(top level)"
    where = source
    from_set = [item for key, item in set_keys
                if path == key or path.startswith(key + ".") or key.startswith(path + ".")]
    if from_set:
        where = f"{source} (--set {shown(from_set[-1])})"
    elif doc is not None:
        pos = doc.position(loc)
        if pos is not None:
            where = f"{source}:{pos[0]}:{pos[1]}"
    return f"{where}: {shown(path)}: {shown(text)}"
