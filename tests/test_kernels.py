"""The compiled kernels and their numpy twins give identical results, and the right ones."""

from __future__ import annotations

import numpy as np
import pytest

import sim.engine.kernels as backends
import sim.engine.kernels.ecology as kernels
from sim.engine.model import OpinionEcologyModel
from sim.engine.scenarios import load_scenario

from .conftest import ROOT

needs_numba = pytest.mark.skipif(not backends.numba_available(), reason="numba is not installed")


def _blocks(rng, n=5000, zero_share=0.3):
    weight = rng.pareto(1.5, n) * (rng.random(n) > zero_share)  # heavy tail, many zeros
    weight[:40] = 0.0  # a block of zero weight
    cum = np.concatenate(([0.0], np.cumsum(weight)))
    bounds = np.array([0, 40, 40, 1000, 3000, n])  # an all-zero, an empty and three others
    return weight, cum, bounds


def test_pick_in_blocks_follows_the_weights(backend):
    rng = np.random.default_rng(1)
    weight, cum, bounds = _blocks(rng, n=50)
    lo = np.full(200_000, 3)
    hi = np.full(200_000, 50)
    for name in ("numpy",) + (("numba",) if backends.numba_available() else ()):
        backend(name)
        pick = kernels.pick_in_blocks(cum, lo, hi, np.random.default_rng(2).random(lo.size))
        assert pick.min() >= 3 and pick.max() < 50
        assert np.all(weight[pick] > 0)  # zero-weight items are never picked
        freq = np.bincount(pick, minlength=50)[3:] / pick.size
        expected = weight[3:50] / weight[3:50].sum()
        assert np.abs(freq - expected).max() < 0.005  # binomial sd < 0.0012
        empty = kernels.pick_in_blocks(cum, np.array([0, 5]), np.array([40, 5]),
                                       np.array([0.5, 0.5]))
        assert list(empty) == [-1, -1]  # zero-weight block, empty block


@needs_numba
def test_pick_in_blocks_twins_are_identical(backend):
    rng = np.random.default_rng(3)
    _, cum, bounds = _blocks(rng)
    block = rng.integers(0, bounds.size - 1, 100_000)
    u = rng.random(block.size)
    u[:50] = np.nextafter(1.0, 0.0)  # targets that round onto the block's end
    u[50:100] = 0.0
    results = []
    for name in ("numpy", "numba"):
        backend(name)
        results.append(kernels.pick_in_blocks(cum, bounds[block], bounds[block + 1], u))
    assert np.array_equal(*results)


@needs_numba
@pytest.mark.parametrize("c", [1, 3, 10])
def test_biased_choice_twins_are_identical(backend, c):
    rng = np.random.default_rng(4)
    _, cum, bounds = _blocks(rng)
    n = bounds[-1]
    posters = rng.permutation(n + 100)[:n]
    opinion = rng.uniform(-1, 1, n + 100)
    block = rng.integers(0, bounds.size - 1, 50_000)
    reader = np.where(rng.random(block.size) < 0.3, posters[rng.integers(0, n, block.size)],
                      rng.integers(0, n + 100, block.size))  # some readers are posters
    draws = rng.random((block.size, c))
    v = rng.random(block.size)
    v[:20] = np.nextafter(1.0, 0.0)
    table = kernels.bias_table(np.array([1.0, 0.5, 2.0, 3.0, 1.5]), 0.01)
    results = []
    for name in ("numpy", "numba"):
        backend(name)
        results.append(kernels.biased_choice(cum, bounds, posters, opinion, reader, block,
                                             draws, v, table))
    assert np.array_equal(*results)
    chosen = results[0]
    assert np.all(chosen != reader)  # never one's own post
    assert np.all(chosen[(block == 0) | (block == 1)] == -1)  # nothing to show


