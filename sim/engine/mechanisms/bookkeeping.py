"""Bookkeeping: attention received, and the fixed stances of leaders, bots and outlets."""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology, EcologyState


def record_attention(state: EcologyState, sources: np.ndarray,
                     halflife: float | None) -> None:
    """impressions = bincount of the step's sources; attention (cumulative) and
    recent_attention (decaying with half-life ``halflife``, none if null) accumulate
    them."""
    state.impressions = np.bincount(sources, minlength=state.n).astype(np.float64)
    state.attention += state.impressions
    if halflife is not None:
        state.recent_attention *= 0.5 ** (1.0 / halflife)
    state.recent_attention += state.impressions


class Bookkeeping(Phase):
    """Attention received, and the fixed stances of leaders, bots and outlets.

    impressions_j = number of feed entries showing j's post this step;
    attention_j += impressions_j (cumulative); recent_attention_j <- d *
    recent_attention_j + impressions_j with d = 0.5^(1 / metrics.attention_halflife)
    (d = 1 when the half-life is null). Leaders move a share ``stubbornness`` of the
    way back to their agenda; bots and outlets are reset to their stance.
    """

    name = "bookkeeping"

    def step(self, model: Ecology) -> None:
        state = model.state
        record_attention(state, state.feed.source, model.spec.metrics.attention_halflife)
        if state.leader_accounts.size:
            acc = state.leader_accounts
            x = state.opinion
            x[acc] += state.leader_stubbornness * (state.leader_agenda - x[acc])
        if state.fixed_accounts.size:
            state.opinion[state.fixed_accounts] = state.fixed_stance
