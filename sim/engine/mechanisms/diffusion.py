"""Diffusion of access and literacy (technology power): digital inclusion over time."""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology, EcologyState


def diffuse(state: EcologyState, values: np.ndarray, rate: float, ceiling: float) -> None:
    """In place, for the public: v_i <- v_i + min(1, rate * m_s) * max(0, ceiling - v_i),
    m_s the mean of v over the public of i's stratum (the stratum's adoption)."""
    public = np.flatnonzero(state.is_public)
    stratum = state.stratum[public]
    k = len(state.stratum_names)
    counts = np.bincount(stratum, minlength=k)
    mean = np.bincount(stratum, weights=values[public], minlength=k) / np.maximum(counts, 1)
    step = np.minimum(1.0, rate * mean[stratum])
    values[public] += step * np.maximum(0.0, ceiling - values[public])


class AccessDiffusion(Phase):
    """Access and literacy diffuse along a logistic curve in each stratum
    (``dynamics.endogenous.access_rate``, ``literacy_rate``).

    a_i <- a_i + min(1, r m_s) max(0, C - a_i), with m_s the mean access of the public of
    i's stratum: adoption spreads by contact with adopters of one's own stratum, so a
    stratum's mean follows the logistic
    m <- m + r m (C - m): slow while few are online, fastest at C / 2, saturating at the
    ceiling C. Every stratum converges to C, so gaps close in the end; a stratum that
    starts low starts slowly, so the gap first widens (the digital divide's two stages).
    Literacy likewise with its own rate and ceiling. Only the public; the weights are
    refreshed. Off when both rates are 0. No draws.
    """

    name = "diffusion"

    def step(self, model: Ecology) -> None:
        spec = model.spec.dynamics.endogenous
        if spec.access_rate == 0 and spec.literacy_rate == 0:
            return
        state = model.state
        if spec.access_rate > 0:
            diffuse(state, state.tech_access, spec.access_rate, spec.access_ceiling)
        if spec.literacy_rate > 0:
            diffuse(state, state.literacy, spec.literacy_rate, spec.literacy_ceiling)
            state.refresh_weights(model.spec)
