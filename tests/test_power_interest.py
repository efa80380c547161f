"""Actors with interests and new entrants (issue #17, items 3 and 7; docs/model.md 3.15-3.16).

A platform's ``stance`` tilts its ranking toward a position; the stance-gap metrics say
whose position the public holds; ``new_entrant`` opens a closed commercial platform with
an innovation shock to its appeal, after which competition alone moves the shares.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ScenarioError
from sim.engine.metrics import REGISTRY
from sim.engine.model import OpinionEcologyModel
from sim.engine.scenarios import load_scenario, validate_scenario
from tests.conftest import SCENARIOS, SMALL, deep_update, make_scenario

INTEREST_METRICS = ("platform_stance_gap", "platform_stance_gap_median",
                    "market_power_advantage", "bot_stance_gap", "leader_agenda_gap",
                    "outlet_stance_gap", "entrant_share")


def interested(weight: float, seed: int, steps: int = 60) -> OpinionEcologyModel:
    """SMALL with the big platform (80 % of users) favouring +0.6 with ``weight``."""
    scenario = make_scenario(
        platforms=[{"name": "big", "share": 0.8, "stance": {"position": 0.6, "weight": weight}},
                   {"name": "small", "share": 0.2}],
        run={"steps": steps, "seed": seed})
    model = OpinionEcologyModel(scenario, rng=seed)
    model.run_for(steps)
    return model


# --------------------------------------------------------------------------- off = today


def test_a_stance_of_weight_zero_leaves_the_model_unchanged():
    """Stance declared with weight 0 (measured, not favoured): every metric of today's model
    bit for bit; only the new gap measures differ from a platform without a stance."""
    plain = load_scenario(SCENARIOS / "market_imbalance.yaml",
                          ["population.size=600", "run.steps=30"])
    weightless = load_scenario(SCENARIOS / "platform_interest.yaml",
                               ["population.size=600", "run.steps=30",
                                "platforms.0.stance.weight=0", "platforms.2.stance.weight=0"])
    frames = []
    for scenario in (plain, weightless):
        model = OpinionEcologyModel(scenario, rng=5)
        model.run_for(30)
        frames.append(model.metrics_frame())
    today = [c for c in frames[0].columns if c not in INTEREST_METRICS]
    assert frames[0][today].equals(frames[1][today])
    assert (frames[0]["platform_stance_gap"] == 0).all()  # no platform has a stance
    assert (frames[1]["platform_stance_gap"] > 0).all()


# --------------------------------------------------------------------------- interests


def test_a_favouring_platform_pulls_the_public_toward_its_stance():
    """Measured over seeds 0-5 (60 steps, last 20 averaged): the mean-opinion gap to +0.6
    falls by 0.012 to 0.080 with weight 4 on every seed; the median gap by 0.035 to 1.0."""
    mean_diff, median_diff = [], []
    for seed in range(5):
        frames = [interested(w, seed).metrics_frame() for w in (0.0, 4.0)]
        late = [f[f.step > 40] for f in frames]
        mean_diff.append(late[1].platform_stance_gap.mean() - late[0].platform_stance_gap.mean())
        median_diff.append(late[1].platform_stance_gap_median.mean()
                           - late[0].platform_stance_gap_median.mean())
    assert max(mean_diff) < 0, mean_diff
    assert np.mean(mean_diff) < -0.02, mean_diff
    assert np.mean(median_diff) < -0.05, median_diff


def test_the_favour_tilts_what_the_platform_recommends():
    def recommended_mean(weight):
        model = interested(weight, seed=2, steps=10)
        state, feed = model.state, model.state.feed
        on_big = feed.recommended & (state.home_platform[feed.reader] == 0)
        return state.opinion[feed.source[on_big]].mean()
    assert recommended_mean(4.0) > recommended_mean(0.0) + 0.2


def test_gap_measures_are_in_range_and_read_the_public_not_the_knob():
    model = OpinionEcologyModel(load_scenario(SCENARIOS / "platform_interest.yaml",
                                              ["population.size=600", "run.steps=25"]), rng=2)
    model.run_for(25)
    frame = model.metrics_frame()
    for name in INTEREST_METRICS:
        item = REGISTRY[name]
        assert np.isfinite(frame[name]).all(), name
        assert frame[name].between(item.low, item.high).all(), name
    state = model.state
    x = state.opinion[state.is_public]
    shares = state.platform_shares()
    gaps = np.abs(x.mean() - np.array([0.5, -0.5]))
    expected = np.dot(shares[[0, 2]], gaps) / shares[[0, 2]].sum()
    assert frame.platform_stance_gap.iloc[-1] == pytest.approx(expected)
    big, small = (0, 2) if shares[0] >= shares[2] else (2, 0)
    stance = state.platform_stance
    m = x.mean()
    assert frame.market_power_advantage.iloc[-1] == pytest.approx(
        abs(m - stance[small]) - abs(m - stance[big]))
    assert frame.leader_agenda_gap.iloc[-1] == pytest.approx(abs(m - state.leader_agenda.mean()))
    assert frame.outlet_stance_gap.iloc[-1] == pytest.approx(abs(m))  # outlet stance 0
    assert frame.platform_stance_gap.nunique() > 5  # it moves with the dynamics
    platforms = model.platforms_frame()
    last = platforms[platforms.step == 25].set_index("platform")
    assert last.loc["platform_a", "stance_gap"] == pytest.approx(abs(m - 0.5))
    assert last.loc["platform_c", "stance_gap_median"] == pytest.approx(
        abs(np.median(x) + 0.5))
    assert np.isnan(last.loc["platform_b", "stance_gap"])  # no stance: empty


def test_bot_stance_gap_reads_the_campaigns():
    model = OpinionEcologyModel(make_scenario(bots=[{"count": 20, "stance": 0.8}]), rng=1)
    model.run_for(5)
    m = model.state.opinion[model.state.is_public].mean()
    assert model.metrics_frame().bot_stance_gap.iloc[-1] == pytest.approx(abs(m - 0.8))


# --------------------------------------------------------------------------- new entrant


def entrant_model(eta: float, innovation: float, start: int = 10,
                  seed: int = 4) -> OpinionEcologyModel:
    scenario = make_scenario(
        platforms=[{"name": "big", "share": 0.7, "appeal": 1.5},
                   {"name": "small", "share": 0.3},
                   {"name": "newco", "share": 0.0, "appeal": 3.0}],
        dynamics={"competition": {"reconsider_rate": 0.2, "eta": eta}},
        interventions=[{"type": "new_entrant", "start": start, "innovation": innovation,
                        "early_adopters": 0.02, "target": {"platforms": ["newco"]}}],
        run={"steps": 60, "seed": seed})
    return OpinionEcologyModel(scenario, rng=seed)


def test_new_entrant_opens_at_its_step_and_gains_share():
    model = entrant_model(eta=1.0, innovation=2.0)
    model.run_for(10)
    state = model.state
    assert state.platform_appeal[2] == 0.0 and state.platform_shares()[2] == 0.0
    leader_appeal = state.platform_appeal[0]
    model.step()  # step 11: it opens
    assert state.platform_appeal[2] == pytest.approx(3.0 * leader_appeal)
    opening = state.platform_shares()[2]
    assert 0.0 < opening < 0.06
    model.run_for(49)
    frame = model.metrics_frame()
    assert (frame.entrant_share[frame.step <= 10] == 0).all()
    assert frame.entrant_share.iloc[-1] > 3 * opening
    shares = model.platforms_frame().groupby("step").user_share.sum()
    np.testing.assert_allclose(shares, 1.0)


def test_network_effects_lock_an_entrant_out_and_a_big_shock_tips_the_market():
    """eta 1.5: a copy of the leader's product shrinks from its foothold; an innovation of 30
    takes the market from the incumbent leader (measured on seeds 0-4: entrant share 0 to
    0.003 and 0.987 to 0.997 at step 60), and concentration falls while the market
    re-forms (its lowest value after the entry 0.14 to 0.22, against 0.53 to 0.71 without
    an entrant) before the new leader's monopoly raises it again."""
    def run(innovation, start=10):
        model = entrant_model(eta=1.5, innovation=innovation, start=start)
        model.run_for(60)
        shares = model.platforms_frame().query("step == 60").set_index("platform").user_share
        return model.metrics_frame(), shares
    (plain, none), (copy, _), (shock, tipped) = run(0.0, start=1000), run(0.0), run(30.0)
    assert copy.entrant_share.iloc[-1] < 0.02
    assert shock.entrant_share.iloc[-1] > 0.5
    assert none.idxmax() == "big" and tipped.idxmax() == "newco"
    assert tipped["big"] < none["big"] - 0.4
    assert shock.entrant_share.iloc[-1] == pytest.approx(tipped["newco"])
    assert shock[shock.step > 10].market_concentration.min() < 0.35
    assert plain[plain.step > 10].market_concentration.min() > 0.45


