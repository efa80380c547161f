"""Calibration (``run.py calibrate``, sim/runs/calibrate.py): bad calibration files are
refused clearly, a known truth is recovered, a calibration is reproducible (same seed,
any number of workers, after an interruption), the optimiser, the outputs, the command
line, and the shipped China 2023 calibration.

The models are tiny (300 accounts, 30 steps: about 0.05 s a run) so that the module runs
in well under a minute; the tests that start worker processes or a Dask cluster are
marked slow. The larger recovery study of docs/calibration.md is this module's
``__main__``: ``python tests/test_calibration.py --recovery-study [--truths 20]``.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.config import ScenarioError

ROOT = Path(__file__).resolve().parents[1]

BASE = ROOT / "scenarios" / "baseline.yaml"
SHIPPED = ROOT / "scenarios" / "calibration" / "china_2023.yaml"
SHIPPED_RESULTS = ROOT / "scenarios" / "calibration" / "china_2023"
CALIBRATED = ROOT / "scenarios" / "calibrated_china_2023.yaml"
# ten leaders, as these tests were measured with (the baseline's are per-capita: 10 per
# 10,000 accounts would be one leader here)
SMALL_SET = ["population.size=300", "run.steps=24",
             "bots=[{name: campaign, count: 3, stance: 0.5, volume: 2.0}]",
             "leaders.per_10k=null", "leaders.count=10"]

TEMPLATE = """\
name: toy
base: {base}
set: [population.size=300, run.steps=30, leaders.per_10k=null, leaders.count=10,
      "bots=[{{name: campaign, count: 3, stance: 0.5, volume: 2.0}}]"]
parameters:
  dynamics.silence.threshold: {{low: 0.05, high: 0.7}}
  bots.0.volume: {{low: 1.0, high: 20.0, scale: log}}
targets:
  - {{metric: silent_share, window: [11, 30], value: 0.3, sd: 0.03, source: synthetic}}
  - {{metric: bot_share, window: [11, 30], value: 0.12, sd: 0.02, source: synthetic}}
