"""Classic models record, write, print and draw their own measures only (issues 16 and 19).

A classic ``dynamics.model`` has no platforms, strata, feeds or attention: its metrics.csv
holds the metrics tagged ``classic`` in the registry (opinion mean and variance,
polarisation, clusters, convergence), its run folder only the tables and figures that
mean something there, and sweeps and comparisons over it keep those measures.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from sim.config import ScenarioError
from sim.config.outcomes import DISORDER_INDICES
from sim.engine.metrics import REGISTRY, metric, recorded_metrics
from sim.engine.metrics.registry import MetricDef
from sim.runs.compare import compare
from sim.runs.driver import run_scenario
from sim.runs.folder import write_run_folder
from sim.runs.sweep import load_sweep

from .conftest import ROOT, SCENARIOS

CLASSIC = ["opinion_mean", "opinion_var", "polarization", "n_clusters", "effective_clusters",
           "opinion_change"]
CLASSIC_FILES = sorted(p.name for p in SCENARIOS.glob("classic_*.yaml"))
SMALL = ["population.size=120", "run.steps=8"]
ECOLOGY_FIGURES = {"disorder", "platforms", "lorenz", "silence"}


def test_the_registry_tags_the_classic_measures():
    assert recorded_metrics("classic") == CLASSIC
    ecology = recorded_metrics("ecology")
    assert "opinion_change" not in ecology
    assert set(DISORDER_INDICES) <= set(ecology)
    assert all(REGISTRY[name].families == ("ecology",) for name in ecology
               if name not in CLASSIC)


def test_an_untagged_metric_is_the_ecologys_and_a_bad_tag_is_refused():
    assert MetricDef("x", float, 0.0, 1.0, "").families == ("ecology",)
    with pytest.raises(ValueError, match="families"):
        metric("x", 0.0, 1.0, families=("platforms",))


@pytest.mark.parametrize("name", CLASSIC_FILES)
def test_a_classic_run_records_exactly_its_measures(name):
    result = run_scenario(SCENARIOS / name, overrides=SMALL)
    frame = result.metrics
    assert list(frame.columns) == ["step", *CLASSIC]
    assert len(frame) == 9
    assert result.strata.empty and result.platforms.empty and result.interventions.empty
    assert set(result.model.latest_metrics()) == set(CLASSIC)


@pytest.mark.parametrize("every", [1, 3])
def test_opinion_change_is_the_mean_absolute_change_per_step(every):
    from sim.engine.model import OpinionEcologyModel

    model = OpinionEcologyModel(SCENARIOS / "classic_deffuant.yaml",
                                overrides=[*SMALL, f"run.record_every={every}"])
    assert model.latest_metrics()["opinion_change"] == 0.0  # step 0
    before = model.state.opinion.copy()
    for _ in range(every):
        model.step()
    expected = np.abs(model.state.opinion - before).mean() / every
    assert expected > 0
    assert model.latest_metrics()["opinion_change"] == pytest.approx(expected, rel=1e-12)


def test_a_classic_run_folder_holds_only_what_means_something(tmp_path):
    for name, network in [("classic_deffuant.yaml", False), ("classic_voter.yaml", True),
                          ("classic_echo_chamber.yaml", False)]:
        out = tmp_path / name
        summary = write_run_folder(out, run_scenario(SCENARIOS / name, overrides=SMALL))
        figures = {p.stem for p in (out / "figures").glob("*.png")}
        assert figures == {"metrics", "opinions", *(["network"] if network else [])}, name
        assert not figures & ECOLOGY_FIGURES
        for table in ("strata.csv", "platforms.csv", "interventions.csv",
                      "attention_lorenz.csv"):
            assert not (out / table).exists(), (name, table)
        assert (out / "network_sample" / "nodes.csv").exists() == network, name
        assert (out / "metrics.csv").read_text().splitlines()[0] == ",".join(["step", *CLASSIC])
        stored = json.loads((out / "summary.json").read_text())
        assert set(stored["final_metrics"]) == set(CLASSIC) == set(summary["final_metrics"])
        assert stored["dynamics_model"] == name.removeprefix("classic_").removesuffix(".yaml")\
            .replace("hk", "hegselmann_krause")
        assert all((out / f).exists() for f in stored["files"] if f != "summary.json")


def test_an_ecology_run_folder_is_unchanged(tmp_path):
    out = tmp_path / "baseline"
    write_run_folder(out, run_scenario(SCENARIOS / "baseline.yaml",
                                       overrides=["population.size=300", "run.steps=2"]))
    figures = {p.stem for p in (out / "figures").glob("*.png")}
    assert figures == {"disorder", "metrics", "opinions", "platforms", "lorenz", "silence",
                       "network"}
    assert "opinion_change" not in (out / "metrics.csv").read_text().splitlines()[0]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_run_py_metrics_marks_what_a_classic_model_records():
    result = _cli("metrics")
    assert result.returncode == 0, result.stderr
    marks = {line.split()[0]: line for line in result.stdout.splitlines()
             if line and not line.startswith((" ", "metric "))}
    assert set(marks) == set(REGISTRY)
    for name, line in marks.items():
        assert line.rstrip().endswith("classic") == (name in CLASSIC), line
    assert marks["disorder_index"].rstrip().endswith("ecology")


def test_the_cli_prints_a_classic_runs_own_measures(tmp_path):
    result = _cli("run", SCENARIOS / "classic_deffuant.yaml", "--set", "population.size=100",
                  "--steps", "3", "--out", tmp_path / "run")
    assert result.returncode == 0, result.stderr
    final = result.stdout.splitlines()[-1]
    assert final.startswith("final: ")
    assert [item.split("=")[0] for item in final.removeprefix("final: ").split(", ")] == CLASSIC


def _sweep(tmp_path, base: str, keep: str = "") -> object:
    path = tmp_path / "sweep.yaml"
    path.write_text(f"name: s\nbase: {SCENARIOS / base}\nset: [population.size=100, "
                    f"run.steps=4]\nparameters:\n  - {{name: seed_like, path: run.seed, "
                    f"values: [1, 2]}}\n{keep}", encoding="utf-8")
    return path


def test_a_sweep_over_a_classic_model_keeps_its_measures_by_default(tmp_path):
    spec, _ = load_sweep(_sweep(tmp_path, "classic_deffuant.yaml"))
    assert spec.keep.metrics == CLASSIC
    spec, _ = load_sweep(_sweep(tmp_path, "baseline.yaml"))
    assert spec.keep.metrics == list(DISORDER_INDICES)
    spec, _ = load_sweep(_sweep(tmp_path, "classic_voter.yaml", "keep: {metrics: [polarization]}"))
    assert spec.keep.metrics == ["polarization"]


def test_a_sweep_keeping_a_metric_the_classic_model_does_not_record_is_refused(tmp_path):
    path = _sweep(tmp_path, "classic_voter.yaml", "keep: {metrics: [disorder_index]}")
    with pytest.raises(ScenarioError, match="'disorder_index' is not recorded by "
                       "dynamics.model 'voter'.*records: opinion_mean"):
        load_sweep(path)
    result = _cli("sweep", path, "--out", tmp_path / "out", "--quiet")
    assert result.returncode == 2 and "not recorded" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_classic_sweep_runs_and_plots_without_a_metric_flag(tmp_path):
    out = tmp_path / "out"
    result = _cli("sweep", _sweep(tmp_path, "classic_hk.yaml"), "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    import pandas as pd

    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs.status == "completed").all()
    assert {f"{m}_final" for m in CLASSIC} <= set(runs.columns)
    result = _cli("plot", out)
    assert result.returncode == 0, result.stderr
    assert (out / "figures" / "opinion_mean_window_mean.png").is_file()


def test_compare_over_classic_scenarios_compares_their_measures(tmp_path):
    result = compare([SCENARIOS / "classic_deffuant.yaml", SCENARIOS / "classic_deffuant.yaml"],
                     seeds=2, overrides=["population.size=80", "run.steps=4"])
    assert result.headline == CLASSIC
    assert set(result.differences.metric) == set(CLASSIC)
    assert list(result.timeseries.columns) == ["scenario", "seed", "step", *CLASSIC]
