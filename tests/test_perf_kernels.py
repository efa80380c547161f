"""The parallel kernels (issue #19): the same bits on 1 and 2 threads, and as their numpy
twins, with inputs large enough to be cut into many chunks (sim/engine/kernels/ecology.py:
CHUNK feed entries, READER_CHUNK readers, SLOT_CHUNK recommendation slots)."""

from __future__ import annotations

import numpy as np
import pytest

import sim.engine.kernels as backends
import sim.engine.kernels.ecology as kernels
from sim.engine.model import OpinionEcologyModel
from sim.engine.network import FollowNetwork, barabasi_albert_edges, barabasi_albert_network
from sim.engine.scenarios import load_scenario

from .conftest import ROOT

needs_numba = pytest.mark.skipif(not backends.numba_available(), reason="numba is not installed")
THREADS = (1, 2)


def _bits(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x)
    return x.view(np.int64) if x.dtype == np.float64 else x  # -0.0 and 0.0 apart too


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(_bits(a), _bits(b))
    return a == b


def _everywhere(backend, call):
    """call() under numpy, then numba on each thread count; all results."""
    backend("numpy")
    results = [call()]
    backend("numba")
    for count in THREADS:
        with backends.threads(count) as running:
            assert running == min(count, backends.numba_available() and _cores())
            results.append(call())
    return results


def _cores() -> int:
    import numba

    return numba.config.NUMBA_NUM_THREADS


def _feed(rng, n=30_000, per_reader=10, grouped=True):
    readers = np.flatnonzero(rng.random(n) < 0.6)
    reader = np.repeat(readers, rng.integers(0, per_reader + 1, readers.size))
    reader[:50] = readers[0]  # a long run of one reader (a chunk boundary moves past it)
    reader = np.sort(reader)
    if not grouped:
        reader[-5000:] = rng.integers(0, n, 5000)  # readers coming back out of order
    source = rng.integers(0, n, reader.size)
    return reader, source


@needs_numba
@pytest.mark.parametrize("grouped", [True, False])
def test_feed_passes_do_not_depend_on_threads(backend, grouped):
    rng = np.random.default_rng(5)
    n = 30_000
    reader, source = _feed(rng, n, grouped=grouped)
    assert reader.size > 4 * kernels.CHUNK  # many chunks
    opinion = rng.uniform(-1, 1, n)
    opinion[:200] = 0.0  # neutral accounts
    opinion[200:300] = 1.0  # the histograms' closed right end
    influence = rng.pareto(2.0, n)
    is_bot = rng.random(n) < 0.05
    is_outlet = (rng.random(n) < 0.01) & ~is_bot
    is_public = ~(is_bot | is_outlet | (rng.random(n) < 0.02))
    stratum = rng.integers(0, 3, n)
    code = kernels.feed_code(is_public, is_bot, is_outlet, stratum == 2, stratum)
    home = rng.integers(0, 4, n).astype(np.int16)

    def call():
        return (kernels.climate_sums(reader, source, opinion, influence, n),
                kernels.pull_sums(reader, source, opinion, influence, 0.4, n),
                kernels.feed_summary(reader, source, opinion, code, home, 3, 4, 0.8, 400))

    first, *others = _everywhere(backend, call)
    for other in others:
        assert _same(first, other)
    summary = first[2]
    keep = is_public[reader]
    assert summary["entries"] == keep.sum()
    assert summary["outlet_readers"] == np.unique(reader[keep][is_outlet[source[keep]]]).size


@needs_numba
def test_feed_compaction_and_updates_do_not_depend_on_threads(backend):
    rng = np.random.default_rng(7)
    n, size = 40_000, 10
    readers = np.flatnonzero(rng.random(n) < 0.5)
    assert readers.size > 4 * kernels.READER_CHUNK
    source = rng.integers(-1, n, readers.size * size)
    source[::13] = np.repeat(readers, size)[::13]  # the reader's own post: dropped
    is_rec = rng.random(source.size) < 0.3
    support = rng.random(n) * (rng.random(n) < 0.7)
    mass = support + rng.random(n) * (rng.random(n) < 0.8)
    is_public = rng.random(n) < 0.9
    threshold = rng.random(n)
    pull = rng.normal(0, 2, n)
    start = rng.uniform(-1, 1, n)

    def call():
        feed = tuple(np.array(a) for a in kernels.compact_feed(readers, size, source, is_rec))
        climate = np.full(n, 0.5)
        expressing = np.zeros(n, dtype=bool)
        opinion = start.copy()
        kernels.update_climate(support, mass, is_public, 0.7, climate, threshold, expressing)
        kernels.apply_pull(pull, mass, 0.3, opinion)
        return feed, climate, expressing, opinion

    first, *others = _everywhere(backend, call)
    for other in others:
        assert _same(first, other)
    reader, shown, _ = first[0]
    assert np.all(np.diff(reader) >= 0) and np.all(shown != reader) and np.all(shown >= 0)