method: abc_smc
budget: 60
population_size: 10
seed: 7
"""


def calibration_file(folder: Path, replace: tuple[str, str] | None = None,
                     name: str = "calibration.yaml") -> Path:
    """The toy calibration (two parameters, two targets, 60 runs) written to ``folder``,
    with one text replacement."""
    text = TEMPLATE.format(base=BASE)
    if replace is not None:
        assert replace[0] in text, replace[0]
        text = text.replace(replace[0], replace[1], 1)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- bad files

BAD = {
    # case: (replacement in TEMPLATE, substrings of the one-line message)
    "typo-top-level": (("budget: 60", "budjet: 60"),
                       [":12:1: budjet: unknown field 'budjet'; did you mean 'budget'?"]),
    "prior-low-above-high": (("{low: 0.05, high: 0.7}", "{low: 0.7, high: 0.05}"),
                             [":6:42: parameters.dynamics.silence.threshold.high: must "
                              "exceed low (0.7); got 0.05"]),
    "log-prior-not-positive": (("{low: 1.0, high: 20.0, scale: log}",
                                "{low: 0.0, high: 20.0, scale: log}"),
                               ["parameters.bots.0.volume.low: must be > 0 for a log-uniform"]),
    "prior-typo": (("{low: 1.0, high: 20.0, scale: log}", "{low: 1.0, hihg: 20.0}"),
                   ["parameters.bots.0.volume.hihg: unknown field 'hihg'"]),
    "unknown-scale": (("scale: log", "scale: ln"),
                      ["parameters.bots.0.volume.scale: Input should be 'linear' or 'log'"]),
    "unknown-metric": (("metric: silent_share", "metric: silent_shar"),
                       [":9:6: targets.0.metric: unknown metric 'silent_shar'; did you mean "
                        "'silent_share'?"]),
    "unknown-stratum": (("metric: silent_share", "metric: strata.urbn_young.silent_share"),
                        [":9:6: targets.0.metric: 'urbn_young' is not one of the base "
                         "scenario's strata (allowed: urban_young, urban_old"]),
    "unknown-stratum-field": (("metric: silent_share", "metric: strata.urban_young.silence"),
                              ["targets.0.metric: unknown strata field 'silence' (allowed: "
                               "silent_share, online_share"]),
    "unknown-platform": (("metric: bot_share", "metric: platforms.weibo.user_share"),
                         ["targets.1.metric: 'weibo' is not one of the base scenario's "
                          "platforms"]),
    "window-after-last-step": (("window: [11, 30], value: 0.3", "window: [11, 31], value: 0.3"),
                               [":9:28: targets.0.window: ends at step 31, after the base "
                                "scenario's last step (30"]),
    "window-reversed": (("window: [11, 30], value: 0.3", "window: [30, 11], value: 0.3"),
                        ["targets.0.window: expected [first, last] steps with 0 <= first <= "
                         "last"]),
    "sd-zero": (("sd: 0.03", "sd: 0"), ["targets.0.sd: Input should be greater than 0"]),
    "value-nan": (("value: 0.3,", "value: .nan,"), ["targets.0.value: must be a finite number"]),
    "missing-source": ((", source: synthetic}\n  - {metric: bot", "}\n  - {metric: bot"),
                       ["targets.0.source: required field is missing"]),
    "duplicate-labels": (("metric: bot_share", "metric: silent_share"),
                         ["targets: target labels must be unique; repeated: silent_share "
                          "(give each a name:)"]),
    "parameter-not-in-scenario": (("dynamics.silence.threshold:", "dynamics.silence.treshold:"),
                                  [":6:31: parameters.dynamics.silence.treshold.low: the base "
                                   "scenario refuses", "unknown field 'treshold'; did you "
                                   "mean 'threshold'?"]),
    "parameter-out-of-range": (("{low: 0.05, high: 0.7}", "{low: 0.05, high: 1.7}"),
                               ["parameters.dynamics.silence.threshold.high: the base scenario "
                                "refuses dynamics.silence.threshold=1.7"]),
    "parameter-not-a-key": (("dynamics.silence.threshold:", "dynamics..threshold:"),
                            [":5:1: parameters: 'dynamics..threshold': a parameter must "
                             "be a dotted scenario key"]),
    "parameter-run-seed": (("dynamics.silence.threshold:", "run.seed:"),
                           ["run.seed and run.steps are the calibration's to set"]),
    "base-missing": ((f"base: {BASE}", "base: no-such-scenario.yaml"),
                     [":2:1: base: scenario file not found"]),
    "base-refuses-set": (("population.size=300", "population.size=0"),
                         ["base (with set):", "population.size"]),
    "budget-below-a-generation": (("budget: 60", "budget: 20"),
                                  ["budget: 20 runs (20 draws of 1 replicates) cannot complete "
                                   "a generation of 10 particles; give at least 30"]),
    "unknown-method": (("method: abc_smc", "method: mcmc"),
                       ["method: Input should be 'abc_smc' or 'optimize'"]),
    "population-with-optimize": (("method: abc_smc", "method: optimize"),
                                 ["population_size: applies to method abc_smc only"]),
    "not-a-mapping": (("name: toy\n", "- name: toy\n"), ["not valid scenario YAML"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_calibration_file_is_refused_clearly(case, tmp_path, capsys):
    """One message (file:line:col: field: what is allowed), exit code 2, nothing written,
    from both `validate` and `calibrate`."""
    from sim.face.cli import main

    replace, expect = BAD[case]
    path = calibration_file(tmp_path, replace)
    out = tmp_path / "out"
    for argv in (["validate", str(path)], ["calibrate", str(path), "--out", str(out),
                                             "--quiet"]):
        assert main(argv) == 2, argv
        captured = capsys.readouterr()
        err = captured.err
        assert captured.out == ""
        assert err.startswith(f"error: {path}"), err
        assert sum(line.startswith("error: ") for line in err.splitlines()) == 1, err
        assert "Traceback" not in err
        for part in expect:
            assert part in err, f"{part!r} not in {err!r}"
    assert not out.exists()


def test_priors_set_values_in_the_scenario():
    from sim.config.calibration import PriorSpec, parse_target

    count = PriorSpec(low=10, high=200, integer=True)
    volume = PriorSpec(low=1.0, high=100.0, scale="log")
    assert count.scenario_value(12.6) == 13 and isinstance(count.scenario_value(12.6), int)
    assert volume.sampling_bounds() == (0.0, 2.0) and volume.natural(1.0) == 10.0
    assert parse_target("strata.rural.x.online_share") == ("strata", "rural.x", "online_share")
    assert parse_target("platforms.weibo.user_share") == ("platforms", "weibo", "user_share")
    assert parse_target("silent_share") == ("metrics", None, "silent_share")


def test_empty_and_scalar_files_are_refused(tmp_path):
    from sim.runs.calibrate import load_calibration

    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ScenarioError, match="file is empty; expected a calibration mapping"):
        load_calibration(empty)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("42\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="top level must be a mapping"):
        load_calibration(scalar)


def test_command_line_flags_are_checked(tmp_path, capsys):
    from sim.face.cli import main

    path = calibration_file(tmp_path)
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--budget", "5"]) == 2
    assert "(--budget 5): budget: Input should be greater than or equal to 10" in (
        capsys.readouterr().err)
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "0"]) == 2
    assert "--workers 0: must be at least 1" in capsys.readouterr().err
    assert main(["calibrate", str(path), "--out", str(out), "--dynamic"]) == 2
    assert "--dynamic: pyabc's Dask sampler; it needs --scheduler" in capsys.readouterr().err
    (out / "other").mkdir(parents=True)
    assert main(["calibrate", str(path), "--out", str(out)]) == 2
    assert "folder is not empty (use --resume" in capsys.readouterr().err
    assert main(["calibrate", str(path), "--out", str(out), "--resume"]) == 2
    assert "holds no readable calibration.fingerprint.json" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["other"]


def test_validate_recognises_calibration_files(tmp_path, capsys):
    from sim.face.cli import main

    path = calibration_file(tmp_path)
    assert main(["validate", str(path), str(SHIPPED)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: ok (calibration toy: abc_smc, 2 parameters, 2 targets, budget 60" in out
    assert "ok (calibration china_2023: abc_smc" in out
    assert main(["validate", str(path), "--set", "population.size=10"]) == 2
    assert "a calibration file; --set applies to scenario files" in capsys.readouterr().err


# --------------------------------------------------------------------------- recovery

RECOVERY_PRIORS = {"dynamics.silence.threshold": {"low": 0.05, "high": 0.7},
                   "bots.0.volume": {"low": 1.0, "high": 20.0, "scale": "log"}}
RECOVERY_TARGETS = {"silent_share": 0.02, "bot_share": 0.015}  # metric: sd
RECOVERY_WINDOW = [9, 24]


def draw_truth(rng: np.random.Generator) -> dict[str, float]:
    """A truth from the middle 60 % of each prior (in the sampling space: log10 for log
    priors), away from the bounds where a posterior is cut by the prior."""
    truth = {}
    for key, prior in RECOVERY_PRIORS.items():
        log = prior.get("scale") == "log"
        low, high = (np.log10(prior["low"]), np.log10(prior["high"])) if log else (
            prior["low"], prior["high"])
        x = low + (high - low) * rng.uniform(0.2, 0.8)
        truth[key] = float(10 ** x if log else x)
    return truth


def synthetic_calibration(folder: Path, truth: dict[str, float], *, budget: int,
                          population: int, seed: int, data_seed: int) -> Path:
    """A calibration file whose targets are simulated from ``truth`` (one run, seed
    ``data_seed``)."""
    from sim.config.calibration import TargetSpec
    from sim.engine.scenarios import load_scenario
    from sim.runs.calibrate import target_values
    from sim.runs.driver import run_scenario

    scenario = load_scenario(BASE, [*SMALL_SET, *(f"{k}={v!r}" for k, v in truth.items())])
    targets = [TargetSpec(metric=m, window=tuple(RECOVERY_WINDOW), value=0.0, sd=sd,
                          source="synthetic") for m, sd in RECOVERY_TARGETS.items()]
    observed = target_values(run_scenario(scenario, data_seed), targets)
    data = {"name": "recovery", "base": str(BASE), "set": SMALL_SET,
            "parameters": RECOVERY_PRIORS,
            "targets": [{"metric": m, "window": RECOVERY_WINDOW, "value": observed[m],
                         "sd": sd, "source": "synthetic"} for m, sd in RECOVERY_TARGETS.items()],
            "budget": budget, "population_size": population, "seed": seed}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "recovery.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def sampling_error(key: str, estimate: float, truth: float) -> float:
    """|estimate - truth| as a share of the prior's width, in the sampling space."""
    prior = RECOVERY_PRIORS[key]
    if prior.get("scale") == "log":
        return abs(np.log10(estimate) - np.log10(truth)) / (np.log10(prior["high"])
                                                            - np.log10(prior["low"]))
    return abs(estimate - truth) / (prior["high"] - prior["low"])


def test_parameter_recovery(tmp_path):
    """Targets simulated from known values; ABC-SMC on 360 runs puts each truth inside
    its 90 % interval with the median within 15 % of the prior's width, and narrows the
    silence threshold (pinned by silent_share) to under half its prior."""
    from sim.runs.calibrate import calibrate

    truth = draw_truth(np.random.default_rng(2024))
    path = synthetic_calibration(tmp_path, truth, budget=360, population=40, seed=1,
                                 data_seed=12345)
    result = calibrate(path, tmp_path / "out", workers=1)
    assert result.summary["status"] == "completed"
    assert result.summary["budget_used"] <= 360
    for key, value in truth.items():
        found = result.estimates[key]
        assert found["q05"] <= value <= found["q95"], (key, value, found)
        assert sampling_error(key, found["median"], value) < 0.15, (key, value, found)
    assert result.estimates["dynamics.silence.threshold"]["interval_to_prior"] < 0.5
    assert len(result.summary["generations"]) >= 3
    fit = result.fit
    assert (fit["z"].abs() < 2).all(), fit


# --------------------------------------------------------------------------- reproducibility


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The toy calibration, run once from the command line (one worker)."""
    from sim.face.cli import main

    folder = tmp_path_factory.mktemp("reference")
    path = calibration_file(folder)
    out = folder / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    return path, out


def test_outputs(reference, capsys):
    from sim.engine.scenarios import load_scenario

    _, out = reference
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["method"] == "abc_smc"
    assert 0 < summary["budget_used"] <= summary["budget"] == 60
    assert summary["files"][:2] == ["posterior.parquet", "calibrated.yaml"]
    for name in summary["files"]:
        assert (out / name).is_file(), name
    posterior = pd.read_parquet(out / "posterior.parquet")
    keys = ["dynamics.silence.threshold", "bots.0.volume"]
    assert list(posterior.columns) == [*keys, "weight", "distance", "generation"]
    assert len(posterior) == 10 and np.isclose(posterior["weight"].sum(), 1.0)
    assert (posterior["generation"] == summary["generations"][-1]["generation"]).all()
    assert posterior["dynamics.silence.threshold"].between(0.05, 0.7).all()
    assert posterior["bots.0.volume"].between(1.0, 20.0).all()
    history = pd.read_parquet(out / "history.parquet")
    assert len(history) * 1 == summary["budget_used"]
    assert {"generation", "draw", "epsilon", "distance", "accepted", "status", "seeds",
            "sim:silent_share", "sim:bot_share", *keys} <= set(history.columns)
    assert history["generation"].min() == -1  # the prior sample that sets the first threshold
    last = history[history.generation == posterior.generation.iloc[0]]
    assert last["accepted"].sum() == len(posterior)
    for key in keys:
        est = summary["estimates"][key]
        assert est["q05"] <= est["median"] <= est["q95"]
    assert [row["target"] for row in summary["fit"]] == ["silent_share", "bot_share"]
    assert summary["check_runs"] == 4
    calibrated = load_scenario(out / "calibrated.yaml")
    assert calibrated.name == "calibrated_toy" and calibrated.population.size == 300
    assert calibrated.dynamics.silence.threshold == summary["point"][keys[0]]
    assert calibrated.bots[0].volume == summary["point"][keys[1]]
    assert "posterior medians" in (out / "calibrated.yaml").read_text().splitlines()[0]
    for figure in ("posterior.png", "fit.png"):
        assert (out / "figures" / figure).read_bytes()[:4] == b"\x89PNG"


def test_same_seed_gives_the_same_posterior(reference, tmp_path):
    from sim.runs.calibrate import calibrate, run_seed

    path, out = reference
    again = calibrate(path, tmp_path / "again", workers=1)
    assert (tmp_path / "again" / "posterior.parquet").read_bytes() == (
        out / "posterior.parquet").read_bytes()
    pd.testing.assert_frame_equal(again.history, pd.read_parquet(out / "history.parquet"))
    assert again.summary["seed"] == 7
    first = again.history.iloc[0]  # another seed draws other values
    assert list(first["seeds"]) != [run_seed(8, 0, -1, 0, 0)]
    assert list(first["seeds"]) == [run_seed(7, 0, -1, 0, 0)]


def test_resume_after_an_interruption_gives_the_same_posterior(reference, tmp_path):
    """A signal after the prior sample stops the calibration (exit code 143, summary.json
    'interrupted'); --resume finishes it with the uninterrupted run's posterior."""
    from sim.runs.calibrate import calibrate
    from sim.runs.interrupt import Interrupted, StopFlag

    path, out = reference
    flag = StopFlag()

    def progress(total, done):
        return lambda runs: flag.set(signal.SIGTERM)

    with pytest.raises(Interrupted) as stopped:
        calibrate(path, tmp_path / "cut", workers=1, progress=progress, stop=flag)
    assert stopped.value.exit_code == 143
    summary = json.loads((tmp_path / "cut" / "summary.json").read_text())
    assert summary["status"] == "interrupted" and "--resume" in summary["error"]
    assert not (tmp_path / "cut" / "posterior.parquet").exists()
    seen = []
    calibrate(path, tmp_path / "cut", workers=1, resume=True,
              progress=lambda total, done: seen.append((total, done)))
    assert seen == [(60, 10)]  # the prior sample's 10 runs were kept
    assert (tmp_path / "cut" / "posterior.parquet").read_bytes() == (
        out / "posterior.parquet").read_bytes()
    assert json.loads((tmp_path / "cut" / "summary.json").read_text())["status"] == "completed"