def test_biased_choice_prefers_close_posts(backend):
    """Two equally ranked posts at distances 0.1 and 0.9 from every reader: with gamma 1
    and 10 candidates the closer one is shown far more often than 1 in 2."""
    opinion = np.array([0.0, 0.1, -0.9])
    cum = np.array([0.0, 1.0, 2.0])
    posters = np.array([1, 2])
    bounds = np.array([0, 2])
    slots = 20_000
    rng = np.random.default_rng(5)
    table = kernels.bias_table(np.array([1.0]), 0.01)
    chosen = kernels.biased_choice(cum, bounds, posters, opinion, np.zeros(slots, np.int64),
                                   np.zeros(slots, np.int64), rng.random((slots, 10)),
                                   rng.random(slots), table)
    share = np.mean(chosen == 1)
    assert 0.8 < share < 0.95  # 1 - P(all 10 far) ... weights 0.91/0.11 -> about 0.89


@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0, 3.0])
def test_bias_table_is_accurate(gamma):
    d = np.random.default_rng(6).random(200_000) * 2.0
    table = kernels.bias_table(np.array([gamma]), 0.01)
    approx = kernels._interpolate(table, np.zeros(d.size, np.int64), d)
    exact = ((d + 0.01) / 0.01) ** -gamma
    assert np.max(np.abs(approx / exact - 1.0)) < 2e-5


@needs_numba
@pytest.mark.parametrize("name", ["all_imbalances", "reorder_combined"])
def test_whole_runs_are_identical_with_either_backend(backend, name):
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml",
                             ["population.size=3000", "run.steps=40"])
    runs = []
    for which in ("numpy", "numba"):
        backend(which)
        model = OpinionEcologyModel(scenario)
        model.run_for(40)
        runs.append((model.state.opinion.copy(), model.metrics_frame(),
                     model.state.network.followees.copy()))
    (xa, fa, na), (xb, fb, nb) = runs
    assert np.array_equal(xa, xb) and np.array_equal(na, nb)
    assert fa.equals(fb)


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="expected numba or numpy"):
        backends.use_backend("cuda")


@needs_numba
def test_feed_follows_picks_followees_by_spread_weight(backend):
    rng = np.random.default_rng(7)
    n, size = 50, 20_000
    degree = np.full(n, 6)
    indptr = np.concatenate(([0], np.cumsum(degree)))
    followees = rng.integers(0, n, indptr[-1])
    followees[indptr[3]:indptr[4]] = [10, 11, 12, 13, 14, 10]  # 10 followed twice
    spread = np.zeros(n)
    spread[[10, 11, 12, 13]] = [1.0, 2.0, 3.0, 0.0]
    u = rng.random(size)
    for name in ("numpy", "numba"):
        backend(name)
        source = kernels.feed_follows(np.array([3]), size, u, np.zeros(size, bool), spread,
                                      indptr, followees)
        share = np.bincount(source, minlength=n)[10:15] / size
        # followee j by spread weight, each tie counted: 10 twice (2), 11 (2), 12 (3)
        assert share == pytest.approx([2 / 7, 2 / 7, 3 / 7, 0, 0], abs=0.01)


