"""The disorder measures: outcomes apart from pressures, plurality apart from disorder.

docs/measures.md says which term measures what, and which mechanism moves it; these tests
check the definitions (invariants) and the directions on small same-seed contrasts.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.outcomes import DISORDER_INDICES, OUTCOME_TERMS, PRESSURES
from sim.engine.metrics import REGISTRY
from sim.engine.model import OpinionEcologyModel
from sim.engine.scenarios import load_scenario

SMALL = ["population.size=600", "run.steps=40"]


def run(name: str, *overrides: str, seed: int = 3):
    spec = load_scenario(f"scenarios/{name}.yaml", overrides=[*SMALL, *overrides])
    model = OpinionEcologyModel(spec, rng=seed)
    model.run_for(spec.run.steps)
    return model.metrics_frame()


@pytest.fixture(scope="module")
def frames():
    return {name: run(name) for name in ("baseline", "all_imbalances", "tech_imbalance")}


def test_indices_average_their_outcome_terms_only(frames):
    assert set(OUTCOME_TERMS) == set(DISORDER_INDICES) - {"disorder_index"}
    terms = {t for ts in OUTCOME_TERMS.values() for t in ts}
    assert not terms & set(PRESSURES), "a pressure must never be averaged into an index"
    assert {"visibility_gap", "bot_share", "mainstream_reach", "silent_share",
            "sensational_share"}.isdisjoint(terms)
    for frame in frames.values():
        for index, parts in OUTCOME_TERMS.items():
            np.testing.assert_allclose(frame[index], frame[list(parts)].mean(axis=1),
                                       atol=1e-12)
        np.testing.assert_allclose(frame["disorder_index"],
                                   frame[list(OUTCOME_TERMS)].mean(axis=1), atol=1e-12)


def test_every_term_and_pressure_is_registered_and_in_range(frames):
    names = [*PRESSURES, *(t for ts in OUTCOME_TERMS.values() for t in ts),
             "connected_diversity", "segregated_polarisation", "homogenisation",
             "camp_segregation", "platform_divergence"]
    for name in names:
        definition = REGISTRY[name]
        for frame in frames.values():
            values = frame[name].to_numpy()
            assert np.isfinite(values).all(), name
            assert values.min() >= definition.low - 1e-12, name
            assert values.max() <= definition.high + 1e-12, name


def test_plurality_splits_into_connected_and_segregated(frames):
    for frame in frames.values():
        np.testing.assert_allclose(frame.connected_diversity + frame.segregated_polarisation,
                                   frame.polarization, atol=1e-12)


def test_visibility_gap_splits_into_the_publics_part_and_the_channels(frames):
    # W1 is a metric: what is seen is at most (held -> said) + (said -> seen) away
    for frame in frames.values():
        assert (frame.visibility_gap
                <= frame.expression_gap + frame.channel_distortion + 1e-9).all()


def test_bots_distort_the_channel_and_silence_carries_them_into_the_publics_voice():
    bots = "bots=[{name: b, count: 60, stance: 0.8, volume: 10}]"
    late = slice(20, None)

    def rise(metric, *extra):
        return (run("baseline", bots, *extra)[metric][late].mean()
                - run("baseline", *extra)[metric][late].mean())

    # measured at seed 3: channel +0.16 with or without silence; the public's own voice
    # +0.12 through the spiral of silence (bots tilt the climate, one side falls quiet)
    # and +0.03 without it
    assert rise("channel_distortion") > 0.08
    assert rise("channel_distortion", "dynamics.silence.enabled=false") > 0.08
    with_silence = rise("expression_gap")
    without_silence = rise("expression_gap", "dynamics.silence.enabled=false")
    assert with_silence > 0.05
    assert without_silence < with_silence / 2


def test_silence_widens_the_expression_gap():
    quiet = run("social_imbalance", "dynamics.silence.threshold=0.6")
    open_ = run("social_imbalance", "dynamics.silence.enabled=false")
    late = slice(20, None)
    assert quiet.silent_share[late].mean() > open_.silent_share[late].mean() + 0.1
    assert quiet.expression_gap[late].mean() > open_.expression_gap[late].mean()


def test_traffic_first_ranking_amplifies_extremes():
    ranked = run("market_imbalance")
    plain = run("market_imbalance", *(f"platforms.{i}.traffic_weight=0" for i in range(3)))
    early = slice(1, 20)  # before opinions converge
    assert ranked.extremity_amplification[early].mean() > 0.005
    assert plain.extremity_amplification[early].mean() < \
        ranked.extremity_amplification[early].mean() / 3


def test_consensus_is_not_homogenisation():
    # a public that agrees (all within [0.2, 0.21]) has nothing to homogenise: at most
    # sqrt(3) x its own sd (0.003)
    frame = run("baseline", "population.initial_opinion.distribution=uniform",
                "population.initial_opinion.low=0.2", "population.initial_opinion.high=0.21",
                *(f"population.strata.{i}.initial_opinion=null" for i in range(4)))
    assert frame.homogenisation.max() < 0.01
    assert frame.segregated_polarisation.max() < 0.01
    # while a varied public that sees one voice is homogenised
    loud = run("baseline", "bots=[{name: b, count: 150, stance: 0.0, volume: 50}]")
    assert loud.homogenisation[20:].mean() > 0.2
