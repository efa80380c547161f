"""Several issues (market power): salience, and which issue is discussed in a step."""

from __future__ import annotations

import numpy as np

from sim.engine.build import draw_opinions
from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology, EcologyState


def divisiveness(state: EcologyState) -> np.ndarray:
    """d_k: population variance of the public's opinions on each issue k (0 at consensus,
    1/3 for uniform opinions on [-1, 1], 1 for two camps at -1 and +1)."""
    x = state.topic_opinion[:, state.is_public]
    return x.var(axis=1)


def traffic_exposure(state: EcologyState, recommendation_share: float) -> float:
    """T: share of feed slots ranked traffic first, recommendation_share * sum_p share_p *
    traffic_weight_p (share_p: the platform's share of the public)."""
    return float(recommendation_share * np.dot(state.platform_shares(),
                                               state.platform_traffic_weight))


class TopicChoice(Phase):
    """Salience of each issue, and the issue discussed in the step
    (``population.topics`` > 1; nothing happens with one issue).

    At the start of each step the salience of every issue k moves as
    s_k <- s_k + decay * (base - s_k) + gain * T * d_k, with d_k the divisiveness of
    issue k (:func:`divisiveness`) and T the traffic-first exposure of the public
    (:func:`traffic_exposure`): traffic-first ranking raises the salience of divisive
    issues, and salience relaxes toward ``salience_base`` otherwise. Then one issue k is
    drawn with probability s_k / sum_j s_j and ``state.opinion`` becomes a view onto its
    row of ``topic_opinion``: every mechanism of the step (posting, ranking, silence,
    bounded confidence, rewiring) acts on the discussed issue only.

    Init: row 0 holds the opinions the build drew; each member of the public keeps them on
    issue j > 0 with probability ``initial_correlation`` and otherwise draws a fresh one
    from ``dynamics.topics.initial_opinion`` (default: its stratum's distribution of issue
    0); leaders, bots and outlets hold the same stance on every issue.
    """

    name = "topics"

    def init(self, model: Ecology) -> None:
        k = model.spec.population.topics
        if k == 1:
            return
        state = model.state
        spec = model.spec
        rng = model.streams[self.name]
        table = np.empty((k, state.n), dtype=np.float64)
        table[:] = state.opinion
        pop = spec.population
        other = spec.dynamics.topics.initial_opinion
        for j in range(1, k):
            fresh = draw_opinions(other or pop.initial_opinion, rng, state.n)
            for s, stratum in enumerate(pop.strata):
                if other is None and stratum.initial_opinion is not None:
                    members = np.flatnonzero(state.stratum == s)
                    fresh[members] = draw_opinions(stratum.initial_opinion, rng, members.size)
            redraw = state.is_public & (rng.random(state.n) >= spec.dynamics.topics
                                        .initial_correlation)
            table[j, redraw] = fresh[redraw]
        state.topic_opinion = table
        state.topic_salience = np.full(k, spec.dynamics.topics.salience_base)
        state.discussed_topic = 0
        state.opinion = table[0]
        state.topic_before = table[0].copy()

    def step(self, model: Ecology) -> None:
        state = model.state
        if state.topic_opinion is None:
            return
        dyn = model.spec.dynamics
        spec = dyn.topics
        s = state.topic_salience
        s += spec.salience_decay * (spec.salience_base - s)
        if spec.salience_gain > 0:
            exposure = traffic_exposure(state, dyn.recommendation_share)
            if exposure > 0:
                s += spec.salience_gain * exposure * divisiveness(state)
        cum = np.cumsum(s)
        u = model.streams[self.name].random() * cum[-1]
        k = min(int(np.searchsorted(cum, u, side="right")), s.size - 1)
        state.discussed_topic = k
        state.opinion = state.topic_opinion[k]
        np.copyto(state.topic_before, state.opinion)
