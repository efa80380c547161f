"""Building blocks of every spec: strict models, constrained numbers, field errors."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Opinion = Annotated[float, Field(ge=-1.0, le=1.0)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", min_length=1, max_length=80)]


DOTTED_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|[0-9]+))*$")
"""A scenario field written as a dotted key of names and list indices
(``platforms.0.gamma``); match it with ``fullmatch``."""
MAX_INDEX_DIGITS = 9  # chosen: a list index of a scenario is a few digits; int() stays cheap


def list_index(text: str) -> int | None:
    """``text`` as a list index if it is 1 to 9 ASCII digits 0-9, else None (``isdigit``
    also accepts '²', which ``int`` refuses, and ``int`` refuses more than 4300 digits)."""
    if 0 < len(text) <= MAX_INDEX_DIGITS and text.isascii() and text.isdigit():
        return int(text)
    return None


def field_error(path: str, message: str) -> ValueError:
    """A validation error attributed to ``path`` (dotted), reported at that field's line."""
    return ValueError(f"@{path}@ {message}")


class Strict(BaseModel):
    """Base of every scenario section: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


SHARE_TOLERANCE = 1e-6  # shares must sum to 1 within this (rounding in hand-written files)


def check_shares_and_names(items: list, what: str) -> None:
    """ValueError unless the items' ``share`` fields sum to 1 and their ``name`` fields are
    unique (strata, platforms); ``what`` names them in the message."""
    total = sum(item.share for item in items)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"{what} shares must sum to 1; they sum to {total:.6g}")
    names = [item.name for item in items]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{what} names must be unique; repeated: {', '.join(dupes)}")


def known_metric(name: str, context: object, what: str) -> None:
    """Raise ValueError if the validation context lists the recorded metrics and ``name``
    is not one of them. The engine passes its registry's names as
    ``context={"metrics": names}``; without a context the name is not checked (config
    knows no metric)."""
    names = context.get("metrics") if isinstance(context, dict) else None
    if names is None or name in names:
        return
    import difflib

    hint = difflib.get_close_matches(name, list(names), n=1)
    extra = f"; did you mean {hint[0]!r}?" if hint else ""
    raise ValueError(f"{what}: unknown metric {name!r}{extra} (see `run.py metrics`)")
