"""Building blocks of the classic models: exact batching, matchings, biased choice."""

from __future__ import annotations

import numpy as np

from sim.engine.classic.deffuant import Deffuant
from sim.engine.classic.pairwise import (
    biased_neighbours,
    conflict_free_prefix,
    first_disjoint_pairs,
    structurally_converged,
)

from .validation.common import classic


def test_conflict_free_prefix():
    assert conflict_free_prefix(np.array([0, 2, 4, 1]), np.array([1, 3, 5, 6])) == 3
    assert conflict_free_prefix(np.array([0, 2]), np.array([1, 3])) == 2
    assert conflict_free_prefix(np.array([0, 1]), np.array([1, 2])) == 1


def test_first_disjoint_pairs_is_a_matching():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 50, 200)
    b = (a + rng.integers(1, 50, 200)) % 50
    keep = first_disjoint_pairs(a, b)
    ends = np.concatenate([a[keep], b[keep]])
    assert keep.any() and np.unique(ends).size == ends.size


def test_batched_random_sequential_equals_one_meeting_at_a_time():
    """The batches of disjoint meetings give exactly the one-by-one result."""
    model = classic({"model": "deffuant", "confidence": 0.8}, 60, 2)
    rng = np.random.default_rng(9)
    a = rng.integers(0, 60, 500)
    b = (a + rng.integers(1, 60, 500)) % 60
    reference = model.state.opinion.copy()
    mu, eps = 0.5, 0.8
    for i, j in zip(a.tolist(), b.tolist(), strict=True):  # the definition, one at a time
        gap = reference[j] - reference[i]
        if abs(gap) < eps:
            reference[i] += mu * gap
            reference[j] -= mu * gap
    phase = Deffuant()
    pos = 0
    while pos < a.size:
        length = conflict_free_prefix(a[pos:pos + 20], b[pos:pos + 20])
        phase.meet(model, a[pos:pos + length], b[pos:pos + length])
        pos += length
    np.testing.assert_allclose(model.state.opinion, reference, rtol=0, atol=1e-12)


def test_biased_choice_follows_the_power_law():
    model = classic({"model": "algorithmic_bias", "confidence": 0.6, "gamma": 1.0}, 4, 0)
    model.state.opinion[:] = [0.0, 0.1, 0.2, 0.4]  # distances from 0: 0.1, 0.2, 0.4
    agents = np.zeros(60_000, dtype=np.int64)
    u = np.random.default_rng(0).random(agents.size)
    picks = biased_neighbours(model.state, agents, u, gamma=1.0, floor=1e-5)
    share = np.bincount(picks, minlength=4)[1:] / agents.size
    expected = np.array([10.0, 5.0, 2.5]) / 17.5
    np.testing.assert_allclose(share, expected, atol=0.01)
    huge = biased_neighbours(model.state, agents[:10], u[:10], gamma=100.0, floor=1e-5)
    assert np.all(huge == 1)  # no overflow: the nearest neighbour wins


def test_structural_convergence():
    assert structurally_converged(np.array([0.0, 0.0, 0.5, 0.5]), eps=0.4)
    assert not structurally_converged(np.array([0.0, 0.2, 0.5]), eps=0.4)


def test_random_sequential_applies_the_drawn_sequence_in_order():
    """The meetings applied are exactly N draws (initiator, uniform partner), in order (the
    batches of disjoint meetings; the kernels give the same opinions: test_classic_kernels)."""
    from sim.engine.classic.pairwise import uniform_neighbours
    from sim.engine.streams import RandomStreams

    model = classic({"model": "deffuant", "confidence": 0.4}, 400, 5)
    applied: list[np.ndarray] = []
    phase = model.phases[0]
    phase.compiled_sequence = False  # the windows, whose meetings can be watched
    original = phase.meet
    phase.meet = lambda m, a, b: (applied.append(np.stack([a, b])), original(m, a, b))
    model.step()
    rng = RandomStreams(5)["deffuant"]  # replay the phase's stream
    initiators = rng.integers(0, 400, size=400)
    expected = np.stack([initiators, uniform_neighbours(model.state, initiators, rng.random(400))])
    np.testing.assert_array_equal(np.concatenate(applied, axis=1), expected)


def test_algorithmic_bias_semantics_differ_only_in_partner_timing():
    """Both semantics keep opinions in range and give the same step-0 state; the exact
    mode replays bit for bit."""
    runs = {}
    for semantics in ("random_sequential", "batched"):
        model = classic({"model": "algorithmic_bias", "confidence": 0.6, "gamma": 1.0,
                         "semantics": semantics}, 80, 3)
        model.run_for(10)
        runs[semantics] = model.state.opinion.copy()
        assert np.all(np.abs(model.state.opinion) <= 1.0)
    again = classic({"model": "algorithmic_bias", "confidence": 0.6, "gamma": 1.0}, 80, 3)
    again.run_for(10)
    np.testing.assert_array_equal(again.state.opinion, runs["random_sequential"])
    assert not np.array_equal(runs["random_sequential"], runs["batched"])
