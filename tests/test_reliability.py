"""Nothing mixed, nothing too big: resume refuses a changed sweep and never takes another
sweep's results; sizes, memory and workers are capped; results are readable per the umask;
one-scenario comparisons and sensitivity warnings behave."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from .conftest import ROOT, SCENARIOS

SWEEP = """\
name: {name}
base: {base}
set: [population.size=300, run.steps=5]
parameters:
  - {{name: eta, path: dynamics.competition.eta, values: {values}}}
replicates: 2
seed: 9
"""


def cli(*args, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def write_sweep(folder: Path, name: str, values: str, base: Path) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(SWEEP.format(name=name, base=base, values=values))
    return path


def test_resume_refuses_a_changed_base_scenario(tmp_path):
    base = tmp_path / "base.yaml"
    shutil.copy(SCENARIOS / "baseline.yaml", base)
    sweep = write_sweep(tmp_path, "s", "[0.5, 2.0]", base)
    out = tmp_path / "out"
    assert cli("sweep", sweep, "--out", out, "--workers", "1", "--quiet").returncode == 0
    base.write_text(base.read_text().replace("confidence: 0.4", "confidence: 0.5"))
    result = cli("sweep", sweep, "--out", out, "--workers", "1", "--resume", "--quiet")
    assert result.returncode == 2, result.stderr
    assert "base scenario changed" in result.stderr and "Traceback" not in result.stderr


def test_resume_never_takes_another_sweeps_parts(tmp_path):
    base = SCENARIOS / "baseline.yaml"
    first = write_sweep(tmp_path, "first", "[0.5, 2.0]", base)
    second = write_sweep(tmp_path, "second", "[1.0, 3.0]", base)
    mixed, clean = tmp_path / "mixed", tmp_path / "clean"
    assert cli("sweep", first, "--out", mixed, "--workers", "1", "--quiet").returncode == 0
    foreign = {p.name: p.read_bytes() for p in (mixed / "parts").iterdir()}
    assert cli("sweep", second, "--out", mixed, "--workers", "1", "--force",
               "--quiet").returncode == 0
    # as if the second sweep had been killed before these runs: the first's parts remain
    for name, data in list(foreign.items())[:4]:
        (mixed / "parts" / name).write_bytes(data)
    (mixed / "runs.parquet").unlink()
    result = cli("sweep", second, "--out", mixed, "--workers", "1", "--resume", "--quiet")
    assert result.returncode == 0, result.stderr
    assert cli("sweep", second, "--out", clean, "--workers", "1", "--quiet").returncode == 0
    got = pd.read_parquet(mixed / "runs.parquet").drop(columns="wall_time_s")
    want = pd.read_parquet(clean / "runs.parquet").drop(columns="wall_time_s")
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_resume_needs_a_fingerprinted_folder(tmp_path):
    sweep = write_sweep(tmp_path, "s", "[0.5, 2.0]", SCENARIOS / "baseline.yaml")
    out = tmp_path / "out"
    assert cli("sweep", sweep, "--out", out, "--workers", "1", "--quiet").returncode == 0
    (out / "sweep.fingerprint.json").unlink()
    result = cli("sweep", sweep, "--out", out, "--resume", "--quiet")
    assert result.returncode == 2 and "sweep.fingerprint.json" in result.stderr


def test_oversized_sweeps_and_comparisons_are_refused_at_once(tmp_path):
    huge = tmp_path / "huge.yaml"
    params = "\n".join(f"  - {{name: p{k}, path: dynamics.post_rate, range: [0.1, 0.9, 1000]}}"
                       for k in range(4))
    huge.write_text(f"name: huge\nbase: {SCENARIOS / 'baseline.yaml'}\nparameters:\n{params}\n")
    result = cli("sweep", huge, "--out", tmp_path / "out")
    assert result.returncode == 2, result.stderr
    assert "1,000,000,000,000 runs" in result.stderr and "--max-runs" in result.stderr
    assert not (tmp_path / "out").exists()
    result = cli("compare", SCENARIOS / "baseline.yaml", "--seeds", "1000000000",
                 "--out", tmp_path / "cmp")
    assert result.returncode == 2 and "a comparison allows" in result.stderr
    assert not (tmp_path / "cmp").exists()


def test_memory_is_checked_for_long_runs_and_all_their_tables(tmp_path):
    for args in (["run", SCENARIOS / "baseline.yaml", "--out", tmp_path / "a"],
                 ["compare", SCENARIOS / "baseline.yaml", "--out", tmp_path / "b"]):
        result = cli(*args, "--set", "run.steps=10000000")
        assert result.returncode == 2, result.stderr
        assert "run.steps: this run needs an estimated" in result.stderr
        assert "per-step tables" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_workers_are_capped():
    from sim.runs.executors import usable_workers

    assert usable_workers(100_000, 24) <= min(24, os.cpu_count() or 1)
    assert usable_workers(1, 24) == 1 and usable_workers(8, 1) == 1


def test_results_are_readable_per_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        result = subprocess.run([sys.executable, str(ROOT / "run.py"), "run",
                                 str(SCENARIOS / "baseline.yaml"), "--out", str(tmp_path / "o"),
                                 "--set", "population.size=300", "--steps", "2", "--quiet"],
                                capture_output=True, text=True, cwd=ROOT, timeout=300)
    finally:
        os.umask(previous)
    assert result.returncode == 0, result.stderr
    for path in (tmp_path / "o").rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_a_comparison_of_one_scenario_has_no_differences_and_no_error(tmp_path):
    out = tmp_path / "one"
    result = cli("compare", SCENARIOS / "baseline.yaml", "--seeds", "2", "--set",
                 "population.size=300", "--steps", "4", "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    assert "nothing to compare it with" in result.stdout
    assert pd.read_csv(out / "differences.csv").empty
    assert len(pd.read_csv(out / "summary.csv")) == 2


def test_comparison_seeds_default_to_the_scenarios_seed(tmp_path):
    out = tmp_path / "c"
    result = cli("compare", SCENARIOS / "baseline.yaml", "--seeds", "2", "--set",
                 "population.size=300", "--steps", "2", "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    assert sorted(pd.read_csv(out / "summary.csv")["seed"]) == [42, 43]  # baseline: run.seed 42


@pytest.mark.parametrize("value, conf, warned", [(1.3, 0.1, "> 1"), (0.2, 0.5, "wider"),
                                                  (0.4, 0.1, None)])
def test_sensitivity_warns_about_untrustworthy_indices(value, conf, warned):
    from sim.runs.sensitivity import warnings_of

    table = pd.DataFrame([("m", "a", "ST", value, conf)],
                         columns=["metric", "parameter", "index", "value", "conf"])
    out = warnings_of(table, "sobol")
    assert (warned is None and out == []) or (warned and warned in " ".join(out))


@pytest.mark.parametrize("first, warned", [((0.3, 0.4), False), ((-0.9, -0.6), True),
                                           ((0.8, 0.7), True)])
def test_sensitivity_warns_when_first_order_indices_do_not_add_up(first, warned):
    from sim.runs.sensitivity import warnings_of

    table = pd.DataFrame([("m", name, "S1", value, 0.05)
                          for name, value in zip("ab", first, strict=True)]
                         + [("m", name, "ST", 0.5, 0.05) for name in "ab"],
                         columns=["metric", "parameter", "index", "value", "conf"])
    out = " ".join(warnings_of(table, "sobol"))
    assert ("first-order indices sum to" in out) == warned


def test_non_ascii_digits_are_refused_in_windows():
    from sim.config import ScenarioError
    from sim.runs.compare import window_steps

    assert window_steps("1:20", 100) == (1, 20)
    for text in ("1:²", "١:5", "1:" + "9" * 40):
        with pytest.raises(ScenarioError, match="expected FIRST:LAST"):
            window_steps(text, 100)


def test_counterfactual_effects_have_the_sign_with_minus_without(tmp_path):
    out = tmp_path / "cf"
    result = cli("compare", SCENARIOS / "reorder_node.yaml", "--counterfactual", "--seeds", "2",
                 "--set", "population.size=400", "--steps", "4", "--window", "1:4",
                 "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    diff = pd.read_csv(out / "differences.csv")
    summary = pd.read_csv(out / "summary.csv").set_index(["scenario", "seed"])
    effect = diff[(diff.scenario == "reorder_node")
                  & (diff.reference == "reorder_node-no-interventions")
                  & (diff.metric == "disorder_index")]
    assert len(effect) == 1
    by_seed = (summary.loc["reorder_node"]["disorder_index"]
               - summary.loc["reorder_node-no-interventions"]["disorder_index"])
    assert effect.mean_difference.iloc[0] == pytest.approx(by_seed.mean())