@needs_numba
def test_biased_choice_does_not_depend_on_threads(backend):
    rng = np.random.default_rng(3)
    n, slots, c = 20_000, 6 * kernels.SLOT_CHUNK + 17, 10
    posters = np.flatnonzero(rng.random(n) < 0.3)
    home = rng.integers(0, 3, posters.size)
    order = np.argsort(home, kind="stable")
    posters, home = posters[order], home[order]
    scores = rng.pareto(1.5, posters.size) * (rng.random(posters.size) > 0.2)
    cum = np.concatenate(([0.0], np.cumsum(scores)))
    bounds = np.searchsorted(home, np.arange(4))
    opinion = np.round(rng.uniform(-1, 1, n), 3)
    reader = rng.integers(0, n, slots)
    block = rng.integers(0, 3, slots)
    draws = rng.random((slots, c))
    v = rng.random(slots)
    v[::101] = np.nextafter(1.0, 0.0)
    table = kernels.bias_table(np.array([0.5, 1.0, 2.0]), 0.01)

    def call():
        return kernels.biased_choice(cum, bounds, posters, opinion, reader, block, draws, v,
                                     table)

    first, *others = _everywhere(backend, call)
    for other in others:
        assert _same(first, other)
    assert (first >= 0).mean() > 0.9 and not np.any(first == reader)


@needs_numba
def test_whole_run_does_not_depend_on_threads(backend):
    """Every mechanism on, big enough that the feed passes run in several chunks."""
    scenario = load_scenario(ROOT / "scenarios" / "all_imbalances.yaml",
                             ["population.size=20000", "run.steps=6"])
    backend("numba")
    runs = []
    for count in THREADS:
        with backends.threads(count):
            model = OpinionEcologyModel(scenario)
            model.run_for(6)
            runs.append((model.state.opinion.copy(), model.metrics_frame(),
                         model.state.network.followees.copy(), model.state.feed.size))
    (xa, fa, na, ea), (xb, fb, nb, eb) = runs
    assert ea > 2 * kernels.CHUNK
    assert np.array_equal(_bits(xa), _bits(xb)) and np.array_equal(na, nb)
    assert fa.equals(fb)


@needs_numba
def test_thread_count_is_restored_and_clamped():
    before = backends.thread_count()
    with backends.threads(1) as running:
        assert running == 1 == backends.thread_count()
    assert backends.thread_count() == before
    with backends.threads(10_000) as running:
        assert running == _cores()
    assert backends.thread_count() == before


def test_parallel_kernels_are_declared_parallel():
    parallel = {k.__name__ for k in backends.registered_kernels() if k.parallel}
    assert {"compact_feed", "climate_sums", "pull_sums", "update_climate", "apply_pull",
            "biased_choice", "feed_pass"} <= parallel


@pytest.mark.parametrize(("n", "m", "rows"), [(3, 2, 5), (40, 1, 7), (6000, 10, 1000)])
def test_chunked_barabasi_albert_network_is_the_same_network(n, m, rows):
    """The 10-million-user build path (keys written in blocks of rows, sorted in place)
    gives the network of the plain path, bit for bit."""
    plain = FollowNetwork.from_undirected(n, barabasi_albert_edges(n, m,
                                                                   np.random.default_rng(3)))
    lean = barabasi_albert_network(n, m, np.random.default_rng(3), rows=rows)
    assert np.array_equal(plain.indptr, lean.indptr)
    assert np.array_equal(plain.followees, lean.followees)
    assert lean.followees.dtype == np.int64 and lean.n_ties == 2 * (m + (n - m - 1) * m)


def test_from_keys_drops_duplicates_and_sorts_rows():
    net = FollowNetwork.from_keys(4, np.array([3 * 4 + 1, 0 * 4 + 2, 3 * 4 + 0, 0 * 4 + 2]))
    assert net.indptr.tolist() == [0, 1, 1, 1, 3]
    assert net.followees.tolist() == [2, 0, 1]


def test_sweep_workers_share_the_cores(monkeypatch):
    import os

    from sim.runs.executors import worker_threads

    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    cores = os.cpu_count() or 1
    assert worker_threads(1) == cores
    assert worker_threads(cores) == 1 and worker_threads(10 * cores) == 1
    monkeypatch.setenv("NUMBA_NUM_THREADS", "1")
    assert worker_threads(1) == 1


@needs_numba
def test_parallel_kernels_can_be_called_from_several_threads_at_once(backend):
    """The dashboard steps models in threads: concurrent parallel launches are safe (a
    thread-safe threading layer, never Numba's workqueue) and give the same numbers."""
    from concurrent.futures import ThreadPoolExecutor

    backend("numba")
    rng = np.random.default_rng(13)
    n = 30_000
    reader, source = _feed(rng, n)
    opinion = rng.uniform(-1, 1, n)
    influence = rng.pareto(2.0, n)

    def call(_):
        return kernels.pull_sums(reader, source, opinion, influence, 0.4, n)

    alone = call(0)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(call, range(8)))
    assert all(_same(alone, r) for r in results)
