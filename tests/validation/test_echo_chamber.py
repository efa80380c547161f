"""Baumann, Lorenz-Spreen, Sokolov & Starnini (2020): the three phases of the echo chamber
model at the paper's canonical settings (K = 3, m = 10, r = 0.5, activities ~ a^-2.1 on
[0.01, 1], dt = 0.01, x(0) uniform on [-1, 1]); x is the raw, unbounded opinion.

Sizes: N = 500 (the paper: 1000), t = 5 (500 steps; the phases set in by t = 2-3 and
hold to t = 40 at N = 1000), 6 seeds per phase (20 with OE_VALIDATION_FULL=1).
Measured (seeds 0-19, N = 500, t = 5):
- consensus (alpha = 0.05, beta = 2): mean |x| at most 0.0063 and max |x| at most
  0.062 (0.5 and 1 at t = 0); the rms of x decays like exp(-0.86 t) (sd 0.02, range
  0.81-0.89); polarization metric at most 0.009.
- polarisation (alpha = 3, beta = 3): share with x > 0 0.495 (sd 0.022, range
  0.46-0.54); mean |x| 1.52 (sd 0.10, min 1.36); |x| < 0.1 for 1.7% of the agents
  (max 3.4%): two groups, few undecided; 94% of the links of the last 100 steps join
  agents of the same sign (sd 1%, min 92%): echo chambers; corr(a_i, |x_i|) 0.92
  (min 0.85): the more active, the more extreme, as in the paper; polarization
  metric (on tanh x) 0.82 (sd 0.01, min 0.81).
- radicalisation (alpha = 3, beta = 0): all agents on one side in all 20 seeds (14
  negative, 6 positive; the side follows the sign of the initial mean in 36 of 40
  seeds, and the model is exactly mirror-symmetric); mean |x| 1.77 (min 1.53);
  polarization metric 0.15 (max 0.17).
Thresholds sit outside every measured run, most by five standard deviations or more.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.classic.echo_chamber import homophilous_contacts

from .common import classic, seeds

SIZE = 500
STEPS = 500  # t = 5 at dt = 0.01
NETWORK = {"generator": "barabasi_albert", "m": 1}  # not used by the model; cheap to build


def echo_chamber(controversy: float, homophily: float, seed: int, size: int = SIZE):
    return classic({"model": "echo_chamber", "controversy": controversy,
                    "homophily": homophily}, size, seed, NETWORK)


def test_consensus_small_controversy():
    for seed in seeds(6, 20):
        model = echo_chamber(0.05, 2.0, seed)
        model.run_for(100)
        early = np.sqrt(np.mean(model.state.raw_opinion**2))
        model.run_for(STEPS - 100)
        x = model.state.raw_opinion
        decay = np.log(early / np.sqrt(np.mean(x**2))) / 4.0
        assert np.mean(np.abs(x)) < 0.02 and np.max(np.abs(x)) < 0.2, seed
        assert 0.7 < decay < 1.0, (seed, decay)  # sd 0.02 around 0.86
        assert model.latest_metrics()["polarization"] < 0.05


def test_polarisation_strong_homophily():
    for seed in seeds(6, 20):
        model = echo_chamber(3.0, 3.0, seed)
        model.run_for(STEPS - 100)
        same_side = []
        for _ in range(100):
            model.step()
            phase, x = model.phases[0], model.state.raw_opinion
            same_side.append(np.mean(np.sign(x[phase.receiver]) == np.sign(x[phase.source])))
        x = model.state.raw_opinion
        assert 0.2 < np.mean(x > 0) < 0.8, seed
        assert np.mean(np.abs(x)) > 1.0, seed
        assert np.mean(np.abs(x) < 0.1) < 0.1, seed
        assert np.mean(same_side) > 0.85, seed
        assert np.corrcoef(model.state.activity, np.abs(x))[0, 1] > 0.6, seed
        assert model.latest_metrics()["polarization"] > 0.6


def test_one_sided_radicalisation_without_homophily():
    for seed in seeds(6, 20):
        model = echo_chamber(3.0, 0.0, seed)
        model.run_for(STEPS)
        x = model.state.raw_opinion
        assert max(np.mean(x > 0), np.mean(x < 0)) >= 0.95, seed
        assert np.mean(np.abs(x)) > 1.0, seed
        assert model.latest_metrics()["polarization"] < 0.4


def test_contacts_are_distinct_and_weighted_by_homophily():
    rng = np.random.default_rng(0)
    x = np.array([0.0, 0.1, 0.3, 1.0, -0.5])
    draws = 100_000
    first = homophilous_contacts(rng, x, np.zeros(draws, dtype=np.int64), 1, 2.0, 1e-5).ravel()
    weight = np.abs(x[1:] - x[0]) ** -2.0
    freq = np.bincount(first, minlength=5) / draws
    assert freq[0] == 0.0
    np.testing.assert_allclose(freq[1:], weight / weight.sum(), atol=0.005)  # se <= 0.0016
    some = homophilous_contacts(rng, x, np.arange(5), 10, 2.0, 1e-5)  # m capped at N - 1
    assert some.shape == (5, 4)
    assert all(set(row) == set(range(5)) - {i} for i, row in enumerate(some))


@pytest.mark.parametrize("homophily", [0.0, 3.0])
def test_opinion_is_tanh_of_raw_and_runs_replay(homophily):
    a, b = echo_chamber(3.0, homophily, 7, 100), echo_chamber(3.0, homophily, 7, 100)
    np.testing.assert_array_equal(a.state.opinion, np.tanh(a.state.raw_opinion))
    a.run_for(50)
    b.run_for(50)
    np.testing.assert_array_equal(a.state.opinion, np.tanh(a.state.raw_opinion))
    np.testing.assert_array_equal(a.state.raw_opinion, b.state.raw_opinion)
    assert a.state.opinion.min() >= -1.0 and a.state.opinion.max() <= 1.0


def test_mirror_symmetry():
    """x(0) -> -x(0) gives x(t) -> -x(t) exactly: the draws do not depend on the sign."""
    a, b = echo_chamber(3.0, 3.0, 5, 200), echo_chamber(3.0, 3.0, 5, 200)
    b.state.raw_opinion = -b.state.raw_opinion
    b.state.opinion = np.tanh(b.state.raw_opinion)
    a.run_for(300)
    b.run_for(300)
    np.testing.assert_array_equal(a.state.raw_opinion, -b.state.raw_opinion)
