"""Building blocks of every spec: strict models, constrained numbers, field errors."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Opinion = Annotated[float, Field(ge=-1.0, le=1.0)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", min_length=1, max_length=80)]


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
