"""Regression digests: every shipped scenario, small and seeded, under both kernel backends.

Each case runs a scenario of ``scenarios/`` at ``population.size=600`` for 120 steps
(seed 11; interventions of the reorder files act from step 101) and hashes its tables
``metrics.csv``, ``strata.csv`` and ``platforms.csv``. The digests in
``tests/regression_digests.json`` change only in a commit that changes behaviour on
purpose, and that commit says why. Regenerate them with::

    python tests/test_regression.py --write

Floats are hashed at 12 significant digits, not bit for bit: a few metrics (gini,
polarization) use BLAS dot products whose last bits may differ between OpenBLAS builds,
while a change of behaviour moves chaotic trajectories far beyond 1e-12. The file also
keeps the final metrics of each case, so a failure names what moved.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DIGESTS = Path(__file__).with_name("regression_digests.json")
SIZE, STEPS, SEED = 600, 120, 11
BACKENDS = ("numpy", "numba")
SCENARIO_FILES = sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml"))


def _frame_digest(frame) -> str:
    text = frame.to_csv(index=False, float_format="%.12g", lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def case_tables(name: str, backend: str) -> dict:
    """The digests and final metrics of one scenario file under one backend."""
    from sim.engine.kernels import backend as kernel_backend
    from sim.engine.scenarios import load_scenario
    from sim.runs.driver import run_scenario

    scenario = load_scenario(ROOT / "scenarios" / name,
                             [f"population.size={SIZE}", f"run.steps={STEPS}"])
    with kernel_backend(backend):
        result = run_scenario(scenario, SEED)
    tables = {"metrics": result.metrics, "strata": result.strata,
              "platforms": result.platforms}
    final = tables["metrics"].iloc[-1].drop("step")
    return {"digests": {key: _frame_digest(frame) for key, frame in tables.items()},
            "final": {key: float(f"{value:.10g}") for key, value in final.items()}}


def _stored() -> dict:
    return json.loads(DIGESTS.read_text(encoding="utf-8"))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", SCENARIO_FILES)
def test_digest_unchanged(name: str, backend: str) -> None:
    if backend == "numba":
        pytest.importorskip("numba")
    stored = _stored()["cases"].get(f"{name}:{backend}")
    assert stored is not None, (f"no digest for {name} ({backend}): a new scenario file needs "
                                "python tests/test_regression.py --write")
    got = case_tables(name, backend)
    if got["digests"] != stored["digests"]:
        moved = {k: (stored["final"].get(k), v) for k, v in got["final"].items()
                 if stored["final"].get(k) != v}
        tables = [k for k in got["digests"] if got["digests"][k] != stored["digests"].get(k)]
        pytest.fail(f"{name} ({backend}): tables {tables} changed; final metrics that moved "
                    f"(stored, now): {dict(list(moved.items())[:8])}")


def test_every_scenario_has_a_digest() -> None:
    cases = _stored()["cases"]
    assert {c.split(":")[0] for c in cases} == set(SCENARIO_FILES)


def write_digests() -> None:
    cases = {f"{name}:{backend}": case_tables(name, backend)
             for name in SCENARIO_FILES for backend in BACKENDS}
    DIGESTS.write_text(json.dumps({"size": SIZE, "steps": STEPS, "seed": SEED,
                                   "cases": cases}, indent=1, sort_keys=True) + "\n",
                       encoding="utf-8")
    print(f"wrote {len(cases)} cases to {DIGESTS}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_regression.py --write")
    write_digests()
