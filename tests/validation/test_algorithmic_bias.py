"""Sirbu, Pedreschi, Giannotti & Kertesz (2019): algorithmic bias gamma raises the number
of final clusters and, sharply, the time to converge, at fixed eps.

N = 100, complete graph, eps = 0.3 on [0, 1], mu = 0.5, distance floor 1e-5 on
[0, 1]; run until structural convergence (every gap between sorted opinions
< 1e-3 or >= eps), at most 5000 steps of N meetings; 6 seeds.
Exact random-sequential semantics (the default). Measured (seeds 0-5): median
steps to converge 33 (gamma 0) and 908.5 (gamma 1.0; NDlib's AlgorithmicBiasModel
gives 891 over 40 seeds, benchmarks/vs_ndlib.py); gamma = 1.5 does not converge
within 20,000 steps (Sirbu et al. report times growing by orders of magnitude
with gamma). Effective number of clusters (participation ratio) mean 1.35
(gamma 0) and 1.76 (gamma 1.0).
"""

from __future__ import annotations

import numpy as np

from .common import classic, participation_ratio, run_to_convergence, seeds

EPS = 0.6  # confidence on [-1, 1] = eps 0.3 on [0, 1]


def outcome(gamma: float, seed: int) -> tuple[int, float]:
    model = classic({"model": "algorithmic_bias", "confidence": EPS, "gamma": gamma}, 100, seed)
    steps = run_to_convergence(model, EPS, 5000)
    return steps, participation_ratio(model.state.opinion, EPS / 2)


def test_bias_slows_convergence_and_fragments():
    results = {gamma: [outcome(gamma, seed) for seed in seeds(6, 30)] for gamma in (0.0, 1.0)}
    t0 = np.median([t for t, _ in results[0.0]])
    t1 = np.median([t for t, _ in results[1.0]])
    assert all(t < 5000 for t, _ in results[1.0])
    assert t1 > 5 * t0, (t0, t1)
    c0 = np.mean([c for _, c in results[0.0]])
    c1 = np.mean([c for _, c in results[1.0]])
    assert c1 > c0 + 0.15, (c0, c1)


def test_gamma_zero_is_deffuant_partner_choice():
    """With gamma = 0 the model draws partners uniformly: same numbers as deffuant."""
    a = classic({"model": "algorithmic_bias", "confidence": EPS, "gamma": 0.0}, 100, 4)
    b = classic({"model": "deffuant", "confidence": EPS}, 100, 4)
    b.streams._streams["deffuant"] = b.streams["algorithmic_bias"]  # the same draws
    a.run_for(3)
    b.run_for(3)
    assert a.state.opinion.std() > 0.1  # far from converged: the comparison is not trivial
    np.testing.assert_array_equal(a.state.opinion, b.state.opinion)
