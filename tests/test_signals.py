"""Signals sent to real processes: a run, a comparison and a sweep stop between steps or
runs, save what they completed, exit with 128 + the signal's number, and leave no worker
behind (also when the sweep's parent is killed outright)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from .conftest import ROOT, SCENARIOS

pytestmark = pytest.mark.slow  # real processes, real signals: about a minute

# long enough to be interrupted while stepping (about 5 ms a step at this size)
LONG_RUN = ["--set", "population.size=2000", "--steps", "3000"]


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    """``run.py ARGS`` in its own session (signals reach it alone), stderr piped."""
    return subprocess.Popen([sys.executable, str(ROOT / "run.py"), *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait_for(proc: subprocess.Popen, marker: str, timeout: float = 120.0) -> str:
    """Read stderr until a line contains ``marker``; return what was read."""
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"{marker!r} never appeared; stderr so far:\n{''.join(seen)}")


def finish(proc: subprocess.Popen, timeout: float = 120.0) -> tuple[int, str]:
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


def children_of(pid: int) -> set[int]:
    """Every descendant process of ``pid`` (from /proc)."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for path in Path("/proc").glob(f"{parent}/task/*/children"):
            try:
                kids = {int(k) for k in path.read_text().split()}
            except OSError:
                continue
            frontier += sorted(kids - found)
            found |= kids
    return found


def alive(pids: set[int]) -> set[int]:
    out = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except OSError:
            continue
        if state != "Z":  # a zombie has exited
            out.add(pid)
    return out


def assert_complete_run_folder(out: Path, status: str) -> dict:
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == status
    for name in summary["files"]:
        assert (out / name).is_file(), name
    metrics = pd.read_csv(out / "metrics.csv")
    assert len(metrics) == summary["steps_completed"] + 1
    assert not list(out.rglob("*.tmp")) and not (out / ".opinion-ecology.lock").exists()
    return summary


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129),
                                       (signal.SIGINT, 130)])
def test_a_signal_stops_a_run_between_steps_and_saves_it(tmp_path, sig, code):
    out = tmp_path / "out"
    proc = start(["run", str(SCENARIOS / "baseline.yaml"), "--out", str(out), *LONG_RUN],
                 tmp_path)
    wait_for(proc, "follow ties built")
    time.sleep(1.0)  # some steps done
    proc.send_signal(sig)
    returncode, err = finish(proc)
    assert returncode == code, err
    assert "Traceback" not in err
    assert f"interrupted by {signal.Signals(sig).name}" in err
    summary = assert_complete_run_folder(out, "interrupted")
    assert 0 < summary["steps_completed"] < 3000


def test_a_second_signal_while_saving_does_not_break_the_folder(tmp_path):
    out = tmp_path / "out"
    proc = start(["run", str(SCENARIOS / "baseline.yaml"), "--out", str(out), *LONG_RUN],
                 tmp_path)
    wait_for(proc, "follow ties built")
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    for _ in range(5):  # Ctrl-C pressed again while the figures are drawn
        time.sleep(0.3)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    returncode, err = finish(proc)
    assert returncode == 130, err
    assert "Traceback" not in err
    assert_complete_run_folder(out, "interrupted")


def test_a_signal_stops_a_comparison_and_keeps_finished_runs(tmp_path):
    out = tmp_path / "cmp"
    proc = start(["compare", str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "baseline.yaml"),
                  "--seeds", "20", "--set", "population.size=600", "--steps", "600",
                  "--out", str(out), "--quiet"], tmp_path)
    time.sleep(20.0)  # some of the 40 runs finish (about 1-2 s each), not all
    proc.send_signal(signal.SIGTERM)
    returncode, err = finish(proc)
    assert returncode == 143, err
    assert "Traceback" not in err
    meta = json.loads((out / "compare.json").read_text())
    assert meta["status"] == "interrupted"
    finished = pd.read_csv(out / "summary.csv")
    assert 0 < len(finished) < 40 and meta["finished_runs"] == len(finished)
    assert len(pd.read_csv(out / "timeseries.csv")) == 601 * len(finished)


SWEEP = """\
name: sig
base: {base}
set: [population.size=600, run.steps=400]
parameters:
  - {{name: eta, path: dynamics.competition.eta, values: [0.5, 1.0, 1.5, 2.0]}}
replicates: 6
seed: 3
"""


def start_sweep(tmp_path: Path, out: Path) -> subprocess.Popen:
    """A sweep on 2 worker processes, once it has said so."""
    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP.format(base=SCENARIOS / "baseline.yaml"))
    proc = start(["sweep", str(path), "--out", str(out), "--workers", "2", "--quiet"], tmp_path)
    wait_for(proc, "runs on 2 local workers")
    return proc


def test_a_signal_stops_a_sweep_and_its_workers(tmp_path):
    out = tmp_path / "sw"
    proc = start_sweep(tmp_path, out)
    deadline = time.time() + 120
    while time.time() < deadline and not list((out / "parts").glob("p*-r*.parquet")):
        time.sleep(0.2)
    workers = children_of(proc.pid)
    assert workers, "no worker processes seen"
    proc.send_signal(signal.SIGTERM)
    returncode, err = finish(proc)
    assert returncode == 143, err
    assert "--resume" in err and "Traceback" not in err
    assert not (out / "runs.parquet").exists()
    time.sleep(1.0)
    assert alive(workers) == set(), "workers outlived the sweep"


def test_workers_exit_when_the_sweep_parent_is_killed(tmp_path):
    proc = start_sweep(tmp_path, tmp_path / "sw")
    deadline = time.time() + 60
    workers: set[int] = set()
    while time.time() < deadline and len(workers) < 3:  # two workers, a resource tracker
        workers = children_of(proc.pid)
        time.sleep(0.2)
    assert workers, "no worker processes seen"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    deadline = time.time() + 15
    while time.time() < deadline and alive(workers):
        time.sleep(0.5)
    assert alive(workers) == set(), "workers (or the resource tracker) outlived their parent"
