"""Helpers of the validation suite: small classic-model runs with fixed seeds."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from sim.config import validate_scenario
from sim.engine.classic.pairwise import structurally_converged
from sim.engine.model import OpinionEcologyModel

# OE_VALIDATION_FULL=1 runs more seeds (the higher-precision, opt-in mode)
FULL = os.environ.get("OE_VALIDATION_FULL") == "1"


def seeds(ci: int, full: int) -> range:
    return range(full if FULL else ci)


def classic(dynamics: dict[str, Any], size: int, seed: int, network: dict | None = None,
            initial: dict | None = None) -> OpinionEcologyModel:
    data: dict[str, Any] = {
        "name": "validation",
        "population": {"size": size},
        "network": network or {"generator": "complete"},
        "dynamics": dynamics,
        "run": {"steps": 1, "seed": seed},
    }
    if initial:
        data["population"]["initial_opinion"] = initial
    return OpinionEcologyModel(validate_scenario(data))


def final_clusters(model: OpinionEcologyModel, steps: int) -> float:
    model.run_for(steps)
    return model.latest_metrics()["n_clusters"]


def run_to_convergence(model: OpinionEcologyModel, eps: float, max_steps: int,
                       tol: float = 1e-3) -> int:
    """Steps until every gap between sorted opinions is < tol or >= eps (or max_steps)."""
    steps = 0
    while steps < max_steps and not structurally_converged(model.state.opinion, eps, tol):
        model.step()
        steps += 1
    return steps


def participation_ratio(x: np.ndarray, gap: float) -> float:
    """C = (sum c_k)^2 / sum c_k^2 over groups of sorted opinions split at gaps > gap."""
    ordered = np.sort(x)
    breaks = np.flatnonzero(np.diff(ordered) > gap)
    sizes = np.diff(np.concatenate(([0], breaks + 1, [ordered.size]))).astype(float)
    return float(sizes.sum() ** 2 / np.dot(sizes, sizes))


def settle_time(model: OpinionEcologyModel, steps: int, tol: float = 0.01) -> int:
    """Runs ``steps`` steps; returns the first step at which the mean distance of the
    opinions to their final values falls below ``tol`` (how fast agents settle)."""
    trajectory = [model.state.opinion.copy()]
    for _ in range(steps):
        model.step()
        trajectory.append(model.state.opinion.copy())
    final = trajectory[-1]
    distance = np.array([np.mean(np.abs(x - final)) for x in trajectory])
    return int(np.argmax(distance < tol))