@needs_numba
def test_feed_follows_and_compact_feed_twins_are_identical(backend):
    rng = np.random.default_rng(17)
    n, size = 3000, 7
    degree = rng.integers(0, 40, n)
    degree[:5] = 0  # readers without follows
    indptr = np.concatenate(([0], np.cumsum(degree)))
    followees = rng.integers(0, n, indptr[-1])
    followees[indptr[5]:indptr[5] + 3] = 5  # a reader who follows itself
    spread = rng.pareto(1.5, n) * (rng.random(n) < 0.4)
    spread[5] = 1e6
    readers = np.flatnonzero(rng.random(n) < 0.5)
    u = rng.random(readers.size * size)
    u[:30] = np.nextafter(1.0, 0.0)
    is_rec = rng.random(u.size) < 0.3
    is_rec[:size] = True  # a reader whose slots are all recommendations
    recommended = np.where(rng.random(is_rec.sum()) < 0.8, rng.integers(0, n, is_rec.sum()), -1)
    results = []
    for name in ("numpy", "numba"):
        backend(name)
        source = kernels.feed_follows(readers, size, u, is_rec, spread, indptr, followees)
        slots = np.repeat(readers, size)
        assert np.all(source[is_rec] == -1)
        ok = source >= 0
        assert np.all(spread[source[ok]] > 0)
        # each pick is one of the slot's reader's followees
        assert all(p in set(followees[indptr[r]:indptr[r + 1]])
                   for p, r in zip(source[ok][:500], slots[ok][:500], strict=True))
        # a follow slot stays empty only when none of the reader's followees posted (or, for
        # the first 30 slots' u just below 1, by rounding onto a last followee of weight 0)
        posted = np.array([spread[followees[indptr[r]:indptr[r + 1]]].sum() > 0 for r in slots])
        assert np.array_equal(ok[30:], (posted & ~is_rec)[30:])
        assert np.all(posted[ok])
        source[is_rec] = recommended
        feed = kernels.compact_feed(readers, size, source.copy(), is_rec)
        keep = (source >= 0) & (source != slots)
        assert [a.tolist() for a in feed] == [slots[keep].tolist(), source[keep].tolist(),
                                              is_rec[keep].tolist()]
        results.append((source, *feed))
    for a, b in zip(*results, strict=True):
        assert np.array_equal(a, b)
    assert (results[0][1] == 5).any() and not (results[0][2][results[0][1] == 5] == 5).any()


@needs_numba
def test_feed_summary_twins_are_identical_and_right(backend):
    rng = np.random.default_rng(23)
    n, entries = 4000, 30_000
    opinion = rng.uniform(-1, 1, n)
    opinion[:50] = 1.0  # the histograms' closed right end
    is_bot = rng.random(n) < 0.05
    is_outlet = (rng.random(n) < 0.01) & ~is_bot
    is_public = ~(is_bot | is_outlet | (rng.random(n) < 0.02))
    stratum = rng.integers(0, 3, n).astype(np.int16)
    low = stratum == 2
    home = rng.integers(0, 4, n).astype(np.int16)
    reader = rng.integers(0, n, entries)
    reader[: entries // 2].sort()  # runs of one reader, then an unsorted tail
    source = rng.integers(0, n, entries)
    code = kernels.feed_code(is_public, is_bot, is_outlet, low, stratum)
    results = []
    for name in ("numpy", "numba"):
        backend(name)
        results.append(kernels.feed_summary(reader, source, opinion, code, home, 3, 4, 0.8, 400))
    numpy_result, numba_result = results
    assert numpy_result.keys() == numba_result.keys()
    for key, value in numpy_result.items():
        assert np.array_equal(value, numba_result[key]), key
    # against the definitions, computed directly
    keep = is_public[reader]
    r, k = reader[keep], source[keep]
    xs, xr = opinion[k], opinion[r]
    by_public = is_public[k]
    assert numpy_result["entries"] == r.size
    assert numpy_result["heard"] == by_public.sum()
    assert numpy_result["low_heard"] == (low[k] & by_public).sum()
    assert numpy_result["same_stratum"] == (stratum[r] == stratum[k])[by_public].sum()
    assert numpy_result["bots"] == is_bot[k].sum()
    assert numpy_result["sensational"] == (np.abs(xs) >= 0.8).sum()
    assert numpy_result["outlet_readers"] == np.unique(r[is_outlet[k]]).size
    assert numpy_result["distance"] == pytest.approx(np.abs(xr - xs).sum(), rel=1e-12)
    assert np.array_equal(numpy_result["seen_hist"], kernels.histogram(xs, 400))
    assert np.array_equal(numpy_result["reader_hist"], kernels.histogram(xr, 400))
    assert np.array_equal(numpy_result["platform_seen"], np.bincount(home[r], minlength=4))
    assert np.array_equal(numpy_result["author_strata"],
                          np.bincount(stratum[k[by_public]], minlength=3))
    within = sum(((xs[r == i] - xs[r == i].mean()) ** 2).sum() for i in np.unique(r))
    dof = sum((r == i).sum() - 1 for i in np.unique(r))
    assert numpy_result["within_dof"] == dof
    assert numpy_result["within_spread"] == pytest.approx(within, rel=1e-9)


@needs_numba
def test_update_climate_and_apply_pull_twins_are_identical(backend):
    rng = np.random.default_rng(29)
    n = 5000
    support = rng.random(n) * (rng.random(n) < 0.7)
    mass = support + rng.random(n) * (rng.random(n) < 0.8)
    is_public = rng.random(n) < 0.9
    threshold = rng.random(n)
    pull = rng.normal(0, 2, n)
    results = []
    for name in ("numpy", "numba"):
        backend(name)
        climate = np.ones(n)
        expressing = np.ones(n, dtype=bool)
        opinion = rng.uniform(-1, 1, n) if not results else results[0][3].copy()
        start = opinion.copy()
        kernels.update_climate(support, mass, is_public, 0.5, climate, threshold, expressing)
        kernels.apply_pull(pull, mass, 0.3, opinion)
        results.append((climate, expressing, opinion, start))
    for a, b in zip(*results, strict=True):
        assert np.array_equal(a, b)
    climate, expressing, opinion, start = results[0]
    read = (mass > 0) & is_public
    assert np.all(climate[~read] == 1.0) and np.all(expressing[~read])
    assert np.array_equal(expressing[read], climate[read] >= threshold[read])
    assert np.all(np.abs(opinion) <= 1.0) and np.all(opinion[mass == 0] == start[mass == 0])


@needs_numba
def test_feed_sums_twins_are_identical(backend):
    rng = np.random.default_rng(8)
    n = 2000
    reader = rng.integers(0, n, 30_000)
    reader[:20_000].sort()  # runs of one reader, then readers coming back in an unsorted tail
    source = rng.integers(0, n, reader.size)
    opinion = rng.uniform(-1, 1, n)
    opinion[:50] = 0.0  # neutral accounts
    influence = rng.pareto(2.0, n)
    results = []
    for name in ("numpy", "numba"):
        backend(name)
        results.append(kernels.climate_sums(reader, source, opinion, influence, n)
                       + kernels.pull_sums(reader, source, opinion, influence, 0.4, n))
    for a, b in zip(*results, strict=True):
        assert np.array_equal(a, b)
    support, mass, pull, near = results[0]
    assert np.all(support <= mass) and np.all(near >= 0)


def test_a_bad_backend_variable_is_one_clear_error(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, OPINION_ECOLOGY_KERNELS="gpu")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), "run",
                           str(ROOT / "scenarios" / "baseline.yaml"), "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2
    assert "OPINION_ECOLOGY_KERNELS='gpu'" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


