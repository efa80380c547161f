"""The classic models' compiled meetings (sim/engine/kernels/classic.py): identical to their
numpy twins bit for bit, used when numba is present, and the right model."""

from __future__ import annotations

import numpy as np
import pytest

import sim.engine.kernels as backends
import sim.engine.kernels.classic as ck

from .validation.common import classic

needs_numba = pytest.mark.skipif(not backends.numba_available(), reason="numba is not installed")
SPARSE = {"generator": "stochastic_block", "mean_degree": 6, "homophily": 0.5}


def _bits(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x).view(np.int64)  # compares -0.0 and 0.0 apart too


@needs_numba
@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 1.5])
@pytest.mark.parametrize("graph", ["complete", "sparse"])
def test_whole_runs_are_identical_with_either_backend(backend, gamma, graph):
    network = None if graph == "complete" else SPARSE
    size = 40 if graph == "complete" else 120
    runs = []
    for which in ("numpy", "numba"):
        backend(which)
        model = classic({"model": "algorithmic_bias", "confidence": 0.6, "gamma": gamma},
                        size, 7, network)
        model.run_for(300)
        runs.append((model.state.opinion.copy(), model.metrics_frame()))
    (xa, fa), (xb, fb) = runs
    assert np.array_equal(_bits(xa), _bits(xb))
    assert fa.equals(fb)
    assert not np.array_equal(xa, classic(
        {"model": "algorithmic_bias", "confidence": 0.6, "gamma": gamma}, size, 7,
        network).state.opinion)  # the opinions moved: the comparison is not trivial


def _random_graph(rng, n=300):
    degree = rng.integers(1, 25, n)
    degree[:5] = n - 1  # a few hubs
    indptr = np.concatenate(([0], np.cumsum(degree))).astype(np.int64)
    followees = np.concatenate([(i + 1 + rng.choice(n - 1, d, replace=False)) % n
                                for i, d in enumerate(degree)]).astype(np.int64)
    return indptr, followees


@needs_numba
@pytest.mark.parametrize("gamma", [0.5, 1.0, 1.5, 2.0, 3.5, 100.0])
def test_biased_meetings_twins_are_identical(backend, gamma):
    """Random graphs and opinions with ties, opinions closer than the floor, uniforms that
    land on a row's end, and gamma 100 (far weights underflow to 0)."""
    rng = np.random.default_rng(11)
    indptr, followees = _random_graph(rng)
    n = indptr.size - 1
    x0 = np.round(rng.uniform(-1, 1, n), 2)  # many exact ties
    x0[:30] += rng.uniform(0, 1e-6, 30)  # distances below the floor
    initiators = rng.integers(0, n, 5000)
    u = rng.random(initiators.size)
    u[::97] = np.nextafter(1.0, 0.0)
    u[1::97] = 0.0
    results = []
    for which in ("numpy", "numba"):
        backend(which)
        x = x0.copy()
        ck.biased_meetings(x, indptr, followees, initiators, u, 0.8, 0.3, gamma, 1e-5)
        results.append(x)
    assert np.array_equal(_bits(results[0]), _bits(results[1]))
    assert not np.array_equal(results[0], x0)


@needs_numba
def test_uniform_meetings_twins_are_identical(backend):
    rng = np.random.default_rng(12)
    indptr, followees = _random_graph(rng)
    n = indptr.size - 1
    x0 = rng.uniform(-1, 1, n)
    x0[:20] = -0.0  # signed zeros: the kernel adds +-0 exactly as the numpy batches do
    initiators = rng.integers(0, n, 20_000)
    u = rng.random(initiators.size)
    u[::50] = np.nextafter(1.0, 0.0)
    results = []
    for which in ("numpy", "numba"):
        backend(which)
        x = x0.copy()
        ck.uniform_meetings(x, indptr, followees, initiators, u, 0.5, 0.5, 60)
        results.append(x)
    assert np.array_equal(_bits(results[0]), _bits(results[1]))


@pytest.mark.parametrize("gamma", [0.5, 1.0, 1.5])
def test_biased_partner_follows_the_power_law(backend, gamma):
    """Disjoint stars: centre at 0, leaves at distances 0.1, 0.2, 0.4; one meeting per
    star, the partner is the leaf that moved. P(leaf) ~ distance^-gamma."""
    stars = 20_000
    indptr = np.zeros(stars * 4 + 1, dtype=np.int64)
    np.cumsum(np.tile([3, 1, 1, 1], stars), out=indptr[1:])  # centre: 3 leaves; leaf: centre
    base = 4 * np.arange(stars)
    followees = np.stack([base + 1, base + 2, base + 3, base, base, base], axis=1).ravel()
    distances = np.array([0.1, 0.2, 0.4])
    x0 = np.tile(np.concatenate(([0.0], distances)), stars)
    u = np.random.default_rng(13).random(stars)
    expected = distances ** -gamma / np.sum(distances ** -gamma)
    for which in ("numpy",) + (("numba",) if backends.numba_available() else ()):
        backend(which)
        x = x0.copy()
        ck.biased_meetings(x, indptr, followees, base, u, 1.0, 0.5, gamma, 1e-5)
        moved = (x != x0).reshape(stars, 4)[:, 1:]
        assert np.all(moved.sum(axis=1) == 1)
        share = moved.mean(axis=0)
        np.testing.assert_allclose(share, expected, atol=0.012)  # sd < 0.0036


