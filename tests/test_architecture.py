"""The package's architecture: layers, no import cycle, one mechanism per file, Mesa idioms."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import grimp
import mesa
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from sim.config.interventions import INTERVENTION_SPECS, INTERVENTION_TYPES
from sim.engine import schedule
from sim.engine.interventions import RUNTIME
from sim.engine.kernels import registered_kernels
from sim.engine.mechanisms.base import Phase
from sim.engine.metrics import REGISTRY, recorded_metrics
from sim.engine.model import OpinionEcologyModel
from sim.engine.state import EcologyState, state_fields

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("face", "runs", "engine", "views", "config")
ALLOWED = {  # layer -> the layers it may import (itself included)
    "face": {"face", "runs", "engine", "views", "config"},
    "runs": {"runs", "engine", "views", "config"},
    "engine": {"engine", "config"},
    "views": {"views", "config"},
    "config": {"config"},
}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # every import statement counts: module level, inside functions, under TYPE_CHECKING
    return grimp.build_graph("sim", cache_dir=None)


def _imports(graph: grimp.ImportGraph) -> nx.DiGraph:
    edges = nx.DiGraph()
    for module in graph.modules:
        edges.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            edges.add_edge(module, imported)
    return edges


def test_no_import_cycle_among_sim_modules(graph):
    cycles = list(nx.simple_cycles(_imports(graph)))
    assert cycles == [], f"import cycles: {cycles[:5]}"


def test_imports_only_go_downward(graph):
    wrong = []
    for module, imported in _imports(graph).edges:
        here, there = module.split("."), imported.split(".")
        if len(here) < 2 or len(there) < 2 or here[1] not in LAYERS:
            continue  # the facade (sim/__init__) and the dashboard alias sit above the layers
        if there[1] not in ALLOWED[here[1]]:
            wrong.append(f"{module} -> {imported}")
    assert wrong == []


def test_config_is_a_leaf(graph):
    for module in graph.find_children("sim.config") | {"sim.config"}:
        imported = graph.find_modules_directly_imported_by(module)
        assert all(m.startswith("sim.config") for m in imported), module


def test_import_linter_contract_holds():
    script = Path(sys.executable).with_name("lint-imports")  # beside this interpreter
    result = subprocess.run([str(script), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_every_mechanism_is_one_hop_from_the_schedule():
    """Each phase of the schedule lives alone in a file of engine/mechanisms/ that the
    schedule's table names."""
    table = schedule.__doc__
    for phase in schedule.ECOLOGY_PHASES:
        module = inspect.getmodule(phase)
        assert module.__name__.startswith("sim.engine.mechanisms."), phase
        file = f"mechanisms/{module.__name__.rsplit('.', 1)[1]}.py"
        assert file in table, f"{phase.__name__}: {file} not named in sim/engine/schedule.py"
        assert phase.__name__ in table
        phases = [obj for obj in vars(module).values() if inspect.isclass(obj)
                  and issubclass(obj, Phase) and obj is not Phase
                  and obj.__module__ == module.__name__]
        assert phases == [phase], f"{file} holds {phases}"


def test_phases_are_typed_against_the_ecology_protocol_not_the_model():
    for path in (ROOT / "sim" / "engine" / "mechanisms").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "OpinionEcologyModel" not in text, path.name
    for path in (ROOT / "sim" / "engine" / "classic").glob("*.py"):
        assert "OpinionEcologyModel" not in path.read_text(encoding="utf-8"), path.name


def test_phase_names_and_streams_are_distinct():
    names = [phase.name for phase in schedule.ECOLOGY_PHASES]
    assert len(set(names)) == len(names)


def test_every_intervention_spec_has_its_runtime():
    assert set(RUNTIME) == set(INTERVENTION_TYPES)
    assert len(INTERVENTION_SPECS) == len(INTERVENTION_TYPES) == 13


def test_every_kernel_has_its_compiled_twin_beside_it():
    kernels = registered_kernels()
    assert len(kernels) >= 12
    for item in kernels:
        assert item.compiled_source is not None, item.__name__
        assert item.compiled_source.__module__ == item.reference.__module__, item.__name__


def test_the_state_is_declared_in_one_place():
    """Every array a run holds is a declared field with its meaning; building a model sets
    nothing else on the state."""
    declared = {name for name, *_ in state_fields()}
    for name, kind, _dtype, doc in state_fields():
        assert doc and kind in {"account", "platform", "actor", "structure", "scalar"}, name
    model = OpinionEcologyModel(ROOT / "scenarios" / "all_imbalances.yaml", rng=1,
                                overrides={"population.size": 600, "run.steps": 3})
    model.run_for(3)
    assert set(vars(model.state)) == declared
    assert isinstance(model.state, EcologyState)
    for name, kind, *_ in state_fields():
        value = getattr(model.state, name)
        if kind == "account" and name not in ("raw_opinion", "activity"):
            assert value.shape == (model.state.n,), name
        if kind == "platform":
            assert value.shape == (model.state.n_platforms,), name


def test_no_module_is_left_at_the_top_of_sim():
    top = sorted(p.name for p in (ROOT / "sim").glob("*.py"))
    assert top == ["__init__.py", "dashboard.py"]  # the facade; the dashboard's old path


# --------------------------------------------------------------------------- Mesa idioms


