"""The bad-input corpus (tests/bad_inputs/): every malformed file is refused by the command
line with one clear message (exit code 2, the file and the field named, nothing written).

The expected message of each file is in tests/bad_inputs/expected.yaml; files whose message
is not yet clear are marked there with ``known_gap`` and are strict expected failures. The
runs are subprocesses, as a user runs them, started together on the machine's cores
(OE_TEST_WORKERS overrides the count) so the corpus takes seconds, not minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
EXPECTED: dict = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
FILES = sorted(p.name for p in CORPUS.iterdir() if p.is_file() and p.name != "expected.yaml")
ENTRY_KEYS = {"expect", "args", "source", "known_gap"}
TIMEOUT = 60  # seconds per run; a refusal takes about one


def cli(path: Path, workdir: Path, args: list[str]) -> subprocess.CompletedProcess:
    """``run.py run PATH --out WORKDIR/out --quiet ARGS`` with WORKDIR as working folder."""
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "run", str(path), "--out", str(workdir / "out"),
         "--quiet", *args],
        capture_output=True, text=True, cwd=workdir, timeout=TIMEOUT)


def check_refusal(result: subprocess.CompletedProcess, workdir: Path, source: str,
                  expect: list[str]) -> None:
    """Exit code 2, one message naming ``source`` with every ``expect``, nothing written."""
    err = result.stderr
    assert result.returncode == 2, f"exit code {result.returncode}:\n{err}"
    assert "Traceback" not in err, err
    assert result.stdout == "", result.stdout
    assert err.startswith("error: "), err
    assert sum(line.startswith("error: ") for line in err.splitlines()) == 1, err
    assert source in err, f"{source!r} not named in {err!r}"
    for part in expect:
        assert part in err, f"{part!r} not in {err!r}"
    out = workdir / "out"
    assert not out.exists() or not any(out.iterdir()), f"written: {sorted(out.rglob('*'))}"
    written = [p for p in workdir.iterdir() if p != out]
    assert not written, f"written to the working folder: {written}"


def _params() -> list:
    params = []
    for name in FILES:
        gap = (EXPECTED.get(name) or {}).get("known_gap")
        marks = [pytest.mark.xfail(reason=f"known gap: {gap}", strict=True)] if gap else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """Start the CLI on every selected corpus file at once; name -> (future, workdir)."""
    selected = [item.callspec.params["name"] for item in request.session.items
                if item.module is request.module and hasattr(item, "callspec")
                and "name" in item.callspec.params]
    workers = int(os.environ.get("OE_TEST_WORKERS", os.cpu_count() or 1))
    started = {}
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for name in selected:
            workdir = tmp_path_factory.mktemp(Path(name).stem)
            args = [str(a) for a in (EXPECTED.get(name) or {}).get("args", [])]
            started[name] = (pool.submit(cli, CORPUS / name, workdir, args), workdir)
        yield started


def test_expected_lists_exactly_the_corpus():
    listed, present = set(EXPECTED), set(FILES)
    assert not listed - present, f"in expected.yaml but not in the corpus: {listed - present}"
    assert not present - listed, f"in the corpus but not in expected.yaml: {present - listed}"
    assert len(FILES) >= 45
    for name, entry in EXPECTED.items():
        assert isinstance(entry, dict) and set(entry) <= ENTRY_KEYS, name
        assert isinstance(entry.get("expect"), list), f"{name}: expect must be a list"
        assert all(isinstance(x, str) and x for x in entry["expect"]), name
        assert entry.get("known_gap") or entry["expect"], f"{name}: nothing expected"


@pytest.mark.parametrize("name", _params())
def test_bad_input_is_refused_clearly(name, runs):
    entry = EXPECTED.get(name)
    assert entry is not None, f"{name} is not listed in expected.yaml"
    future, workdir = runs[name]
    result = future.result(timeout=TIMEOUT * 4)
    path = CORPUS / name
    check_refusal(result, workdir, entry.get("source", str(path)), entry["expect"])


def _oversized(folder: Path) -> Path:
    path = folder / "oversized.yaml"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("name: x\npopulation: {size: 100}\n")
        handle.write("# a scenario is a page of text, not data\n" * 30_000)  # about 1.2 MB
    assert path.stat().st_size > 1_000_000
    return path


def _fifo(folder: Path) -> Path:
    """A named pipe where the scenario should be: opening it would block; never opened."""
    path = folder / "scenario.yaml"
    os.mkfifo(path)
    return path


def _edge_list_fifo(folder: Path) -> Path:
    os.mkfifo(folder / "edges.txt")
    path = folder / "scenario.yaml"
    path.write_text("name: x\npopulation: {size: 10}\nnetwork: {generator: edge_list, path: "
                    "edges.txt}\n", encoding="utf-8")
    return path


GENERATED = {
    # name: (make the input in a folder, substrings of the message)
    "oversized-file": (_oversized, ["limited to 1000000 bytes"]),
    "scenario-is-a-fifo": (_fifo, ["is a named pipe (FIFO), not a regular file"]),
    "edge-list-is-a-fifo": (_edge_list_fifo, [":3:33: network.path:",
                                              "it is a named pipe (FIFO), not a regular file"]),
    "path-is-a-directory": (lambda folder: folder, ["is a directory"]),
    "file-does-not-exist": (lambda folder: folder / "no-such-scenario.yaml", ["file not found"]),
}


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_bad_input_is_refused_clearly(case, tmp_path):
    make, expect = GENERATED[case]
    if "fifo" in case and not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    inputs, workdir = tmp_path / "inputs", tmp_path / "work"
    inputs.mkdir()
    workdir.mkdir()
    path = make(inputs)
    check_refusal(cli(path, workdir, []), workdir, str(path), expect)


PROBE = """
import contextlib, io, json, sys
from sim.face.cli import main
for path, out, args in json.loads(sys.argv[1]):
    with contextlib.redirect_stderr(io.StringIO()):
        try:
            main(["run", path, "--out", out, "--quiet", *args])
        except BaseException:  # the known gaps raise; only the imports matter here
            pass
print(json.dumps(sorted(m for m in ("mesa", "matplotlib", "pandas") if m in sys.modules)))
"""


def test_refusals_happen_before_the_engine_is_imported(tmp_path):
    """Every corpus file is refused before Mesa (and the output libraries) are imported."""
    jobs = [(str(CORPUS / name), str(tmp_path / f"out-{k}"),
             [str(a) for a in (EXPECTED.get(name) or {}).get("args", [])])
            for k, name in enumerate(FILES)]
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(jobs)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [], result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == []
