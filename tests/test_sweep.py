"""Sweeps: designs, identical results across executors, crash-safe resume, sensitivity."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from sim.config import ScenarioError
from sim.config.sweep import expand_runs, run_seed
from sim.runs.sweep import load_sweep
from tests.conftest import ROOT, SCENARIOS

SMALL_SWEEP = f"""name: tiny
base: {SCENARIOS / 'baseline.yaml'}
set: [population.size=300, run.steps=8]
parameters:
  - {{name: gamma, path: platforms.0.gamma, values: [0.0, 1.5]}}
  - {{name: tech, map: {{population.strata.3.tech_access: [0.5, 0.1]}}, range: [0, 1, 3]}}
design: {{kind: grid}}
replicates: 2
seed: 11
keep: {{metrics: [disorder_index, silent_share], timeseries: true}}
"""


def write(tmp_path, text: str, name: str = "sweep.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def cli(*args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def results(out):
    runs = pd.read_parquet(out / "runs.parquet").drop(columns="wall_time_s")
    series = pd.read_parquet(out / "timeseries.parquet")
    return runs, series


def test_grid_expands_to_stable_ids_seeds_and_overrides(tmp_path):
    spec, _ = load_sweep(write(tmp_path, SMALL_SWEEP))
    runs = expand_runs(spec)
    assert len(runs) == 2 * 3 * 2
    assert runs[0]["run_id"] == "p00000-r000" and runs[-1]["run_id"] == "p00005-r001"
    assert runs[4]["values"] == {"gamma": 0.0, "tech": 1.0}
    assert "population.strata.3.tech_access=0.1" in runs[4]["overrides"]
    assert runs[1]["seed"] == run_seed(11, 0, 1)
    assert len({r["seed"] for r in runs}) == len(runs)


def test_sampling_designs_respect_bounds_and_sizes(tmp_path):
    text = SMALL_SWEEP.replace("values: [0.0, 1.5]", "low: 0.0, high: 1.5").replace(
        "range: [0, 1, 3]", "low: 0.0, high: 1.0")
    for design, count in (("{kind: latin_hypercube, n: 7}", 7),
                          ("{kind: sobol, n: 4, second_order: true}", 4 * (2 * 2 + 2)),
                          ("{kind: morris, n: 3}", 3 * 3)):
        spec, _ = load_sweep(write(tmp_path, text.replace("{kind: grid}", design)))
        points = {r["point"]: r["values"] for r in expand_runs(spec)}
        assert len(points) == count
        for values in points.values():
            assert 0.0 <= values["gamma"] <= 1.5 and 0.0 <= values["tech"] <= 1.0


@pytest.mark.slow
def test_same_results_serially_on_processes_and_on_a_dask_local_cluster(tmp_path):
    sweep = write(tmp_path, SMALL_SWEEP)
    outs = {}
    for label, extra in (("serial", ["--workers", "1"]), ("processes", ["--workers", "2"]),
                         ("dask", ["--scheduler", "local", "--workers", "2"])):
        outs[label] = tmp_path / label
        result = cli("sweep", sweep, "--out", outs[label], "--quiet", *extra)
        assert result.returncode == 0, result.stderr
    runs, series = results(outs["serial"])
    assert list(runs.status.unique()) == ["completed"] and len(runs) == 12
    assert len(series) == 12 * 9  # steps 0..8
    for label in ("processes", "dask"):
        other_runs, other_series = results(outs[label])
        pd.testing.assert_frame_equal(runs, other_runs, check_exact=True)
        pd.testing.assert_frame_equal(series, other_series, check_exact=True)


@pytest.mark.slow
def test_a_sweep_killed_with_sigkill_resumes_to_the_same_tables(tmp_path):
    text = SMALL_SWEEP.replace("replicates: 2", "replicates: 4").replace(
        "run.steps=8", "run.steps=30")
    sweep = write(tmp_path, text)
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    assert cli("sweep", sweep, "--out", whole, "--workers", "1", "--quiet").returncode == 0
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "sweep", str(sweep),
                             "--out", str(broken), "--workers", "2", "--quiet"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline:
        parts = [p for p in (broken / "parts").glob("*.parquet")
                 if not p.name.endswith(".ts.parquet")] if (broken / "parts").exists() else []
        if len(parts) >= 5:
            break
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its workers, mid-sweep
    proc.wait()
    finished = len([p for p in (broken / "parts").glob("*.parquet")
                    if not p.name.endswith(".ts.parquet")])
    assert 5 <= finished < 24, "killed partway"
    assert not (broken / "runs.parquet").exists()
    result = cli("sweep", sweep, "--out", broken, "--workers", "2", "--resume", "--quiet")
    assert result.returncode == 0, result.stderr
    runs, series = results(broken)
    expected_runs, expected_series = results(whole)
    pd.testing.assert_frame_equal(runs, expected_runs, check_exact=True)
    pd.testing.assert_frame_equal(series, expected_series, check_exact=True)
    assert runs.run_id.is_unique and len(runs) == 24
    assert not list(broken.rglob("*.tmp"))


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    from sim.engine.model import OpinionEcologyModel
    from sim.runs.sweep import run_sweep

    spec, base = load_sweep(write(tmp_path, SMALL_SWEEP))
    doomed = run_seed(11, 2, 1)
    original = OpinionEcologyModel.step

    def step(self):
        if self.seed == doomed and self.steps == 4:  # the 4th step
            raise FloatingPointError("boom")
        original(self)

    monkeypatch.setattr(OpinionEcologyModel, "step", step)
    runs = run_sweep(spec, base, tmp_path / "out", workers=1)
    failed = runs[runs.status == "failed"]
    assert failed.run_id.tolist() == ["p00002-r001"]
    assert "FloatingPointError: boom" in failed.error.iloc[0]
    assert (runs.status == "completed").sum() == 11
    # resume retries only the failed run
    monkeypatch.setattr(OpinionEcologyModel, "step", original)
    runs = run_sweep(spec, base, tmp_path / "out", workers=1, resume=True)
    assert (runs.status == "completed").all()


@pytest.mark.parametrize("design, indices, points", [
    ("{kind: sobol, n: 4, second_order: false}", {"S1", "ST"}, 4 * (2 + 2)),
    ("{kind: morris, n: 3}", {"mu", "mu_star", "sigma"}, 3 * (2 + 1)),
])
def test_sensitivity_writes_indices_and_summarize_and_plot_work(tmp_path, design, indices,
                                                                 points):
    text = SMALL_SWEEP.replace("values: [0.0, 1.5]", "low: 0.0, high: 1.5").replace(
        "range: [0, 1, 3]", "low: 0.0, high: 1.0").replace(
        "{kind: grid}", design).replace("replicates: 2", "replicates: 1")
    out = tmp_path / "sens"
    result = cli("sensitivity", write(tmp_path, text), "--out", out, "--workers", "2",
                 "--quiet", "--metric", "disorder_index")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["index"]) == indices
    assert set(table["parameter"]) == {"gamma", "tech"}
    assert np.isfinite(table["value"]).all()
    assert (out / "sensitivity.csv").read_text().startswith("metric,parameter,index,value,conf")
    assert (out / "figures" / "sensitivity.png").is_file()
    result = cli("summarize", out)
    assert result.returncode == 0 and (out / "points.csv").is_file()
    table = pd.read_csv(out / "points.csv")
    assert len(table) == points and "disorder_index_final_ci95_low" in table
    result = cli("plot", out, "--metric", "disorder_index_final")
    assert result.returncode == 0, result.stderr
    assert (out / "figures" / "disorder_index_final.png").is_file()


@pytest.mark.parametrize("change, message", [
    (("name: tiny", "name: tiny\nreplicate: 2"), "did you mean 'replicates'"),
    (("disorder_index, silent_share", "disorder_idx"), "unknown metric 'disorder_idx'"),
    (("values: [0.0, 1.5]", "values: [50.0]"),
     "run p00000-r000 (gamma=50.0, tech=0.0)"),
    (("{kind: grid}", "{kind: sobol, n: 6}"), "must be a power of 2"),
    (("baseline.yaml", "nowhere.yaml"), "scenario file not found"),
    (("path: platforms.0.gamma", "path: 'platforms.0.gamma=9 run.seed'"),
     "parameters.0.path: must be a dotted scenario key of names and list indices"),
    (("population.strata.3.tech_access:", "'population.strata.3.tech_access=0':"),
     "parameters.1.map: key 'population.strata.3.tech_access=0' must be a dotted"),
    (("values: [0.0, 1.5]", "values: !!set {0.0, 1.5}"), "!!set is not allowed"),
])
def test_bad_sweep_files_are_refused_with_one_clear_message(tmp_path, change, message):
    path = write(tmp_path, SMALL_SWEEP.replace(*change))
    with pytest.raises(ScenarioError) as err:
        load_sweep(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    result = cli("sweep", path, "--out", tmp_path / "out", "--quiet")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_resume_refuses_a_changed_sweep_file(tmp_path):
    sweep = write(tmp_path, SMALL_SWEEP.replace("values: [0.0, 1.5]", "values: [0.0]"))
    out = tmp_path / "out"
    assert cli("sweep", sweep, "--out", out, "--workers", "1", "--quiet").returncode == 0
    write(tmp_path, SMALL_SWEEP)
    result = cli("sweep", sweep, "--out", out, "--resume", "--quiet")
    assert result.returncode == 2 and "changed since" in result.stderr
    result = cli("sweep", sweep, "--out", out, "--quiet")
    assert result.returncode == 2 and "not empty" in result.stderr


def test_shipped_sweep_files_are_valid():
    for path in sorted((SCENARIOS / "sweeps").glob("*.yaml")):
        spec, _ = load_sweep(path)
        assert expand_runs(spec)


def test_a_sweep_run_equals_the_same_scenario_run_alone(tmp_path):
    """Determinism across commands: a sweep's run gives the numbers `run.py run` gives for the
    same scenario and seed."""
    text = SMALL_SWEEP.replace("values: [0.0, 1.5]", "values: [1.5]").replace(
        "range: [0, 1, 3]", "values: [1.0]").replace("replicates: 2", "replicates: 1")
    sweep = write(tmp_path, text)
    assert cli("sweep", sweep, "--out", tmp_path / "sw", "--workers", "1",
               "--quiet").returncode == 0
    runs = pd.read_parquet(tmp_path / "sw" / "runs.parquet")
    series = pd.read_parquet(tmp_path / "sw" / "timeseries.parquet")
    seed = int(runs.seed.iloc[0])
    result = cli("run", SCENARIOS / "baseline.yaml", "--out", tmp_path / "alone", "--quiet",
                 "--set", "population.size=300", "--set", "run.steps=8",
                 "--set", "platforms.0.gamma=1.5",
                 "--set", "population.strata.3.tech_access=0.1", "--seed", str(seed))
    assert result.returncode == 0, result.stderr
    alone = pd.read_csv(tmp_path / "alone" / "metrics.csv")
    np.testing.assert_array_equal(series["disorder_index"].to_numpy(),
                                  alone["disorder_index"].to_numpy())
    assert runs["disorder_index_final"].iloc[0] == alone["disorder_index"].iloc[-1]
