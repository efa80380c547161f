"""Notebooks run top to bottom through a real Jupyter kernel (nbclient + ipykernel), from
the notebooks/ folder, as a reader runs them; they are stored without outputs."""

from __future__ import annotations

import json
import sys

import pytest

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "opinion-ecology-test"


@pytest.fixture(scope="module")
def kernel_home(tmp_path_factory):
    """A kernelspec that starts this interpreter (the project's environment), whatever
    other kernels the machine has installed."""
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "opinion-ecology (test)", "language": "python"}))
    return home


def test_notebooks_exist():
    names = {path.name for path in NOTEBOOKS}
    assert {"01_quickstart.ipynb", "02_disorder_and_reorder.ipynb",
            "03_sweeps_and_sensitivity.ipynb"} <= names


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_in_a_kernel(path, kernel_home, monkeypatch, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_home))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # `import sim` from notebooks/ without install
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # what the notebooks write goes with tmp_path
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, kernel_name=KERNEL, timeout=600,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError (with the cell and traceback) on failure
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.execution_count for cell in code), "every code cell ran"
    for cell in code:
        for output in cell.outputs:
            text = output.get("text", "")
            for warning in ("DeprecationWarning", "FutureWarning", "RuntimeWarning"):
                assert warning not in text, f"{path.name}: a cell warned:\n{text}"


def test_notebooks_are_stored_without_outputs():
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), f"{path.name}: clear outputs before committing"
                assert cell.get("execution_count") is None, f"{path.name}: clear the counts"
