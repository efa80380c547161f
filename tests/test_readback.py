"""Reading results back: damaged, edited or foreign folders and bad plot requests are refused
with one message (exit 2); a closed pipe is no error; validate knows sweep files; the schema
is only written to regular files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, SCENARIOS

SWEEP = """\
name: back
base: {base}
set: [population.size=300, run.steps=6]
parameters:
  - {{name: eta, path: dynamics.competition.eta, values: [0.5, 2.0]}}
  - {{name: rate, path: dynamics.competition.reconsider_rate, values: [0.1, 0.3]}}
replicates: 1
seed: 5
"""


def cli(*args, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def refused(result: subprocess.CompletedProcess, *parts: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1, (
        result.stderr)
    for part in parts:
        assert part in result.stderr, result.stderr


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("readback")
    path = root / "sweep.yaml"
    path.write_text(SWEEP.format(base=SCENARIOS / "baseline.yaml"))
    out = root / "out"
    result = cli("sweep", path, "--out", out, "--workers", "1", "--quiet")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def copy_of(sweep_dir, tmp_path):
    def make() -> Path:
        target = tmp_path / "copy"
        shutil.copytree(sweep_dir, target)
        return target
    return make


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    result = cli("run", SCENARIOS / "baseline.yaml", "--out", out, "--set",
                 "population.size=300", "--steps", "3", "--quiet")
    assert result.returncode == 0, result.stderr
    return out


def test_a_damaged_runs_table_is_refused(copy_of):
    folder = copy_of()
    (folder / "runs.parquet").write_bytes(b"PAR1 not really parquet")
    refused(cli("summarize", folder), "runs.parquet: cannot be read")
    refused(cli("plot", folder), "runs.parquet: cannot be read")


def test_an_edited_resolved_sweep_is_refused(copy_of):
    folder = copy_of()
    text = (folder / "sweep.resolved.yaml").read_text()
    (folder / "sweep.resolved.yaml").write_text(text.replace("replicates: 1", "replicates: -3"))
    refused(cli("summarize", folder), "sweep.resolved.yaml: edited or damaged", "replicates")


def test_a_header_only_metrics_table_is_refused(run_dir, tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    header = (folder / "metrics.csv").read_text().splitlines()[0]
    (folder / "metrics.csv").write_text(header + "\n")
    refused(cli("plot", folder), "metrics.csv holds no rows")


@pytest.mark.parametrize("args, message", [
    (["--metric", "status"], "not a summary in runs.parquet"),
    (["--metric", "seed"], "not a summary in runs.parquet"),
    (["--x", "eta", "--y", "eta"], "must be different parameters"),
    (["--x", "nope"], "not a swept parameter"),
    (["--dpi", "100000"], "--dpi 100000: must be 1..1200"),
])
def test_bad_plot_requests_are_refused(sweep_dir, args, message):
    refused(cli("plot", sweep_dir, *args), message)


def test_chosen_axes_get_their_own_figure(copy_of):
    folder = copy_of()
    for args in ([], ["--x", "eta"], ["--x", "rate"], ["--x", "rate", "--y", "eta"]):
        assert cli("plot", folder, *args).returncode == 0
    names = sorted(p.name for p in (folder / "figures").iterdir())
    assert names == ["disorder_index_window_mean-by-eta.png",
                     "disorder_index_window_mean-by-rate-eta.png",
                     "disorder_index_window_mean-by-rate.png",
                     "disorder_index_window_mean.png"]


def test_a_closed_pipe_is_not_an_error(sweep_dir):
    result = subprocess.run(f"'{sys.executable}' '{ROOT / 'run.py'}' metrics | head -1",
                            shell=True, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.stdout.count("\n") == 1


def test_validate_recognises_sweep_files():
    result = cli("validate", SCENARIOS / "sweeps" / "power_balance.yaml",
                 SCENARIOS / "baseline.yaml")
    assert result.returncode == 0, result.stderr
    assert "power_balance.yaml: ok (sweep power_balance: 54 runs" in result.stdout
    assert "baseline.yaml: ok (baseline:" in result.stdout


def test_schema_is_written_only_to_regular_files(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refused(cli("schema", "--out", fifo), "not a regular file")
    assert fifo.exists() and not fifo.is_file()
    target = tmp_path / "schema.json"
    assert cli("schema", "--out", target).returncode == 0 and target.is_file()
