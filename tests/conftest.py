"""Shared helpers: small scenarios built in code."""

from __future__ import annotations

import copy
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from sim.config import Scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def deep_update(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_update(out[key], value)
        else:
            out[key] = value
    return out


SMALL: dict[str, Any] = {
    "name": "small",
    "population": {
        "size": 600,
        "strata": [
            {"name": "urban", "share": 0.7, "tech_access": 0.9, "literacy": 1.0},
            {"name": "rural", "share": 0.3, "tech_access": 0.5, "literacy": 0.6},
        ],
    },
    "network": {"generator": "barabasi_albert", "m": 4},
    "platforms": [{"name": "big", "share": 0.8}, {"name": "small", "share": 0.2}],
    "dynamics": {"feed_size": 5, "recommendation_share": 0.3, "post_rate": 0.5,
                 "silence": {"enabled": True, "threshold": 0.3}},
    "run": {"steps": 20, "seed": 3},
}


def make_scenario(**sections: Any) -> Scenario:
    """SMALL with the given sections deep-merged in."""
    return validate_scenario(deep_update(SMALL, sections))


@pytest.fixture
def small() -> Scenario:
    return make_scenario()


def parallel_map(func, jobs: list) -> list:
    """map(func, jobs) over the machine's cores (results do not depend on the worker count:
    every run is a function of its scenario and seed). OE_TEST_WORKERS overrides."""
    workers = int(os.environ.get("OE_TEST_WORKERS", os.cpu_count() or 1))
    if workers <= 1 or len(jobs) <= 1:
        return [func(job) for job in jobs]
    # spawn: forking a process that holds threads is deprecated in Python 3.12
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
        return list(pool.map(func, jobs))


@pytest.fixture
def backend():
    """Run a test body under a chosen kernel backend (``backend("numpy")``) and restore
    the default afterwards (the kernel tests' shared fixture)."""
    import sim.engine.kernels as backends

    previous = backends.active_backend()
    yield backends.use_backend
    backends.use_backend(previous)
