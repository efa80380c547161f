"""The engine: invariants, determinism, random streams, Mesa integration, directions."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.config.population import largest_remainder_counts
from sim.engine.agents import BotCampaign, OpinionLeader, Platform
from sim.engine.metrics import REGISTRY
from sim.engine.metrics.basic import gini, mean_abs_difference
from sim.engine.model import OpinionEcologyModel

from .conftest import make_scenario


def run(scenario, steps=None, seed=None):
    model = OpinionEcologyModel(scenario, rng=seed)
    model.run_for(steps or scenario.run.steps)
    return model


def test_is_a_mesa_model_with_platform_leader_and_bot_agents():
    scenario = make_scenario(leaders={"count": 3, "agenda": [0.5, -0.5]},
                             bots=[{"count": 10, "stance": 0.9}])
    model = run(scenario, steps=3)
    assert isinstance(model, mesa.Model)
    assert len(model.agents_by_type[Platform]) == 2
    assert len(model.agents_by_type[OpinionLeader]) == 3
    assert len(model.agents_by_type[BotCampaign]) == 1
    assert model.steps == 3 and model.time == 3
    assert len(model.agents) == 6  # Mesa agents only for the few heavyweight actors


def test_state_invariants_over_a_run():
    scenario = make_scenario(leaders={"count": 4, "agenda": 0.8, "stubbornness": 0.5},
                             bots=[{"count": 12, "stance": -0.9, "volume": 5}])
    model = OpinionEcologyModel(scenario)
    for _ in range(15):
        model.step()
        assert np.all(np.isfinite(model.state.opinion))
        assert model.state.opinion.min() >= -1.0 and model.state.opinion.max() <= 1.0
        assert np.all(model.state.online[~model.state.is_public])  # leaders and bots always online
        assert not np.any(model.state.posted & ~model.state.online)
        assert np.all(model.state.expressing[~model.state.is_public])
    assert np.all(model.state.opinion[model.state.bot_accounts] == -0.9)
    frame = model.metrics_frame()
    assert list(frame["step"]) == list(range(16))
    assert not frame.isna().any().any()
    for name in frame.columns[1:]:  # the metrics the ecology records
        item = REGISTRY[name]
        assert frame[name].between(item.low, item.high).all(), name


def test_same_seed_identical_metrics_different_seed_differs(small):
    a = run(small, seed=5).metrics_frame()
    b = run(small, seed=5).metrics_frame()
    c = run(small, seed=6).metrics_frame()
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not a.equals(c)


def test_scenario_seed_is_used_when_no_rng_given(small):
    a = run(small).metrics_frame()
    b = run(small, seed=small.run.seed).metrics_frame()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_streams_are_independent_common_random_numbers(small):
    """Switching the spiral of silence off must not change who is online."""
    quiet = make_scenario(dynamics={"silence": {"enabled": False}})
    a, b = OpinionEcologyModel(small), OpinionEcologyModel(quiet)
    for _ in range(5):
        a.step()
        b.step()
        assert np.array_equal(a.state.online, b.state.online)
    assert np.array_equal(a.state.network.followees, b.state.network.followees)


def test_run_for_equals_repeated_step(small):
    a = OpinionEcologyModel(small)
    a.run_for(7)
    b = OpinionEcologyModel(small)
    for _ in range(7):
        b.step()
    assert np.array_equal(a.state.opinion, b.state.opinion)


def test_user_view(small):
    model = run(small, steps=2)
    view = model.user(5)
    assert view.id == 5 and view.opinion == model.state.opinion[5]
    assert view.stratum in {"urban", "rural"} and view.role == "public"
    assert view.followers == model.state.followers[5]
    with pytest.raises(IndexError):
        model.user(model.state.n)


def test_strata_and_platform_shares_follow_the_scenario():
    scenario = make_scenario(population={"size": 5000})
    model = OpinionEcologyModel(scenario)
    assert np.bincount(model.state.stratum).tolist() == [3500, 1500]
    shares = [p.share for p in model.platforms]
    assert shares[0] == pytest.approx(0.8, abs=0.02)
    assert sum(shares) == pytest.approx(1.0)


def test_access_sets_online_share_by_stratum():
    model = run(make_scenario(population={"size": 4000}), steps=30)
    online = np.zeros(2)
    for _ in range(30):
        model.step()
        state = model.state
        online += np.bincount(state.stratum[state.online & state.is_public], minlength=2)
    per_user = online / 30 / np.bincount(model.state.stratum[model.state.is_public])
    assert per_user == pytest.approx([0.9, 0.5], abs=0.02)


def test_bots_pull_opinion_toward_their_stance():
    """4 % bots at +0.9: measured shift of the public mean 0.079 +- 0.033 (sd, 8 seeds)."""
    shifts = []
    for seed in range(4):
        base = dict(population={"size": 1500}, run={"steps": 40, "seed": seed})
        without = run(make_scenario(**base)).latest_metrics()["opinion_mean"]
        bots = [{"count": 60, "stance": 0.9, "volume": 5}]
        with_bots = run(make_scenario(**base, bots=bots)).latest_metrics()["opinion_mean"]
        shifts.append(with_bots - without)
    assert np.mean(shifts) > 0.03


def test_leaders_hold_their_agenda_and_draw_attention():
    scenario = make_scenario(leaders={"count": 5, "agenda": -0.7, "reach": 10})
    model = run(scenario, steps=10)
    assert np.allclose(model.state.opinion[model.state.leader_accounts], -0.7)
    attention = model.state.attention
    share_of_attention = attention[model.state.leader_accounts].sum() / attention.sum()
    assert share_of_attention > 5 / 600 * 5  # far above their share of accounts


def test_silence_threshold_raises_silent_share():
    def silent(threshold):
        scenario = make_scenario(dynamics={"silence": {"enabled": True, "threshold": threshold}})
        return run(scenario, steps=10).metrics_frame()["silent_share"].iloc[1:].mean()

    assert silent(0.0) == 0.0
    assert silent(0.2) + 0.1 < silent(0.4) < silent(0.6) - 0.1


def test_recommendation_share_one_fills_feeds_from_the_home_platform():
    """With recommendation_share 1 every impression comes from the home platform."""
    model = run(make_scenario(dynamics={"recommendation_share": 1.0}), steps=2)
    assert model.state.feed.size > 0 and model.state.feed.recommended.all()
    home, feed = model.state.home_platform, model.state.feed
    same = home[feed.reader] == home[feed.source]
    assert same.all()


def test_followee_feed_only_shows_followees_who_posted():
    model = run(make_scenario(dynamics={"recommendation_share": 0.0}), steps=3)
    net = model.state.network
    feed = model.state.feed
    assert feed.size > 0 and not feed.recommended.any()
    keys = set((net.readers * model.state.n + net.followees).tolist())
    assert all(k in keys for k in (feed.reader * model.state.n + feed.source).tolist())
    assert model.state.posted[feed.source].all()


def test_metric_helpers_match_brute_force():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 301)
    brute = np.abs(x[:, None] - x[None, :]).mean()
    assert mean_abs_difference(np.sort(x)) == pytest.approx(brute, rel=1e-12)
    assert mean_abs_difference(np.sort(np.r_[-np.ones(50), np.ones(50)])) == pytest.approx(1.0)
    v = rng.exponential(size=200)
    brute_gini = np.abs(v[:, None] - v[None, :]).sum() / (2 * v.size**2 * v.mean())
    assert gini(v) == pytest.approx(brute_gini, rel=1e-12)
    assert gini(np.zeros(5)) == 0.0 and gini(np.ones(5)) == pytest.approx(0.0, abs=1e-12)


def test_largest_remainder_counts():
    counts = largest_remainder_counts(np.array([0.557, 0.105, 0.258, 0.080]), 10_001)
    assert counts.sum() == 10_001
    assert np.all(np.abs(counts - np.array([0.557, 0.105, 0.258, 0.080]) * 10_001) < 1)


def test_spec_records_the_seed_in_use(small):
    model = OpinionEcologyModel(small, rng=99)
    assert model.spec.run.seed == 99 and small.run.seed == 3
    model.run_for(3)
    replay = OpinionEcologyModel(model.spec)
    replay.run_for(3)
    pd.testing.assert_frame_equal(model.metrics_frame(), replay.metrics_frame(), check_exact=True)


def test_changing_leaders_does_not_move_the_bots():
    bots = [{"count": 20, "stance": 0.5}]
    a = OpinionEcologyModel(make_scenario(bots=bots, leaders={"count": 2, "selection": "random"}))
    b = OpinionEcologyModel(make_scenario(bots=bots, leaders={"count": 5, "selection": "random"}))
    kept = np.setdiff1d(a.state.bot_accounts, b.state.leader_accounts)
    assert np.isin(kept, b.state.bot_accounts).all()
    assert kept.size >= 20 - 5


def test_feeds_never_show_a_reader_its_own_post():
    model = OpinionEcologyModel(make_scenario(dynamics={"recommendation_share": 1.0},
                                              platforms=[{"name": "p", "share": 1.0}],
                                              population={"size": 50}))
    for _ in range(5):
        model.step()
        assert model.state.feed.size > 0
        assert not np.any(model.state.feed.reader == model.state.feed.source)
