"""Output folders: refused before any work when they cannot be written, locked while a run
writes them, and rescued when writing fails after the run (a full disk)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT, SCENARIOS

SMALL = ["--set", "population.size=600", "--steps", "20", "--quiet"]


def run(args: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=env)


def refused(result: subprocess.CompletedProcess, *parts: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    for part in parts:
        assert part in result.stderr, result.stderr


@pytest.fixture
def mount_tmpfs(tmp_path):
    """Mount a small tmpfs (root only): ``mount(name, options)`` -> its folder."""
    mounted = []

    def mount(name: str, options: str) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip()})")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_a_dangling_symlink_a_file_or_a_path_through_a_file_is_refused(tmp_path, command):
    target = SCENARIOS / "baseline.yaml"
    if command == "sweep":
        target = SCENARIOS / "sweeps" / "power_balance.yaml"
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for out, expect in ((link, "does not exist"), (a_file, "not a folder"),
                        (a_file / "sub", "is a file")):
        result = run([command, str(target), "--out", str(out)], tmp_path)
        refused(result, str(out), expect)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "link"]


def test_a_name_too_long_is_refused(tmp_path):
    out = tmp_path / ("x" * 300)
    result = run(["run", str(SCENARIOS / "baseline.yaml"), "--out", str(out)], tmp_path)
    refused(result, "longer than the file system allows")
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_file_system_is_refused(tmp_path, mount_tmpfs):
    read_only = mount_tmpfs("ro", "ro,size=1m")
    result = run(["run", str(SCENARIOS / "baseline.yaml"), "--out", str(read_only / "out")],
                 tmp_path)
    refused(result, "read-only file system")


def test_a_full_disk_saves_the_results_elsewhere_and_says_so(tmp_path, mount_tmpfs):
    tiny = mount_tmpfs("tiny", "size=200k")
    rescue_root = tmp_path / "tmp"
    rescue_root.mkdir()
    env = {**__import__("os").environ, "TMPDIR": str(rescue_root)}
    out = tiny / "out"
    result = run(["run", str(SCENARIOS / "baseline.yaml"), "--out", str(out), *SMALL],
                 tmp_path, env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "No space left on device" in result.stderr
    rescued = list(rescue_root.glob("opinion-ecology-rescue-baseline-*"))
    assert len(rescued) == 1 and str(rescued[0]) in result.stderr
    summary = json.loads((rescued[0] / "summary.json").read_text())
    assert summary["status"] == "completed"
    for name in summary["files"]:
        assert (rescued[0] / name).is_file(), name
    here = json.loads((out / "summary.json").read_text())
    assert here["status"] == "failed" and str(rescued[0]) in here["error"]
    assert not list(out.rglob("*.tmp"))


def test_a_second_writer_to_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "run",
                              str(SCENARIOS / "baseline.yaml"), "--out", str(out),
                              "--set", "population.size=2000", "--steps", "2000"],
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not (out / ".opinion-ecology.lock").exists():
            time.sleep(0.1)
        second = run(["run", str(SCENARIOS / "baseline.yaml"), "--out", str(out), "--force",
                      *SMALL], tmp_path)
        refused(second, "another process is writing to this folder")
    finally:
        first.kill()
        first.communicate()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "failed"  # the placeholder: the first run was killed
    assert "did not finish" in summary["error"]


def test_a_finished_run_leaves_no_lock_and_a_complete_summary(tmp_path):
    out = tmp_path / "out"
    result = run(["run", str(SCENARIOS / "baseline.yaml"), "--out", str(out), *SMALL],
                 tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert not (out / ".opinion-ecology.lock").exists()
    listed = set(summary["files"])
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert written == listed