@needs_numba
def test_the_kernels_are_used_when_numba_is_present(backend, monkeypatch):
    calls: list[str] = []

    def spy(kernel, twin):
        original = getattr(kernel, twin)
        name = f"{kernel.__name__}.{twin}"
        monkeypatch.setattr(kernel, twin, lambda *args: (calls.append(name), original(*args))[1])

    for kernel in (ck.exact_biased_meetings, ck.uniform_meetings):
        for twin in ("numba", "numpy"):
            spy(kernel, twin)
    backend("numba")
    classic({"model": "algorithmic_bias", "confidence": 0.6, "gamma": 1.0}, 30, 1).run_for(2)
    classic({"model": "algorithmic_bias", "confidence": 0.6, "gamma": 0.0}, 30, 1).run_for(2)
    assert calls == ["exact_biased_meetings.numba"] * 2 + ["uniform_meetings.numba"] * 2
    calls.clear()
    backend("numpy")  # switched at call time
    classic({"model": "algorithmic_bias", "confidence": 0.6, "gamma": 1.5}, 30, 1).run_for(1)
    classic({"model": "algorithmic_bias", "confidence": 0.6, "gamma": 0.0}, 30, 1).run_for(1)
    assert calls == ["exact_biased_meetings.numpy", "uniform_meetings.numpy"]


def test_default_backend_is_numba_when_installed():
    import os

    if backends.numba_available() and os.environ.get("OPINION_ECOLOGY_KERNELS", "auto") == "auto":
        assert backends.active_backend() == "numba"


def test_gamma_without_exact_weights_keeps_the_log_space_path(backend):
    assert ck.half_steps(0.7) is None and ck.half_steps(1.5) == 3 and ck.half_steps(0) == 0
    with pytest.raises(ValueError, match="whole number"):
        ck.biased_meetings(np.zeros(2), np.array([0, 1, 2]), np.array([1, 0]),
                           np.array([0]), np.array([0.5]), 0.5, 0.5, 0.7, 1e-5)
    runs = []
    for which in ("numpy",) + (("numba",) if backends.numba_available() else ()):
        backend(which)
        model = classic({"model": "algorithmic_bias", "confidence": 0.6, "gamma": 0.7}, 40, 2)
        model.run_for(20)
        runs.append(model.state.opinion.copy())
    assert all(np.array_equal(runs[0], r) for r in runs)


def _groups(gamma: float, seed: int, steps: int = 300, gap: float = 0.01) -> int:
    model = classic({"model": "algorithmic_bias", "confidence": 0.6, "gamma": gamma}, 100, seed)
    model.run_for(steps)
    return int(np.count_nonzero(np.diff(np.sort(model.state.opinion)) > gap)) + 1


def test_more_bias_more_groups_and_slower_merging():
    """Same starts (seeds 0-3), N = 100, complete graph, 300 steps: the number of opinion
    groups (split at gaps > 0.01) grows with gamma from 1 on (measured means 2.0, 1.75,
    17.0, 35.75 for gamma 0, 0.5, 1, 1.5; 0 and 0.5 both reach one or two clusters)."""
    groups = {gamma: np.mean([_groups(gamma, seed) for seed in range(4)])
              for gamma in (0.0, 0.5, 1.0, 1.5)}
    assert max(groups[0.0], groups[0.5]) < groups[1.0] < groups[1.5], groups


@pytest.mark.parametrize("model, extra", [("deffuant", {"confidence": 0.6}), ("voter", {})])
@pytest.mark.parametrize("graph", ["complete", "sparse"])
def test_deffuant_and_voter_kernels_equal_the_batches_of_disjoint_meetings(backend, model,
                                                                           extra, graph):
    """The compiled sequence (and its numpy twin) gives the opinions of the batched
    random-sequential path it replaced, bit for bit, on either backend."""
    network = None if graph == "complete" else SPARSE
    size = 60 if graph == "complete" else 150
    results = {}
    for which in ("numpy",) + (("numba",) if backends.numba_available() else ()):
        backend(which)
        for path in ("kernel", "batches"):
            run = classic({"model": model, **extra}, size, 5, network)
            if path == "batches":
                for phase in run.phases:
                    phase.compiled_sequence = False  # the windows of disjoint meetings
            run.run_for(40)
            results[which, path] = run.state.opinion.copy()
    reference = results["numpy", "batches"]
    assert not np.array_equal(reference, classic({"model": model, **extra}, size, 5,
                                                 network).state.opinion)
    for key, x in results.items():
        assert np.array_equal(_bits(x), _bits(reference)), key


def test_neighbourhood_means_twins_agree_on_random_networks(backend):
    rng = np.random.default_rng(3)
    n = 400
    degree = rng.integers(0, 12, n)
    indptr = np.concatenate(([0], np.cumsum(degree)))
    followees = rng.integers(0, n, indptr[-1])
    x = rng.uniform(-1, 1, n)
    x[:20] = -0.0  # signed zeros too
    reference = ck.neighbourhood_means.numpy(x, indptr, followees, 0.3)
    # the definition, directly
    for i in (0, 5, 77, 399):
        row = x[followees[indptr[i]:indptr[i + 1]]]
        near = row[np.abs(row - x[i]) <= 0.3]
        assert reference[i] == pytest.approx((near.sum() + x[i]) / (near.size + 1))
    if backends.numba_available():
        assert np.array_equal(_bits(ck.neighbourhood_means.numba(x, indptr, followees, 0.3)),
                              _bits(reference))


@needs_numba
def test_hegselmann_krause_on_a_network_is_identical_with_either_backend(backend):
    runs = []
    for which in ("numpy", "numba"):
        backend(which)
        model = classic({"model": "hegselmann_krause", "confidence": 0.3}, 200, 2, SPARSE)
        model.run_for(15)
        runs.append(model.state.opinion.copy())
    assert np.array_equal(_bits(runs[0]), _bits(runs[1]))
