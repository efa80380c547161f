"""The command line end to end (subprocesses, as a user runs it)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
import yaml

from .conftest import ROOT, SCENARIOS

SMALL = ["--set", "population.size=300", "--steps", "6", "--quiet"]


def cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd or ROOT, timeout=300)


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "baseline"
    result = cli("run", SCENARIOS / "baseline.yaml", "--out", out, *SMALL)
    assert result.returncode == 0, result.stderr
    return out


def test_run_writes_the_promised_files(baseline_run):
    out = baseline_run
    for name in ("metrics.csv", "strata.csv", "platforms.csv", "interventions.csv",
                 "scenario.resolved.yaml", "summary.json", "figures/metrics.png",
                 "figures/disorder.png"):
        assert (out / name).is_file(), name
    strata = (out / "strata.csv").read_text().splitlines()
    assert strata[0] == "step,stratum,silent_share,online_share,voice_share,opinion_mean"
    assert len(strata) == 1 + 7 * 4  # four strata at steps 0..6
    platforms = (out / "platforms.csv").read_text().splitlines()
    assert platforms[0] == ("step,platform,user_share,impression_share,opinion_mean,"
                            "stance_gap,stance_gap_median")
    lines = (out / "metrics.csv").read_text().splitlines()
    assert lines[0].startswith("step,opinion_mean,opinion_var,polarization,n_clusters")
    assert len(lines) == 1 + 7  # header, step 0 and six steps
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["steps_completed"] == 6
    assert summary["seed"] == 42 and "mesa" in summary["versions"]
    resolved = yaml.safe_load((out / "scenario.resolved.yaml").read_text())
    assert resolved["population"]["size"] == 300 and resolved["run"]["steps"] == 6
    assert (out / "figures" / "metrics.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(out.rglob("*.tmp"))


def test_replaying_the_resolved_scenario_is_byte_identical(baseline_run, tmp_path):
    replay = tmp_path / "replay"
    result = cli("run", baseline_run / "scenario.resolved.yaml", "--out", replay, "--quiet")
    assert result.returncode == 0, result.stderr
    for name in ("metrics.csv", "strata.csv", "platforms.csv"):
        assert (replay / name).read_bytes() == (baseline_run / name).read_bytes(), name


@pytest.mark.slow
def test_other_seed_differs_and_nonempty_out_is_refused(baseline_run, tmp_path):
    result = cli("run", SCENARIOS / "baseline.yaml", "--out", baseline_run, *SMALL)
    assert result.returncode == 2 and "not empty" in result.stderr
    assert "Traceback" not in result.stderr
    other = tmp_path / "other"
    result = cli("run", SCENARIOS / "baseline.yaml", "--out", other, *SMALL, "--seed", "7")
    assert result.returncode == 0, result.stderr
    assert (other / "metrics.csv").read_bytes() != (baseline_run / "metrics.csv").read_bytes()
    result = cli("run", SCENARIOS / "baseline.yaml", "--out", other, *SMALL, "--seed", "7",
                 "--force")
    assert result.returncode == 0, result.stderr


def test_invalid_scenario_one_message_exit_2_nothing_written(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\npopulation:\n  size: 0\n")
    out = tmp_path / "out"
    result = cli("run", bad, "--out", out)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"error: {bad}:3:3: population.size: Input should be greater than 1"
    ]
    assert not out.exists()
    result = cli("run", SCENARIOS / "baseline.yaml", "--out", out, "--set", "dynamics.feed=3")
    assert result.returncode == 2 and "did you mean 'feed_size'" in result.stderr
    assert not out.exists()


def test_validate_schema_and_metrics_commands(tmp_path):
    result = cli("validate", *sorted(SCENARIOS.glob("*.yaml")))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": ok") == len(list(SCENARIOS.glob("*.yaml")))
    result = cli("schema")
    assert result.returncode == 0
    assert json.loads(result.stdout)["title"] == "opinion-ecology scenario"
    result = cli("metrics")
    assert result.returncode == 0 and "polarization" in result.stdout
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, sim.face.cli, sim.engine.scenarios, "
         "sim.runs.resources; sys.exit(1 if {'mesa', 'numba'} & set(sys.modules) else 0)"],
        cwd=ROOT, capture_output=True, text=True)
    assert probe.returncode == 0, "validate/schema must import neither Mesa nor Numba"


def test_interrupted_run_saves_completed_steps(tmp_path):
    out = tmp_path / "interrupted"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "run", str(SCENARIOS / "baseline.yaml"),
         "--set", "population.size=2000", "--steps", "1000000", "--out", str(out)],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        started = proc.stderr.readline()  # printed once the model is built
        assert "running 1000000 steps" in started
        time.sleep(1.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "the completed steps are saved in" in err and "Traceback" not in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    done = summary["steps_completed"]
    assert 0 < done < 1_000_000
    assert len((out / "metrics.csv").read_text().splitlines()) == done + 2  # header + step 0


COMPARE = ["--set", "population.size=400", "--steps", "20", "--seeds", "2", "--quiet",
           "--set", "interventions.0.start=5", "--set", "interventions.1.start=5",
           "--set", "interventions.2.start=5", "--set", "interventions.0.end=15"]


def test_compare_writes_curves_and_paired_differences_independent_of_workers(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for out, workers in ((one, "1"), (two, "2")):
        result = cli("compare", SCENARIOS / "reorder_node.yaml", "--counterfactual",
                     "--workers", workers, "--out", out, "--window", "6:20", *COMPARE)
        assert result.returncode == 0, result.stderr
    for name in ("timeseries.csv", "summary.csv", "differences.csv", "compare.json",
                 "figures/compare.png"):
        assert (one / name).is_file(), name
    for name in ("timeseries.csv", "summary.csv", "differences.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    diff = (one / "differences.csv").read_text().splitlines()
    assert diff[0] == "scenario,reference,metric,mean_difference,ci95_low,ci95_high,seeds"
    assert any(line.startswith("reorder_node-no-interventions,reorder_node,disorder_index,")
               for line in diff)
    assert "difference to 'reorder_node'" in result.stdout


def test_compare_refuses_different_horizons_and_bad_windows(tmp_path):
    result = cli("compare", SCENARIOS / "baseline.yaml", SCENARIOS / "reorder_node.yaml",
                 "--out", tmp_path / "x", "--quiet")
    assert result.returncode == 2 and "different numbers of steps" in result.stderr
    result = cli("compare", SCENARIOS / "baseline.yaml", "--window", "50:10",
                 "--out", tmp_path / "y", "--quiet")
    assert result.returncode == 2 and "--window 50:10" in result.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_a_run_too_large_for_the_machine_is_refused_up_front(tmp_path):
    out = tmp_path / "out"
    result = cli("run", SCENARIOS / "baseline.yaml", "--set", "population.size=50000000",
                 "--out", out)
    assert result.returncode == 2
    assert "population.size: this run needs an estimated" in result.stderr
    assert "GB is available" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
    result = cli("validate", SCENARIOS / "baseline.yaml", "--set", "population.size=50000000")
    assert result.returncode == 0 and "> available memory" in result.stdout
