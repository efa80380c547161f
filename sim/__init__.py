"""opinion-ecology: simulate how power shapes online public opinion, and what re-balances it.

The package's folders are its architecture; imports only go downward::

    sim/face    the command line (run.py) and the dashboard
    sim/runs    running: one run, comparisons, sweeps, sensitivity, run folders
    sim/engine  the model: state, mechanisms, interventions, metrics, kernels
    sim/config  scenario and sweep files: specs, reading, messages
    sim/views   figures from result tables (imports only config)

The public facade (each name is imported on first use, so ``import sim`` is cheap)::

    from sim import OpinionEcologyModel, load_scenario, run_scenario, sweep, compare, metric

* ``OpinionEcologyModel(scenario, *, rng=None, overrides=None)`` - the Mesa model
  (a Scenario, a file or a shipped scenario's name; overrides as dotted keys);
* ``load_scenario(path, overrides=None)`` - a validated Scenario;
* ``run_scenario(scenario, seed=None, ...)`` - run it; its tables and status;
* ``compare(scenarios, seeds, ...)`` - scenarios on common seeds, paired differences;
* ``sweep(path, out, ...)`` and ``sensitivity(path, out, ...)`` - parameter sweeps;
* ``calibrate(path, out, ...)`` - fit parameters to observed figures (ABC-SMC or Optuna);
* ``metric(name, low, high)`` - register a metric (a decorator).
"""

from __future__ import annotations

from typing import Any

__all__ = ["OpinionEcologyModel", "Scenario", "ScenarioError", "calibrate", "compare",
           "load_scenario", "metric", "run_scenario", "sensitivity", "sweep"]


def __getattr__(name: str) -> Any:
    if name == "OpinionEcologyModel":
        from sim.engine.model import OpinionEcologyModel as value
    elif name == "load_scenario":
        from sim.engine.scenarios import load_scenario as value
    elif name == "run_scenario":
        from sim.runs.driver import run_scenario as value
    elif name == "compare":
        from sim.runs.compare import compare as value
    elif name == "sweep":
        from sim.runs.sweep import sweep as value
    elif name == "calibrate":
        from sim.runs.calibrate import calibrate as value
    elif name == "sensitivity":
        from sim.runs.sensitivity import sensitivity as value
    elif name == "metric":
        from sim.engine.metrics.registry import metric as value
    elif name == "Scenario":
        from sim.config import Scenario as value
    elif name == "ScenarioError":
        from sim.config import ScenarioError as value
    elif name == "__version__":
        from sim.runs.files import package_version

        value = package_version()
    else:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    globals()[name] = value
    return value