@needs_numba
def test_histogram_twins_are_identical(backend):
    rng = np.random.default_rng(9)
    x = np.concatenate([rng.uniform(-1, 1, 20_000), [-1.0, 1.0, 0.0, np.nextafter(1.0, 0.0)]])
    results = []
    for name in ("numpy", "numba"):
        backend(name)
        results.append(kernels.histogram(x, 400))
    assert np.array_equal(*results)
    counts = results[0]
    assert counts.sum() == x.size and counts[-1] >= 2 and counts[0] >= 1  # both ends inside


@needs_numba
def test_kernels_registered_after_the_first_compiled_call_still_compile():
    """A module of kernels imported after another's kernels ran compiled (e.g. the classic
    kernels after a metric kernel) gets its helpers and twins compiled on its first call."""
    import subprocess
    import sys

    code = ("import numpy as np\n"
            "from sim.engine.kernels import use_backend\n"
            "use_backend('numba')\n"
            "import sim.engine.kernels.ecology as e\n"
            "assert e.histogram(np.array([0.1, 0.5]), 4).tolist() == [0, 0, 1, 1]\n"
            "import sim.engine.kernels.classic as c\n"
            "x = np.array([0.0, 0.1])\n"
            "c.uniform_meetings(x, np.array([0, 1, 2]), np.array([1, 0]), np.array([0]),\n"
            "                   np.array([0.5]), 0.5, 0.5, 4)\n"
            "assert np.allclose(x, [0.05, 0.05])\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
