"""Compensation interventions: each acts as documented, triggers react, reorder emerges.

The scenario-level tests compare each reorder scenario with its own counterfactual
(same file, ``interventions: []``, same seed: common random numbers) over steps
201-300, and with the balanced baseline run for 300 steps.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import yaml

from sim.config import ScenarioError
from sim.engine.model import OpinionEcologyModel
from sim.engine.scenarios import load_scenario, validate_scenario
from tests.conftest import SCENARIOS, SMALL, deep_update, make_scenario, parallel_map


def with_interventions(*items, **sections):
    return make_scenario(interventions=list(items), **sections)


# --------------------------------------------------------------------------- unit effects


def test_connectivity_programme_raises_access_of_low_access_strata_and_keeps_it():
    model = OpinionEcologyModel(with_interventions(
        {"type": "connectivity_programme", "start": 2, "end": 6, "strength": 0.5}))
    public = model.state.is_public
    rural = (model.state.stratum == 1) & public  # SMALL: urban 0.9 access, rural 0.5
    model.run_for(2)
    np.testing.assert_allclose(model.state.tech_access[rural], 0.5)
    level = model.state.tech_access[public].mean()  # toward the mean when it begins
    literacy = model.state.literacy[public].mean()
    model.run_for(4)
    expected = level - (level - 0.5) * 0.5**4
    np.testing.assert_allclose(model.state.tech_access[rural], expected)
    np.testing.assert_allclose(model.state.tech_access[~rural & public], 0.9)
    model.run_for(3)  # an investment: what was built stays
    np.testing.assert_allclose(model.state.tech_access[rural], expected)
    np.testing.assert_allclose(model.state.literacy[rural],
                               literacy - (literacy - 0.6) * 0.5**4)
    assert np.all(model.state.reach[rural] > 0.6)


def test_algorithm_reform_cuts_gamma_while_active_and_is_undone_after():
    scenario = with_interventions(
        {"type": "algorithm_reform", "start": 1, "end": 3, "strength": 0.75,
         "diversity_quota": 0.4},
        platforms=[{"name": "big", "share": 1.0, "gamma": 2.0}])
    model = OpinionEcologyModel(scenario)
    model.step()
    assert model.state.platform_gamma[0] == 2.0
    model.step()
    assert model.state.platform_gamma[0] == pytest.approx(0.5)
    assert model.state.platform_diversity_quota[0] == pytest.approx(0.4)
    model.run_for(2)
    assert model.state.platform_gamma[0] == 2.0 and model.state.platform_diversity_quota[0] == 0.0


def test_real_name_display_weakens_bots():
    scenario = with_interventions({"type": "real_name_ip_display", "strength": 0.8},
                                  bots=[{"count": 20, "stance": 0.5, "volume": 5.0}])
    model = OpinionEcologyModel(scenario)
    model.step()
    np.testing.assert_allclose(model.state.reach[model.state.is_bot], 1.0)
    np.testing.assert_allclose(model.state.influence[model.state.is_bot], 0.2)


def test_traffic_cap_and_media_convergence_set_platform_levels():
    scenario = with_interventions(
        {"type": "traffic_cap", "strength": 0.7},
        {"type": "media_convergence", "strength": 0.25},
        platforms=[{"name": "big", "share": 0.9, "traffic_weight": 0.9},
                   {"name": "news", "share": 0.1, "kind": "mainstream"}])
    model = OpinionEcologyModel(scenario)
    model.step()
    assert model.state.platform_traffic_weight[0] == pytest.approx(0.3)
    assert model.state.platform_redistribution.tolist() == [0.25, 0.0]


def test_new_public_platform_is_closed_until_it_opens():
    scenario = with_interventions(
        {"type": "new_public_platform", "start": 5, "strength": 0.2,
         "target": {"platforms": ["square"]}},
        platforms=[{"name": "big", "share": 1.0},
                   {"name": "square", "share": 0.0, "traffic_weight": 0.5}],
        dynamics={"competition": {"reconsider_rate": 0.02, "eta": 0.0}})  # eta 0: empty attracts
    model = OpinionEcologyModel(scenario)
    model.run_for(5)
    assert model.platforms[1].n_users == 0
    model.step()
    assert model.platforms[1].share == pytest.approx(0.2, abs=0.06)
    assert model.state.platform_traffic_weight[1] == 0.0


def test_amplify_periphery_boosts_the_less_followed_then_returns():
    model = OpinionEcologyModel(with_interventions(
        {"type": "amplify_periphery", "start": 1, "end": 3, "strength": 2.0}))
    base = model.state.reach.copy()
    model.run_for(2)
    state = model.state
    periphery = state.is_public & (state.followers <= np.median(state.followers[state.is_public]))
    boosted = model.state.reach > base
    assert boosted.sum() >= 0.4 * model.state.n_public
    assert not boosted[~model.state.is_public].any()
    np.testing.assert_allclose(model.state.reach[boosted], 3.0 * base[boosted])
    assert boosted[periphery].mean() > 0.9
    model.run_for(2)
    np.testing.assert_allclose(model.state.reach, base)


def test_expression_support_halves_thresholds_of_low_capital_strata():
    strata = [{"name": "elite", "share": 0.5, "social_capital": 2.0},
              {"name": "mass", "share": 0.5, "social_capital": 0.5}]
    model = OpinionEcologyModel(with_interventions(
        {"type": "expression_support", "end": 2, "strength": 0.5},
        population={"strata": strata}))
    before = model.state.silence_threshold.copy()
    model.step()
    mass = (model.state.stratum == 1) & model.state.is_public
    np.testing.assert_allclose(model.state.silence_threshold[mass], 0.5 * before[mass])
    np.testing.assert_allclose(model.state.silence_threshold[~mass], before[~mass])
    model.run_for(2)
    np.testing.assert_allclose(model.state.silence_threshold, before)


def test_bridge_strata_adds_cross_stratum_follows():
    model = OpinionEcologyModel(with_interventions({"type": "bridge_strata", "strength": 0.5}))
    net = model.state.network

    def cross_share() -> float:
        stratum = model.state.stratum
        return float(np.mean(stratum[net.readers] != stratum[net.followees]))

    before = cross_share()
    model.run_for(5)
    assert cross_share() > before + 0.05
    np.testing.assert_array_equal(model.state.followers,
                                  np.bincount(net.followees, minlength=model.state.n))


def test_literacy_campaign_targets_named_strata():
    model = OpinionEcologyModel(with_interventions(
        {"type": "literacy_campaign", "strength": 0.5, "target": {"strata": ["rural"]}}))
    model.step()
    rural = (model.state.stratum == 1) & model.state.is_public
    np.testing.assert_allclose(model.state.literacy[rural], 0.8)  # 0.6 + 0.5 * 0.4


def test_a_reactive_trigger_fires_only_when_its_condition_held():
    scenario = with_interventions(
        {"type": "real_name_ip_display", "start": 2, "when": "bot_share > 0.12"},
        bots=[{"count": 15, "stance": 0.5, "volume": 3.0}], run={"steps": 30, "seed": 3})
    model = OpinionEcologyModel(scenario)
    model.run_for(30)
    bot_share = model.metrics_frame()["bot_share"].to_numpy()
    active = model.interventions_frame()["active"].to_numpy().astype(bool)
    expected = np.zeros(31, dtype=bool)
    expected[3:] = bot_share[2:-1] > 0.12  # step t acts iff the metrics of step t-1 met it
    np.testing.assert_array_equal(active, expected)
    assert 0 < active.sum() < 28, "the trigger must both fire and hold back in this run"


def test_interventions_do_not_touch_other_streams():
    """Adding an intervention starting at step 10 leaves the first 10 steps bit-identical."""
    plain = OpinionEcologyModel(make_scenario())
    policy = OpinionEcologyModel(with_interventions({"type": "bridge_strata", "start": 10}))
    plain.run_for(10)
    policy.run_for(10)
    np.testing.assert_array_equal(plain.state.opinion, policy.state.opinion)


@pytest.mark.parametrize("item, message", [
    ({"type": "connectivity_programe"}, "did you mean 'connectivity_programme'"),
    ({"type": "traffic_cap", "start": 5, "end": 5}, "must be after start"),
    ({"type": "traffic_cap", "when": "disorder > 0.5"}, "unknown metric 'disorder'"),
    ({"type": "traffic_cap", "when": "disorder_index is high"}, "expected 'metric op number'"),
    ({"type": "traffic_cap", "strength": 1.5}, "less than or equal to 1"),
    ({"type": "expression_support", "target": {"strata": ["nobody"]}}, "unknown stratum"),
    ({"type": "new_public_platform", "target": {"platforms": ["big"]}}, "declared with share 0"),
    ({"type": "new_public_platform"}, "name exactly one platform"),
])
def test_bad_interventions_are_refused_with_a_clear_message(item, message):
    with pytest.raises(ScenarioError) as err:
        validate_scenario(deep_update(SMALL, {"interventions": [item]}))
    assert message in str(err.value)
    assert "interventions.0" in str(err.value)


# --------------------------------------------------------------------------- reorder

SEEDS = (0, 1, 2)
LATE = (201, 300)


REORDER = ("reorder_symbol", "reorder_platform", "reorder_node", "reorder_combined")


def _run(job: tuple[str, int, bool]):
    name, seed, counterfactual = job
    overrides = ["interventions=[]"] if counterfactual else []
    if name == "baseline":
        overrides.append("run.steps=300")
    scenario = load_scenario(SCENARIOS / f"{name}.yaml", overrides)
    model = OpinionEcologyModel(scenario, rng=seed)
    model.run_for(scenario.run.steps)
    return model.metrics_frame()


@functools.cache
def reorder_frames() -> dict:
    """Every run the reorder tests need, computed once, in parallel."""
    jobs = [(name, seed, cf) for name in REORDER for seed in SEEDS for cf in (False, True)]
    jobs += [("baseline", seed, False) for seed in SEEDS]
    return dict(zip(jobs, parallel_map(_run, jobs), strict=True))


def frame_of(name: str, seed: int, counterfactual: bool = False):
    return reorder_frames()[(name, seed, counterfactual)]


def late_mean(name: str, metric: str, counterfactual: bool = False) -> float:
    values = []
    for seed in SEEDS:
        frame = frame_of(name, seed, counterfactual)
        values.append(frame[(frame.step >= LATE[0]) & (frame.step <= LATE[1])][metric].mean())
    return float(np.mean(values))


@pytest.mark.slow
@pytest.mark.parametrize("scenario, target, margin", [
    ("reorder_symbol", "content_disorder", 0.02),
    ("reorder_platform", "platform_disorder", 0.01),
    ("reorder_combined", "disorder_index", 0.02),
])
def test_compensation_brings_reorder_but_not_perfect_balance(scenario, target, margin):
    """Outcome indices (docs/measures.md), 3 seeds, steps 201-300 at the scenarios' 10,000
    accounts. docs/findings.md (seeds 9001-9006, 10,000 accounts, effect against the
    counterfactual): symbol -0.087 [-0.097, -0.077] on content disorder, platform -0.021
    [-0.034, -0.009] on platform disorder; at 2,000 accounts combined -0.051 [-0.061,
    -0.040] on disorder_index; each still well above the balanced baseline. The node
    package does not pass this test: see below."""
    treated = late_mean(scenario, target)
    untreated = late_mean(scenario, target, counterfactual=True)
    balanced = late_mean("baseline", target)
    assert treated < untreated - margin, "reorder: below the no-intervention counterfactual"
    assert treated > balanced + 0.02, "never the balanced baseline again"


@pytest.mark.slow
def test_platform_performance_works_through_market_concentration():
    """The platform package lowers platform disorder through concentration: the new
    public platform takes users from the leader. Its effect is modest (-0.02 against the
    counterfactual, a tenth of the gap to the baseline) and fails at a silence threshold
    20 % higher (docs/findings.md, finding 5)."""
    treated = late_mean("reorder_platform", "market_concentration")
    untreated = late_mean("reorder_platform", "market_concentration", counterfactual=True)
    assert treated < untreated


@pytest.mark.slow
def test_node_empowerment_does_not_lower_pattern_disorder():
    """A negative finding (docs/findings.md): node empowerment (amplify the periphery,
    bridge strata, support expression) leaves pattern disorder where the counterfactual
    has it: -0.004 [-0.018, +0.011] at 2,000 accounts, -0.004 [-0.016, +0.009] at 10,000
    (6 seeds). Pinned so that a change that alters it is seen."""
    effect = (late_mean("reorder_node", "pattern_disorder")
              - late_mean("reorder_node", "pattern_disorder", counterfactual=True))
    assert abs(effect) < 0.03


@pytest.mark.slow
def test_the_rebound_after_amplification_is_mostly_what_the_ecology_does_anyway():
    """Re-institutionalised inequality as a difference-in-differences: reorder_node
    amplifies the periphery in steps 101-200; the change of the top 1 % share of attention
    from steps 181-200 to 281-300 in the treated run, minus the same change in the
    same-seed run without interventions. docs/findings.md: the treated run alone rises
    (+0.063 [+0.039, +0.087] at 10,000 accounts), but so does the counterfactual (+0.056),
    and the difference-in-differences, +0.008 [-0.005, +0.020] (+0.001 at 2,000 accounts),
    holds 0. The rebound that version 0.2's treated-only test reported is not an effect
    of the compensation ending: a negative finding."""
    def change(frame):
        during = frame[(frame.step > 180) & (frame.step <= 200)]["attention_top1_share"].mean()
        after = frame[(frame.step > 280) & (frame.step <= 300)]["attention_top1_share"].mean()
        return after - during

    treated = [change(frame_of("reorder_node", s)) for s in SEEDS]
    did = [t - change(frame_of("reorder_node", s, True)) for t, s in zip(treated, SEEDS,
                                                                         strict=True)]
    assert np.mean(treated) > 0.02, treated
    assert abs(np.mean(did)) < 0.5 * np.mean(treated), (treated, did)


FAMILIES = {
    "symbol": {"connectivity_programme", "algorithm_reform", "real_name_ip_display"},
    "platform": {"traffic_cap", "media_convergence", "new_public_platform"},
    "node": {"amplify_periphery", "bridge_strata", "expression_support"},
}
CELLS = [tuple(f for f, on in zip(FAMILIES, bits, strict=True) if on)
         for bits in np.ndindex(2, 2, 2)]


def _combined(job: tuple[tuple[str, ...], int]) -> float:
    families, seed = job
    raw = yaml.safe_load((SCENARIOS / "reorder_combined.yaml").read_text())
    keep = set().union(*(FAMILIES[f] for f in families))
    raw["interventions"] = [i for i in raw["interventions"] if i["type"] in keep]
    model = OpinionEcologyModel(validate_scenario(raw), rng=seed)
    model.run_for(300)
    frame = model.metrics_frame()
    return float(frame[frame.step > 200]["disorder_index"].mean())


@functools.cache
def combined_runs() -> dict:
    jobs = [(cell, seed) for cell in CELLS for seed in SEEDS[:2]]
    return dict(zip(jobs, parallel_map(_combined, jobs), strict=True))


def cell_mean(families: tuple[str, ...]) -> float:
    return float(np.mean([combined_runs()[(families, s)] for s in SEEDS[:2]]))


@pytest.mark.slow
def test_compensation_families_in_a_factorial_design():
    """The 2^3 design on reorder_combined (each family on or off), disorder_index over
    steps 201-300, 2 seeds. docs/findings.md (6 seeds, 2,000 accounts): main effects
    symbol -0.030, platform -0.012, node -0.008; interactions +0.000 to +0.003 (slightly
    sub-additive: together -0.051, the sum of the singles -0.063). The old claim that the
    combined package "beats every single family" holds because the effects add, with no
    synergy."""
    def code(cell, family):
        return 1.0 if family in cell else -1.0

    def effect(*families):
        return sum(np.prod([code(c, f) for f in families]) * cell_mean(c) for c in CELLS) / 4

    assert effect("symbol") < -0.01
    assert effect("platform") < 0.0
    assert effect("node") < 0.01
    for pair in (("symbol", "platform"), ("symbol", "node"), ("platform", "node")):
        assert abs(effect(*pair)) < 0.01, pair
    together = cell_mean(tuple(FAMILIES)) - cell_mean(())
    singles = [cell_mean((f,)) - cell_mean(()) for f in FAMILIES]
    assert together < min(singles)
    assert abs(together - sum(singles)) < 0.025


def test_personalisation_race_personalises_platforms_without_any_policy():
    """Users leave displeasing feeds; platforms raise gamma while their churn exceeds what they
    tolerate. Measured (seeds 1, 2; 100 steps): gamma 0.6-1.1 on the commercial platforms,
    cocoon_index over steps 51-100 at 0.57 and 0.33 of the baseline's. Without the incentive
    (churn_sensitivity 0) churn only brushes the tolerated level by chance: gamma stays below
    0.02 (measured: at most 0.018 over the run)."""
    adapted = load_scenario(SCENARIOS / "personalisation_race.yaml", ["run.steps=100"])
    still = load_scenario(SCENARIOS / "baseline.yaml", ["run.steps=100"])
    indifferent = load_scenario(SCENARIOS / "personalisation_race.yaml",
                                ["run.steps=100", "dynamics.competition.churn_sensitivity=0"])
    a, b, c = (OpinionEcologyModel(s, rng=1) for s in (adapted, still, indifferent))
    for model in (a, b, c):
        model.run_for(100)
    commercial = [p.kind == "commercial" for p in a.platforms]
    assert np.all(a.state.platform_gamma[commercial] > 0.3)
    assert np.all(b.state.platform_gamma == 0.0)
    assert np.all(c.state.platform_gamma < 0.05)
    late = slice(51, None)
    assert (a.metrics_frame()["cocoon_index"][late].mean()
            < 0.8 * b.metrics_frame()["cocoon_index"][late].mean())


def test_personalisation_race_can_also_relax_bias():
    """With a high tolerated churn platforms lower the bias they started with."""
    scenario = load_scenario(SCENARIOS / "tech_imbalance.yaml", [
        "run.steps=40", "population.size=3000",
        "dynamics.adaptation.rate=0.05", "dynamics.adaptation.tolerated_churn=0.5"])
    model = OpinionEcologyModel(scenario, rng=0)
    model.run_for(40)
    commercial = [p.kind == "commercial" for p in model.platforms]
    assert np.all(model.state.platform_gamma[commercial] < 0.5)


def test_a_full_diversity_quota_gives_unbiased_recommendations():
    """algorithm_reform with strength 0 and diversity_quota 1 leaves gamma as it is but fills
    every recommendation slot without bias: bit-identical to a platform with gamma 0."""
    reformed = OpinionEcologyModel(with_interventions(
        {"type": "algorithm_reform", "strength": 0.0, "diversity_quota": 1.0},
        platforms=[{"name": "big", "share": 1.0, "gamma": 2.0}],
        dynamics={"recommendation_share": 0.8}))
    unbiased = OpinionEcologyModel(make_scenario(
        platforms=[{"name": "big", "share": 1.0, "gamma": 0.0}],
        dynamics={"recommendation_share": 0.8}))
    reformed.run_for(8)
    unbiased.run_for(8)
    assert reformed.state.platform_gamma[0] == 2.0
    np.testing.assert_array_equal(reformed.state.opinion, unbiased.state.opinion)