def test_steps_running_and_datacollector():
    model = OpinionEcologyModel("baseline", rng=3, overrides={"population.size": 500,
                                                                "run.steps": 4})
    assert model.steps == 0 and model.running
    while model.running:
        model.step()
    assert model.steps == 4 and not model.running
    collected = model.datacollector.get_model_vars_dataframe()
    frame = model.metrics_frame()
    ecology = recorded_metrics("ecology")  # a classic model records only its own measures
    assert list(collected.columns) == ecology
    np.testing.assert_array_equal(collected.to_numpy(), frame[ecology].to_numpy())
    assert model.datacollector._collection_steps == [0, 1, 2, 3, 4]


def test_batch_run_drives_the_constructor_and_returns_the_metrics():
    results = mesa.batch_run(
        OpinionEcologyModel,
        parameters={"scenario": str(ROOT / "scenarios" / "baseline.yaml"),
                    "overrides": [{"population.size": 300, "run.steps": 3},
                                  {"population.size": 400, "run.steps": 5}]},
        rng=[1, 2], max_steps=100, display_progress=False)
    table = pd.DataFrame(results)
    assert len(table) == 4
    assert sorted(table["Step"]) == [3, 3, 5, 5]
    for name in recorded_metrics("ecology"):
        assert name in table.columns
    again = OpinionEcologyModel(ROOT / "scenarios" / "baseline.yaml", rng=2,
                                overrides={"population.size": 400, "run.steps": 5})
    again.run_for(5)
    row = table[(table.Step == 5) & (table.rng == 2)].iloc[0]
    assert row["disorder_index"] == again.latest_metrics()["disorder_index"]


def test_constructor_accepts_a_scenario_a_path_or_a_name_and_a_generator():
    by_name = OpinionEcologyModel("baseline", rng=5, overrides={"population.size": 300})
    by_path = OpinionEcologyModel(ROOT / "scenarios" / "baseline.yaml", rng=5,
                                  overrides=["population.size=300"])
    by_spec = OpinionEcologyModel(by_path.spec, rng=5)
    for other in (by_path, by_spec):
        np.testing.assert_array_equal(by_name.state.opinion, other.state.opinion)
    assert by_name.spec.run.seed == 5
    from_generator = OpinionEcologyModel("baseline", rng=np.random.default_rng(9),
                                         overrides={"population.size": 300})
    assert 0 <= from_generator.seed < 2**63
    with pytest.raises(ValueError, match="rng"):
        OpinionEcologyModel("baseline", rng=-1, overrides={"population.size": 300})


def test_the_facade_exports_the_public_api():
    facade = importlib.import_module("sim")
    for name in ("OpinionEcologyModel", "load_scenario", "run_scenario", "sweep", "compare",
                 "metric", "sensitivity", "Scenario", "ScenarioError"):
        assert callable(getattr(facade, name)), name
    assert facade.OpinionEcologyModel is OpinionEcologyModel
    assert facade.__version__ != ""


def test_a_registered_metric_is_recorded_and_collected():
    from sim import metric

    @metric("test_online_count", 0.0, np.inf)
    def online_count(s) -> float:
        """Accounts online in the step."""
        return float(np.count_nonzero(s.state.online))

    try:
        model = OpinionEcologyModel("baseline", rng=1, overrides={"population.size": 300,
                                                                    "run.steps": 2})
        model.run_for(2)
        assert model.metrics_frame()["test_online_count"].iloc[-1] == np.count_nonzero(
            model.state.online)
        assert "test_online_count" in model.datacollector.get_model_vars_dataframe()
    finally:
        REGISTRY.pop("test_online_count")


def test_no_phase_loops_over_users_in_python():
    """Phases are vectorised: no for/while loop in a mechanism's step, except over the
    scenario's interventions (Compensation)."""
    for path in (ROOT / "sim" / "engine" / "mechanisms").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "step":
                loops = [n for n in ast.walk(node) if isinstance(n, ast.For | ast.While)]
                if path.name == "compensation.py":
                    assert len(loops) == 1
                else:
                    assert loops == [], path.name


def test_record_every_k_steps_records_fewer_rows_and_the_same_values():
    """run.record_every: rows at 0, k, 2k, ... and the last step, equal to the rows of a run
    recording every step (recording never changes the dynamics); when: triggers read the
    latest recorded row."""
    every = OpinionEcologyModel("baseline", rng=4, overrides={"population.size": 400,
                                                                "run.steps": 23})
    sparse = OpinionEcologyModel("baseline", rng=4, overrides={"population.size": 400,
                                                                 "run.steps": 23,
                                                                 "run.record_every": 5})
    every.run_for(23)
    sparse.run_for(23)
    rows = sparse.metrics_frame()
    assert rows.step.tolist() == [0, 5, 10, 15, 20, 23]
    full = every.metrics_frame().set_index("step").loc[rows.step].reset_index()
    pd.testing.assert_frame_equal(rows, full)
    assert sparse.strata_frame().step.unique().tolist() == [0, 5, 10, 15, 20, 23]
    assert len(sparse.datacollector.get_model_vars_dataframe()) == 6
    np.testing.assert_array_equal(sparse.state.opinion, every.state.opinion)


def test_a_run_stopped_between_steps_records_where_it_stopped():
    from sim.runs.driver import run_scenario

    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 7  # after 7 steps

    result = run_scenario("baseline", 3, overrides={"population.size": 300, "run.steps": 50,
                                                    "run.record_every": 5}, stop=stop)
    assert result.status == "interrupted" and result.steps_completed == 7
    assert result.metrics.step.tolist() == [0, 5, 7]
