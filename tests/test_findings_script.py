"""scripts/findings.py's statistics, on synthetic runs whose answers are known.

The script takes minutes (docs/findings.md); these tests check that its contrasts compute
what the page says they do: paired differences with t-intervals, the 2^3 factorial's
main effects and interactions, and the difference-in-differences.
"""

from __future__ import annotations

import importlib.util
import itertools

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def findings():
    spec = importlib.util.spec_from_file_location("findings", ROOT / "scripts" / "findings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def runs_of(findings, values: dict[str, dict[int, float]], steps: int = 300,
            metric: str = "disorder_index") -> pd.DataFrame:
    """A long table: for each label and seed, ``metric`` constant over the steps (other
    kept metrics 0)."""
    rows = []
    for label, by_seed in values.items():
        for seed, value in by_seed.items():
            frame = pd.DataFrame({"step": np.arange(steps + 1)})
            for name in findings.KEPT:
                frame[name] = 0.0
            frame[metric] = value
            frame.insert(0, "label", label)
            frame.insert(1, "seed", seed)
            rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def test_interval_is_a_t_interval(findings):
    mean, low, high = findings.interval(np.array([1.0, 2.0, 3.0]))
    assert mean == 2.0
    # t(0.975, 2) = 4.303, sd 1, n 3
    assert high - mean == pytest.approx(4.3027 / np.sqrt(3.0), rel=1e-4)
    assert mean - low == pytest.approx(high - mean)


def test_factorial_recovers_main_effects_and_interactions(findings):
    # cell value = 1 - 0.03 symbol - 0.01 platform - 0.005 node + 0.002 symbol*platform
    # (codes 0/1), identical over seeds; effects on the -1/+1 scale are twice the
    # coefficients' half-differences: main effect = coef + interaction terms averaged
    values = {}
    for bits in itertools.product((0, 1), repeat=3):
        s, p, n = bits
        value = 1.0 - 0.03 * s - 0.01 * p - 0.005 * n + 0.002 * s * p
        chosen = tuple(f for f, on in zip(findings.FAMILIES, bits, strict=True) if on)
        if chosen == ():
            label = "reorder_combined|counterfactual"
        elif chosen == tuple(findings.FAMILIES):
            label = "reorder_combined"
        else:
            label = "factorial|" + "+".join(chosen)
        values[label] = {1: value, 2: value + 0.1}  # a seed effect the pairing removes
    table = findings.factorial(runs_of(findings, values))
    assert table["symbol"][0] == pytest.approx(-0.03 + 0.002 / 2)
    assert table["platform"][0] == pytest.approx(-0.01 + 0.002 / 2)
    assert table["node"][0] == pytest.approx(-0.005)
    assert table["symbol x platform"][0] == pytest.approx(0.002 / 2)
    assert table["symbol x node"][0] == pytest.approx(0.0, abs=1e-12)
    assert table["all three together"][0] == pytest.approx(-0.043)
    assert table["sum of the three single effects"][0] == pytest.approx(-0.045)


def test_difference_in_differences_subtracts_the_counterfactual(findings):
    steps = np.arange(301)
    rows = []
    for label, rise in (("reorder_node", 0.05), ("reorder_node|counterfactual", 0.03)):
        for seed in (1, 2, 3):
            frame = pd.DataFrame({"step": steps})
            for name in findings.KEPT:
                frame[name] = 0.0
            frame["attention_top1_share"] = np.where(steps > 200, rise + 0.001 * seed, 0.0)
            frame.insert(0, "label", label)
            frame.insert(1, "seed", seed)
            rows.append(frame)
    mean, low, high = findings.did(pd.concat(rows), "attention_top1_share")
    assert mean == pytest.approx(0.02)
    assert low == pytest.approx(0.02) and high == pytest.approx(0.02)


def test_imbalance_criteria(findings):
    late = {"baseline": 0.0, "tech_imbalance": 0.1, "market_imbalance": 0.0,
            "social_imbalance": 0.0}
    values = {}
    for label, base in late.items():
        values[label] = {1: base, 2: base + 0.01}
    runs = runs_of(findings, values, steps=200, metric="content_disorder")
    table, holds, within = findings.imbalance_tests(runs)
    assert table.loc["tech_imbalance", "content_disorder"][0] == pytest.approx(0.1)
    assert holds["tech_imbalance"] and within["tech_imbalance"]
    assert not holds["market_imbalance"] and not within["social_imbalance"]
