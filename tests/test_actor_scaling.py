"""Per-capita actors (issue 16): bots, leaders and outlets sized as a share of all accounts.

A campaign given as ``share`` (or ``per_10k``) keeps its part of what the public sees
when the population grows; the same campaign given as an absolute ``count`` does not.
``count`` itself is unchanged: tests/test_regression.py holds the shipped scenarios'
digests, which give counts only.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from sim.config import Scenario, validate_scenario
from sim.config.actors import BotCampaignSpec, LeadersSpec, OutletSpec, resolve_size
from sim.engine.model import OpinionEcologyModel
from sim.runs.driver import run_scenario

from .test_scenario import error_of, write

# ------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bots: [{count: 40, share: 0.02, stance: 0.5}]\n",
         ["bots.0.share", "give only one of count, share and per_10k", "count=40",
          "share=0.02"]),
        ("bots: [{share: 0.02, per_10k: 200, stance: 0.5}]\n",
         ["bots.0.per_10k", "give only one of count, share and per_10k"]),
        ("bots: [{stance: 0.5}]\n",
         ["bots.0.count", "give the campaign's size", "share (fraction of all accounts, "
          "in [0, 1))", "per_10k"]),
        ("bots: [{share: 1.0, stance: 0.5}]\n", ["bots.0.share", "less than 1"]),
        ("bots: [{share: -0.1, stance: 0.5}]\n",
         ["bots.0.share", "greater than or equal to 0"]),
        ("bots: [{per_10k: 10000, stance: 0.5}]\n", ["bots.0.per_10k", "less than 10000"]),
        ("leaders: {count: 3, per_10k: 5}\n",
         ["leaders.per_10k", "give only one of count, share and per_10k"]),
        ("platforms: [{name: news, share: 1.0, kind: mainstream, "
         "outlet: {accounts: 2, share: 0.01}}]\n",
         ["platforms.0.outlet.share", "give only one of accounts, share and per_10k"]),
        ("leaders: {share: 0.3}\nbots: [{share: 0.25, stance: 0.5}]\n",
         ["leaders.share", "leaders, bots and outlet accounts (55)", "at most half of the 100"]),
        ("leaders: {share: 0.05}\ndynamics: {model: deffuant}\n",
         ["leaders.share", "must be 0 with the classic model 'deffuant'"]),
    ],
    ids=["bots-count-and-share", "bots-share-and-per_10k", "bots-no-size", "share-one",
         "share-negative", "per_10k-too-large", "leaders-two", "outlet-two", "half-cap",
         "classic-leaders"],
)
def test_bad_sizes_name_the_field_and_what_is_allowed(tmp_path, text, expected):
    message = error_of(write(tmp_path, "name: x\npopulation: {size: 100}\n" + text))
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"


def test_switching_a_count_to_a_share_on_the_command_line_needs_the_count_nulled(tmp_path):
    path = write(tmp_path, "name: x\npopulation: {size: 100}\n"
                 "bots: [{count: 5, stance: 0.5}]\n")
    assert "give only one of count" in error_of(path, ["bots.0.share=0.1"])
    from sim.engine.scenarios import load_scenario

    scenario = load_scenario(path, ["bots.0.share=0.1", "bots.0.count=null"])
    assert scenario.bot_counts == [10]


def test_defaults_stay_absolute():
    assert LeadersSpec().count == 0 and LeadersSpec().resolved_count(10**6) == 0
    assert OutletSpec().accounts == 1 and OutletSpec().resolved_count(10**6) == 1
    with pytest.raises(ValidationError):
        BotCampaignSpec(stance=0.5)


# ------------------------------------------------------------------------ resolution


@pytest.mark.parametrize(
    ("share", "n", "expected"),
    [(0.02, 2000, 40), (0.02, 8000, 160), (0.0025, 600, 2),  # 1.5 -> 2 (half to even)
     (0.0025, 1000, 2),  # 2.5 -> 2 (half to even)
     (0.0025, 1400, 4),  # 3.5 -> 4
     (0.0001, 100, 1),  # 0.01 -> at least 1
     (0.0, 10**6, 0)],  # 0 switches the actor off
)
def test_resolved_count_rounds_half_to_even_and_keeps_at_least_one(share, n, expected):
    bots = BotCampaignSpec(share=share, stance=0.5)
    assert bots.resolved_count(n) == expected
    assert BotCampaignSpec(per_10k=share * 10_000, stance=0.5).resolved_count(n) == expected
    assert LeadersSpec(share=share).resolved_count(n) == expected
    assert OutletSpec(share=share).resolved_count(n) == expected


def test_count_is_returned_as_given_whatever_the_population():
    assert BotCampaignSpec(count=50, stance=0.5).resolved_count(7) == 50
    assert resolve_size(50, None, None, 10**6) == 50


def test_scenario_resolves_against_every_account_and_builds_that_many():
    scenario = validate_scenario({
        "name": "x", "population": {"size": 2000},
        "platforms": [{"name": "big", "share": 0.8},
                      {"name": "news", "share": 0.2, "kind": "mainstream",
                       "outlet": {"per_10k": 10}}],
        "leaders": {"share": 0.005, "agenda": [-0.5, 0.5]},
        "bots": [{"name": "a", "share": 0.01, "stance": 0.5},
                 {"name": "b", "per_10k": 25, "stance": -0.5}, {"count": 3, "stance": 0.9}],
    })
    assert (scenario.leader_count, scenario.bot_counts, scenario.outlet_counts) == (
        10, [20, 5, 3], [0, 2])
    model = OpinionEcologyModel(scenario, rng=1)
    state = model.state
    assert state.leader_accounts.size == 10 and state.bot_accounts.size == 28
    assert state.outlet_accounts.size == 2 and state.n == 2000  # taken from the population
    assert state.n_public == 2000 - 10 - 28 - 2
    np.testing.assert_array_equal(state.leader_agenda, [-0.5, 0.5] * 5)
    assert [len(agent.accounts) for agent in model.bot_campaigns] == [20, 5, 3]
    again = Scenario.model_validate(scenario.resolved())  # the resolved file replays
    assert again == scenario


def test_a_share_that_resolves_to_a_count_runs_exactly_like_that_count():
    base = {"name": "x", "population": {"size": 1000}, "run": {"steps": 4},
            "dynamics": {"recommendation_share": 0.3}, "leaders": {"count": 5}}
    by_count = run_scenario(validate_scenario({**base, "bots": [
        {"count": 30, "stance": 0.5}]}), 3).metrics
    by_share = run_scenario(validate_scenario({**base, "leaders": {"per_10k": 50}, "bots": [
        {"share": 0.03, "stance": 0.5}]}), 3).metrics
    assert by_count.equals(by_share)


# ------------------------------------------------------------------------ scale invariance

SIZES = (2000, 8000)
SEEDS = range(5)
# Tolerance for the mean bot_share of 5 seeds at 2,000 vs 8,000 accounts. Measured over
# 20 seeds with share 0.02 (steps 1-5): mean 0.0805, sd 0.0107 at 2,000; mean 0.0824, sd
# 0.0051 at 8,000; the standard error of the difference of two 5-seed means is 0.0053,
# and the tolerance is three of it. The absolute count moves bot_share by about 0.06.
BOT_SHARE_TOLERANCE = 0.016


def _bot_share(n: int, size: dict, seed: int) -> float:
    """Mean bot_share over steps 1-5 of a one-platform scenario with one campaign."""
    scenario = validate_scenario({
        "name": "scaling", "population": {"size": n},
        "dynamics": {"recommendation_share": 0.3},
        "bots": [{"stance": 0.5, "volume": 5.0, **size}], "run": {"steps": 5}})
    return float(run_scenario(scenario, seed).metrics["bot_share"].iloc[1:].mean())


def test_bot_share_of_impressions_does_not_depend_on_population_size_with_a_share():
    share = {n: np.mean([_bot_share(n, {"share": 0.02}, seed) for seed in SEEDS])
             for n in SIZES}
    count = {n: np.mean([_bot_share(n, {"count": 40}, seed) for seed in SEEDS])
             for n in SIZES[1:]}
    count[SIZES[0]] = share[SIZES[0]]  # 2 % of 2,000 is 40 bots: the same run
    small, large = SIZES
    assert abs(share[small] - share[large]) < BOT_SHARE_TOLERANCE, share
    # the same absolute count: four times the population, about a quarter of the share
    assert count[small] - count[large] > 3 * BOT_SHARE_TOLERANCE, count
    assert 3.0 < count[small] / count[large] < 5.5, count


def test_outlet_share_of_its_platform_scales_per_capita_and_accounts_do_not():
    def on_own_platform(n: int, outlet: dict) -> float:
        scenario = validate_scenario({
            "name": "outlet", "population": {"size": n},
            "dynamics": {"recommendation_share": 0.3},
            "platforms": [{"name": "big", "share": 0.8},
                          {"name": "news", "share": 0.2, "kind": "mainstream",
                           "outlet": outlet}]})
        seen = []
        for seed in range(3):
            model = OpinionEcologyModel(scenario, rng=seed)
            for _ in range(5):
                model.step()
                state, feed = model.state, model.state.feed
                readers = state.is_public[feed.reader] & (state.home_platform[feed.reader] == 1)
                seen.append(state.is_outlet[feed.source[readers]].mean())
        return float(np.mean(seen))

    per_capita = [on_own_platform(n, {"per_10k": 5}) for n in SIZES]
    fixed = on_own_platform(SIZES[1], {"accounts": 1})
    assert abs(per_capita[0] - per_capita[1]) < 0.25 * per_capita[0], per_capita
    assert fixed < 0.5 * per_capita[1], (fixed, per_capita)
