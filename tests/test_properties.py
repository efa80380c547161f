"""Property tests: random valid scenarios keep every invariant (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from sim.config import ScenarioError, validate_scenario
from sim.engine.metrics import REGISTRY
from sim.engine.model import OpinionEcologyModel

unit = st.floats(0.0, 1.0)
opinion = st.floats(-1.0, 1.0)


@st.composite
def scenarios(draw):
    n_strata = draw(st.integers(1, 3))
    raw = draw(st.lists(st.floats(0.05, 1.0), min_size=n_strata, max_size=n_strata))
    shares = [r / sum(raw) for r in raw]
    shares[-1] = 1.0 - sum(shares[:-1])
    strata = [
        {"name": f"s{i}", "share": share, "tech_access": draw(unit),
         "literacy": draw(st.floats(0.05, 1.0)), "social_capital": draw(st.floats(0.1, 10.0))}
        for i, share in enumerate(shares)
    ]
    for stratum in strata:
        if draw(st.booleans()):
            low = draw(st.floats(-1.0, 0.9))
            stratum["initial_opinion"] = {"low": low, "high": draw(st.floats(low + 0.05, 1.0))}
    size = draw(st.integers(30, 200))
    generator = draw(st.sampled_from(["barabasi_albert", "watts_strogatz", "stochastic_block",
                                      "powerlaw_cluster", "complete"]))
    network = {"generator": generator}
    if generator in {"barabasi_albert", "powerlaw_cluster"}:
        network["m"] = draw(st.integers(1, 4))
    elif generator == "watts_strogatz":
        network["k"] = draw(st.sampled_from([2, 4, 6]))
    elif generator == "stochastic_block":
        network.update(mean_degree=draw(st.floats(1.0, 5.0)), homophily=draw(unit))
    n_platforms = draw(st.integers(1, 3))
    platforms = [{"name": f"p{i}", "share": 1.0 / n_platforms, "appeal": draw(st.floats(0.1, 5.0)),
                  "stickiness": draw(unit), "traffic_weight": draw(unit),
                  "gamma": draw(st.floats(0.0, 5.0))}
                 for i in range(n_platforms)]
    if n_platforms > 1 and draw(st.booleans()):
        platforms[-1].update(kind="mainstream", outlet={"accounts": draw(st.integers(0, 2)),
                                                        "stance": draw(opinion)})
        for p in platforms[:-1]:
            p["redistribution"] = draw(unit)
    centre = 0.0 if generator == "stochastic_block" else draw(unit)
    return {
        "name": "prop",
        "population": {"size": size, "strata": strata, "centre_periphery": centre},
        "network": network,
        "platforms": platforms,
        "leaders": {"count": draw(st.integers(0, 3)), "agenda": draw(opinion),
                    "reach": draw(st.floats(1.0, 20.0)), "activity": draw(unit),
                    "stubbornness": draw(unit),
                    "selection": draw(st.sampled_from(["top_followers", "random"]))},
        "bots": [{"count": draw(st.integers(0, 5)), "stance": draw(opinion),
                  "volume": draw(st.floats(1.0, 20.0))}],
        "dynamics": {"confidence": draw(st.floats(0.01, 2.0)),
                     "convergence": draw(st.floats(0.01, 1.0)),
                     "feed_size": draw(st.integers(1, 8)),
                     "recommendation_share": draw(unit), "post_rate": draw(unit),
                     "silence": {"enabled": draw(st.booleans()), "threshold": draw(unit),
                                 "threshold_spread": draw(unit),
                                 "capital_sensitivity": draw(st.floats(0.0, 3.0)),
                                 "memory": draw(st.floats(0.0, 0.99))},
                     "engagement_exponent": draw(st.floats(0.0, 5.0)),
                     "bias_offset": draw(st.floats(1e-4, 1.0)),
                     "bias_candidates": draw(st.integers(1, 8)),
                     "emotion_amplification": draw(st.floats(0.0, 10.0)),
                     "offline": {"rate": draw(unit)},
                     "follows": {"rate": draw(unit), "alpha": draw(st.floats(0.0, 3.0)),
                                 "drop_concordant": draw(unit),
                                 "stratum_homophily": draw(unit),
                                 "candidates": draw(st.integers(1, 6))},
                     "competition": {"reconsider_rate": draw(unit),
                                     "eta": draw(st.floats(0.0, 3.0))}},
        "metrics": {"attention_halflife": draw(st.one_of(st.none(), st.floats(0.5, 50.0)))},
        "run": {"steps": 4, "seed": draw(st.integers(0, 2**32))},
    }


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_random_scenarios_keep_invariants(data):
    try:
        scenario = validate_scenario(data)
    except ScenarioError:  # e.g. a block model too dense for a tiny stratum: not a valid case
        reject()
    model = OpinionEcologyModel(scenario)
    model.run_for(4)
    assert np.all(np.isfinite(model.state.opinion))
    assert model.state.opinion.min() >= -1.0 and model.state.opinion.max() <= 1.0
    assert abs(sum(p.share for p in model.platforms) - 1.0) < 1e-12
    followees = model.state.network.followees
    np.testing.assert_array_equal(model.state.followers,
                                  np.bincount(followees, minlength=model.state.n))
    assert np.all(model.state.network.followees != model.state.network.readers)
    np.testing.assert_array_equal(model.state.opinion[model.state.outlet_accounts],
                                  np.concatenate([np.full(o.accounts.size, o.stance)
                                                  for o in model.outlets] or [np.zeros(0)]))
    frame = model.metrics_frame()
    assert len(frame) == 5
    for name in frame.columns[1:]:  # the metrics the model records (its family's)
        item = REGISTRY[name]
        values = frame[name].to_numpy()
        assert np.all(np.isfinite(values)), name
        assert np.all((values >= item.low) & (values <= item.high)), (name, values)


@st.composite
def classic_scenarios(draw):
    model = draw(st.sampled_from(["deffuant", "hegselmann_krause", "algorithmic_bias", "voter",
                                  "echo_chamber"]))
    dynamics: dict = {"model": model}
    if model == "echo_chamber":
        dynamics.update(influence=draw(st.floats(0.01, 100.0)),
                        controversy=draw(st.floats(0.0, 100.0)),
                        homophily=draw(st.floats(0.0, 100.0)),
                        contacts=draw(st.integers(1, 1000)), reciprocity=draw(unit),
                        activity_exponent=draw(st.floats(1.0001, 10.0)),
                        activity_min=draw(st.floats(1e-300, 1.0)),
                        dt=draw(st.floats(1e-4, 1.0)))
    elif model != "voter":
        dynamics["confidence"] = draw(st.floats(0.01, 2.0))
    if model in {"deffuant", "algorithmic_bias"}:
        dynamics["convergence"] = draw(st.floats(0.01, 0.5))
    if model == "deffuant":
        dynamics["semantics"] = draw(st.sampled_from(["random_sequential", "matching"]))
    if model == "algorithmic_bias":
        dynamics["gamma"] = draw(st.floats(0.0, 50.0))
        dynamics["semantics"] = draw(st.sampled_from(["random_sequential", "batched"]))
    generator = draw(st.sampled_from(["complete", "barabasi_albert", "watts_strogatz"]))
    return {"name": "prop", "population": {"size": draw(st.integers(10, 150))},
            "network": {"generator": generator, **({"m": 2} if generator == "barabasi_albert"
                                                   else {"k": 4} if generator == "watts_strogatz"
                                                   else {})},
            "dynamics": dynamics, "run": {"steps": 3, "seed": draw(st.integers(0, 2**32))}}


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(classic_scenarios())
def test_random_classic_scenarios_keep_invariants(data):
    model = OpinionEcologyModel(validate_scenario(data))
    model.run_for(3)
    assert np.all(np.isfinite(model.state.opinion))
    assert model.state.opinion.min() >= -1.0 and model.state.opinion.max() <= 1.0
    if data["dynamics"]["model"] == "voter":
        assert set(np.unique(model.state.opinion)) <= {-1.0, 1.0}
    frame = model.metrics_frame()
    for name in frame.columns[1:]:  # the metrics the model records (its family's)
        item = REGISTRY[name]
        values = frame[name].to_numpy()
        assert np.all((values >= item.low) & (values <= item.high)), (name, values)
