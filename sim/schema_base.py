"""Building blocks shared by the scenario schema and the intervention specs."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Opinion = Annotated[float, Field(ge=-1.0, le=1.0)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", min_length=1, max_length=80)]


def _field_error(path: str, message: str) -> ValueError:
    """A validation error attributed to ``path`` (dotted), reported at that field's line."""
    return ValueError(f"@{path}@ {message}")


class Strict(BaseModel):
    """Base of every scenario section: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", validate_default=True)
