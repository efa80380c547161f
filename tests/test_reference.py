"""The generated reference pages match the code (schema, metric registry, declared state)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine.metrics import REGISTRY
from sim.engine.state import state_fields
from sim.runs.reference import reference_pages

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference"


@pytest.mark.parametrize("name", sorted(reference_pages()))
def test_reference_page_is_up_to_date(name):
    expected = reference_pages()[name]
    path = REFERENCE / name
    assert path.is_file(), f"{path} is missing: run `python run.py reference`"
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path} is out of date: run `python run.py reference` and commit the result")


def test_reference_pages_cover_everything():
    pages = reference_pages()
    for name in REGISTRY:
        assert f"| `{name}` |" in pages["metrics.md"]
    for name, *_ in state_fields():
        assert f"| `{name}` |" in pages["state.md"]
    for section in ("Population", "Stratum", "PlatformSpec", "SilenceSpec", "TrafficCapSpec",
                    "EchoChamberDynamics", "RunSpec"):
        assert f"## {section}\n" in pages["parameters.md"]
