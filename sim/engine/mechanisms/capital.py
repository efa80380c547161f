"""Endogenous social capital (social power): the seen rise and the silenced fall."""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class CapitalDynamics(Phase):
    """Social capital follows recent attention and voice (``dynamics.endogenous``).

    For every person i (the public and opinion leaders), with a_i its recent attention
    over the people's mean (1 for all while nobody has any) and e_i its voice (1 if
    expressing) over the public's share of expressing users, the signal is
    g_i = (1 - w) a_i + w e_i (w = ``voice_weight``) and the target
    T_i = clip(mean_people(s) * g_i, floor, ceiling); then
    s_i <- s_i + capital_rate * (T_i - s_i). Capital moves toward the people's mean
    scaled by how seen one is: the seen rise, the silenced (who are shown nothing) fall
    (强者愈强). A capital inside [floor, ceiling] stays there. With the spiral of silence,
    courage follows capital: theta_i <- min(1, theta_i * (s_new / s_old)^(-kappa)),
    kappa = ``silence.capital_sensitivity`` (the rule theta = b s^(-kappa) of the
    spiral, applied to the change). The weights are refreshed. Off (nothing changes)
    when capital_rate = 0. No draws.
    """

    name = "capital"

    def step(self, model: Ecology) -> None:
        spec = model.spec.dynamics.endogenous
        if spec.capital_rate == 0:
            return
        state = model.state
        people = np.flatnonzero(state.is_reader)
        if people.size == 0:
            return
        attention = state.recent_attention[people]
        mean = attention.mean()
        signal = attention / mean if mean > 0 else np.ones(people.size)
        if spec.voice_weight > 0:
            voice = state.expressing[people].astype(np.float64)
            share = voice[state.is_public[people]].mean() if state.n_public else 0.0
            relative = voice / share if share > 0 else np.ones(people.size)
            signal = (1.0 - spec.voice_weight) * signal + spec.voice_weight * relative
        old = state.social_capital[people]
        target = np.clip(old.mean() * signal, spec.capital_floor, spec.capital_ceiling)
        new = old + spec.capital_rate * (target - old)
        silence = model.spec.dynamics.silence
        if silence.enabled and silence.capital_sensitivity > 0:
            theta = state.silence_threshold[people]
            state.silence_threshold[people] = np.minimum(
                1.0, theta * (new / old) ** (-silence.capital_sensitivity))
        state.social_capital[people] = new
        state.refresh_weights(model.spec)