@pytest.mark.parametrize("patch, message", [
    ({"platforms": [{"name": "big", "share": 1.0, "stance": {"position": 0.5, "weight": -1}}]},
     "platforms.0.stance.weight"),
    ({"platforms": [{"name": "big", "share": 1.0, "stance": {"position": 1.5}}]},
     "platforms.0.stance.position"),
    ({"platforms": [{"name": "big", "share": 1.0, "stance": {"position": 0.5, "weigth": 1}}]},
     "weigth"),
    ({"interventions": [{"type": "new_entrant", "target": {"platforms": ["big"]}}]},
     "declared with share 0"),
    ({"interventions": [{"type": "new_entrant"}]}, "name exactly one platform"),
    ({"interventions": [{"type": "new_entrant", "innovation": -1,
                         "target": {"platforms": ["big"]}}]}, "greater than or equal to 0"),
    ({"platforms": [{"name": "big", "share": 1.0},
                    {"name": "app", "share": 0.0, "kind": "mainstream"}],
      "interventions": [{"type": "new_entrant", "target": {"platforms": ["app"]}}]},
     "of kind 'commercial'"),
])
def test_bad_fields_are_refused_with_a_clear_message(patch, message):
    with pytest.raises(ScenarioError) as err:
        validate_scenario(deep_update(SMALL, patch))
    assert message in str(err.value)