def test_resume_a_finished_calibration(reference, tmp_path):
    import shutil

    from sim.face.cli import main
    from sim.runs.calibrate import calibrate

    path, out = reference
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    assert main(["calibrate", str(path), "--out", str(copy), "--resume", "--quiet"]) == 0
    assert (copy / "posterior.parquet").read_bytes() == (out / "posterior.parquet").read_bytes()
    summary = json.loads((copy / "summary.json").read_text())
    before = json.loads((out / "summary.json").read_text())
    assert summary["runs_executed"] == before["runs_executed"] + 4  # the check runs only
    assert summary["wall_time_s"] > before["wall_time_s"]
    with pytest.raises(ScenarioError, match="--resume: calibration changed since"):
        calibrate(path, copy, workers=1, resume=True, seed=99)


@pytest.mark.slow
def test_resume_with_more_budget_is_a_calibration_with_that_budget(reference, tmp_path):
    import shutil

    from sim.runs.calibrate import calibrate

    path, out = reference
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    more = calibrate(path, copy, workers=1, resume=True, budget=100)
    before = json.loads((out / "summary.json").read_text())
    assert len(more.summary["generations"]) > len(before["generations"])
    assert more.summary["budget_used"] <= 100
    fresh = calibrate(path, tmp_path / "fresh", workers=1, budget=100)
    assert fresh.posterior.equals(more.posterior)
    pd.testing.assert_frame_equal(fresh.history, more.history)


