"""Property tests: random valid scenarios keep every invariant (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.metrics import REGISTRY
from sim.model import OpinionEcologyModel
from sim.scenario import validate_scenario

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
    platforms = [{"name": f"p{i}", "share": 1.0 / n_platforms} for i in range(n_platforms)]
    return {
        "name": "prop",
        "population": {"size": size, "strata": strata},
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
                     "silence": {"enabled": draw(st.booleans()), "threshold": draw(unit)}},
        "run": {"steps": 4, "seed": draw(st.integers(0, 2**32))},
    }


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_random_scenarios_keep_invariants(data):
    model = OpinionEcologyModel(validate_scenario(data))
    model.run_for(4)
    assert np.all(np.isfinite(model.opinion))
    assert model.opinion.min() >= -1.0 and model.opinion.max() <= 1.0
    assert abs(sum(p.share for p in model.platforms) - 1.0) < 1e-12
    frame = model.metrics_frame()
    assert len(frame) == 5
    for name, item in REGISTRY.items():
        values = frame[name].to_numpy()
        assert np.all(np.isfinite(values)), name
        assert np.all((values >= item.low) & (values <= item.high)), (name, values)
