"""scripts/power_findings.py: its contrasts on synthetic runs whose answers are known, and
one small real run of a finding file end to end."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def pf():
    spec = importlib.util.spec_from_file_location("power_findings",
                                                  ROOT / "scripts" / "power_findings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _spec(pf, tmp_path, text: str) -> dict:
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    return pf.read_spec(path)


DEMO = """
scenario: baseline
title: demo
metrics: [m]
window: [3, 4]
contrasts:
  - name: raised
    treatment: ["a=1"]
    control: []
    expect: {m: up}
  - name: other scenario
    treatment: {scenario: other}
    control: []
    expect: {m: zero}
"""


def _runs(values: dict[str, dict[int, list[float]]]) -> pd.DataFrame:
    rows = []
    for arm, by_seed in values.items():
        for seed, series in by_seed.items():
            for step, value in enumerate(series):
                rows.append({"arm": arm, "seed": seed, "step": step, "m": value})
    return pd.DataFrame(rows)


def test_contrasts_are_paired_window_means_with_t_intervals(pf, tmp_path):
    spec = _spec(pf, tmp_path, DEMO)
    base, raised, other = "baseline|", "baseline|a=1", "other|"
    assert [pf.arm_key(c["treatment"]) for c in spec["contrasts"]] == [raised, other]
    # steps 0-2 are outside the window and must not count
    runs = _runs({base: {1: [9, 9, 9, 1.0, 1.0], 2: [9, 9, 9, 2.0, 2.0], 3: [9, 9, 9, 3.0, 3.0]},
                  raised: {1: [0, 0, 0, 3.0, 3.0], 2: [0, 0, 0, 4.5, 4.5],
                           3: [0, 0, 0, 6.0, 6.0]},
                  other: {1: [0, 0, 0, 1.0, 1.0], 2: [0, 0, 0, 2.0, 2.0],
                          3: [0, 0, 0, 3.0, 3.0]}})
    first, second = pf.contrast_rows(spec, runs)
    mean, low, high = first["difference"]  # differences 2, 2.5, 3 (paired by seed)
    assert mean == pytest.approx(2.5)
    assert high - mean == pytest.approx(4.3027 * 0.5 / np.sqrt(3.0), rel=1e-4)
    assert first["holds"] == "yes" and first["control"] == pytest.approx(2.0)
    assert second["difference"][0] == 0.0 and second["holds"] == "yes"  # zero expected
    assert pf.holds((1.0, -0.1, 2.0), "up") is False
    assert pf.holds((-1.0, -2.0, -0.5), "down") is True


def test_a_failed_expectation_is_reported_not_hidden(pf, tmp_path):
    spec = _spec(pf, tmp_path, DEMO)
    base, raised = "baseline|", "baseline|a=1"
    runs = _runs({base: {s: [0, 0, 0, 1.0, 1.0] for s in (1, 2, 3)},
                  raised: {1: [0, 0, 0, 0.5, 0.5], 2: [0, 0, 0, 0.4, 0.4],
                           3: [0, 0, 0, 0.6, 0.6]},
                  "other|": {s: [0, 0, 0, 1.0, 1.0] for s in (1, 2, 3)}})
    rows = pf.contrast_rows(spec, runs)
    assert rows[0]["holds"] == "**no**"
    text = pf.section(spec, rows, [1, 2, 3], (3, 4))
    assert "**no**" in text and "-0.500" in text


def test_a_real_finding_file_runs_end_to_end(pf, tmp_path):
    """Two arms of a shipped scenario on two seeds at 300 accounts: the tables have every
    arm and seed, and the same seeds give the same numbers."""
    spec = _spec(pf, tmp_path, """
scenario: baseline
size: 300
metrics: [attention_gini]
contrasts:
  - name: silence on vs off
    treatment: []
    control: ["dynamics.silence.enabled=false"]
""")
    spec["contrasts"][0]["treatment"]["set"] = ["run.steps=30"]
    spec["contrasts"][0]["control"]["set"] += ["run.steps=30"]
    runs = pf.run_spec(spec, [5, 6], workers=1)
    assert set(runs.seed) == {5, 6} and runs.arm.nunique() == 2
    assert int(runs.step.max()) == 30
    again = pf.run_spec(spec, [5, 6], workers=1)
    pd.testing.assert_frame_equal(runs, again)
    (row,) = pf.contrast_rows(spec, runs)
    assert np.isfinite(row["difference"][0])