def test_optimize_gives_a_reproducible_point_estimate(tmp_path):
    from sim.runs.calibrate import calibrate
    from sim.runs.interrupt import Interrupted, StopFlag

    path = calibration_file(tmp_path, ("method: abc_smc\nbudget: 60\npopulation_size: 10",
                                       "method: optimize\nbudget: 24"))
    first = calibrate(path, tmp_path / "a", workers=1)
    summary = first.summary
    assert summary["status"] == "completed" and summary["budget_used"] == 24
    assert len(first.history) == 24 and set(first.history["generation"]) == {0, 1, 2}
    assert len(first.posterior) == 3  # the best tenth of the trials
    best = first.history.sort_values("distance").iloc[0]
    for key, value in summary["estimates"].items():
        assert value["best"] == pytest.approx(best[key])
        assert summary["point"][key] == pytest.approx(best[key])
    flag = StopFlag()
    with pytest.raises(Interrupted):
        calibrate(path, tmp_path / "b", workers=1, stop=flag,
                  progress=lambda total, done: (lambda runs: flag.set(signal.SIGINT)))
    again = calibrate(path, tmp_path / "b", workers=1, resume=True)
    assert (tmp_path / "b" / "posterior.parquet").read_bytes() == (
        tmp_path / "a" / "posterior.parquet").read_bytes()
    pd.testing.assert_frame_equal(again.history, first.history)


