"""Spillover between issues (pan-politicisation): a change on one issue is read into all."""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class Spillover(Phase):
    """Opinions on the discussed issue spill over to the other issues
    (``population.topics`` > 1 and ``dynamics.topics.spillover`` > 0).

    At the end of the step, with k the discussed issue and Delta_i = x_ik(now) -
    x_ik(start of the step) each account's change on it (reading, offline talk, leaders'
    return to their agenda), every other issue j moves by
    x_ij <- clip(x_ij + spillover * Delta_i, -1, 1). With spillover 0 the issues are
    independent; with spillover 1 each issue follows every move on the discussed one.
    """

    name = "spillover"

    def step(self, model: Ecology) -> None:
        state = model.state
        rate = model.spec.dynamics.topics.spillover
        if state.topic_opinion is None or rate == 0:
            return
        table = state.topic_opinion
        discussed = state.opinion.copy()  # its row is restored below, exactly
        table += rate * (discussed - state.topic_before)  # broadcast over the issues
        np.clip(table, -1.0, 1.0, out=table)
        table[state.discussed_topic] = discussed
