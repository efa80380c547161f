"""Post-truth (social power): emotion over fact, intense posts travel further."""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class PostTruth(Phase):
    """Emotion over fact: intense posts travel further through follows.

    spread_weight_i = post_weight_i * (1 + emotion_amplification * |x_i|), whatever
    the post's accuracy (the model has no truth value: intensity alone decides).
    Off (no change) when ``dynamics.emotion_amplification`` is 0.
    """

    name = "post_truth"

    def step(self, model: Ecology) -> None:
        amplification = model.spec.dynamics.emotion_amplification
        if amplification > 0:
            state = model.state
            np.multiply(state.post_weight, 1.0 + amplification * np.abs(state.opinion),
                        out=state.spread_weight)