def test_replicates_average_the_seeds(tmp_path):
    from sim.runs.calibrate import calibrate

    path = calibration_file(tmp_path, ("method: abc_smc\nbudget: 60\npopulation_size: 10",
                                       "method: optimize\nbudget: 20\nreplicates: 2"))
    result = calibrate(path, tmp_path / "out", workers=1)
    assert result.summary["budget_used"] == 20 and len(result.history) == 10
    assert all(len(seeds) == 2 and seeds[0] != seeds[1] for seeds in result.history["seeds"])


def test_facade_and_folder_reader(reference):
    import sim
    from sim.runs.calibrate import read_calibration_folder

    assert "calibrate" in sim.__all__ and callable(sim.calibrate)
    folder = read_calibration_folder(reference[1])
    assert folder["summary"]["status"] == "completed"
    assert list(folder["fit"]["target"]) == ["silent_share", "bot_share"]
    assert len(folder["posterior"]) == 10


@pytest.mark.slow
def test_results_do_not_depend_on_the_worker_count(reference, tmp_path):
    from sim.runs.calibrate import calibrate

    path, out = reference
    result = calibrate(path, tmp_path / "two", workers=2)
    assert result.summary["workers"] == 2
    assert (tmp_path / "two" / "posterior.parquet").read_bytes() == (
        out / "posterior.parquet").read_bytes()
    pd.testing.assert_frame_equal(result.history, pd.read_parquet(out / "history.parquet"))


@pytest.mark.slow
def test_dask_scheduler_gives_the_same_posterior_and_dynamic_runs(reference, tmp_path):
    from sim.runs.calibrate import calibrate

    path, out = reference
    calibrate(path, tmp_path / "dask", workers=2, scheduler="local")
    assert (tmp_path / "dask" / "posterior.parquet").read_bytes() == (
        out / "posterior.parquet").read_bytes()
    dynamic = calibrate(path, tmp_path / "dynamic", workers=2, scheduler="local",
                        dynamic=True)
    assert dynamic.summary["status"] == "completed"
    assert len(dynamic.posterior) == 10


# --------------------------------------------------------------------------- figures


def test_figures_from_tables():
    from matplotlib.figure import Figure

    from sim.views.calibration import fit_figure, posterior_figure

    rng = np.random.default_rng(1)
    posterior = pd.DataFrame({"a": rng.uniform(0.2, 0.4, 50), "b": 10 ** rng.uniform(0, 1, 50),
                              "weight": np.full(50, 0.02)})
    fig = posterior_figure(posterior, {"a": (0.0, 1.0, "linear"), "b": (1.0, 100.0, "log")},
                           truth={"a": 0.3, "b": 3.0}, title="test")
    assert isinstance(fig, Figure) and sum(ax.get_visible() for ax in fig.axes) >= 3
    fit = pd.DataFrame([{"target": "x", "metric": "silent_share", "window": [1, 2],
                         "observed": 0.3, "sd": 0.05, "z": 0.2}])
    predictive = pd.DataFrame({"x": rng.normal(0.31, 0.02, 50), "weight": np.full(50, 0.02)})
    fig = fit_figure(fit, predictive, pd.DataFrame({"x": [0.3, 0.32]}))
    assert isinstance(fig, Figure)


# --------------------------------------------------------------------------- shipped


def test_shipped_calibration_is_valid_and_its_results_match_the_scenario():
    from sim.engine.scenarios import load_scenario
    from sim.runs.calibrate import load_calibration

    spec, _, _ = load_calibration(SHIPPED)
    assert spec.method == "abc_smc" and spec.budget <= 2500
    summary = json.loads((SHIPPED_RESULTS / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["calibration"] == "china_2023"
    assert summary["budget_used"] <= summary["budget"] == spec.budget
    assert summary["seed"] == spec.seed
    posterior = pd.read_parquet(SHIPPED_RESULTS / "posterior.parquet")
    assert list(posterior.columns) == [*spec.parameters, "weight", "distance", "generation"]
    scenario = load_scenario(CALIBRATED)
    assert scenario.name == "calibrated_china_2023"
    assert scenario.population.strata[0].tech_access == summary["point"][
        "population.strata.0.tech_access"]
    assert scenario.dynamics.confidence == summary["point"]["dynamics.confidence"]


def test_shipped_targets_cite_sources_listed_in_the_references():
    spec = yaml.safe_load(SHIPPED.read_text())
    references = (ROOT / "docs" / "references.md").read_text(encoding="utf-8")
    for target in spec["targets"]:
        author = target["source"].split(",")[0].split(" (")[0].split(" &")[0].strip()
        assert author and author in references, author


# --------------------------------------------------------------------------- study


def recovery_study(truths: int, folder: Path, budget: int = 600, workers: int = 1) -> None:
    """docs/calibration.md's recovery study: ``truths`` truths drawn as in the test (seed
    2025), each calibrated on ``budget`` runs; prints coverage of the 90 % intervals and
    median errors per parameter, and writes recovery.csv."""
    from sim.runs.calibrate import calibrate

    rng = np.random.default_rng(2025)
    rows = []
    for k in range(truths):
        truth = draw_truth(rng)
        path = synthetic_calibration(folder / f"truth-{k:02d}", truth, budget=budget,
                                     population=50, seed=k, data_seed=10_000 + k)
        result = calibrate(path, folder / f"truth-{k:02d}" / "out", workers=workers,
                           force=True)
        for key, value in truth.items():
            found = result.estimates[key]
            rows.append({"truth_id": k, "parameter": key, "truth": value, **found,
                         "covered": found["q05"] <= value <= found["q95"],
                         "error": sampling_error(key, found["median"], value)})
        print(f"truth {k}: " + ", ".join(f"{r['parameter']}={r['truth']:.3g} -> "
                                         f"{r['median']:.3g} [{r['q05']:.3g}, {r['q95']:.3g}]"
                                         for r in rows[-len(truth):]), flush=True)
    table = pd.DataFrame(rows)
    table.to_csv(folder / "recovery.csv", index=False)
    print(table.groupby("parameter").agg(coverage=("covered", "mean"),
                                         median_error=("error", "median"),
                                         interval_to_prior=("interval_to_prior", "median")))


if __name__ == "__main__":
    if "--recovery-study" in sys.argv:
        count = int(sys.argv[sys.argv.index("--truths") + 1]) if "--truths" in sys.argv else 20
        recovery_study(count, Path("results") / "recovery-study")
    else:
        print(__doc__)
