"""Convergence: how much the public's opinions still move (recorded by classic models)."""

from __future__ import annotations

import numpy as np

from sim.engine.metrics.registry import Snapshot, metric


@metric("opinion_change", 0.0, 2.0, families=("classic",))
def opinion_change(s: Snapshot) -> float:
    """Convergence: mean absolute change of the public's opinions per step since the
    previous recorded step s, (1/N) sum_i |x_i(t) - x_i(s)| / (t - s); with
    run.record_every = 1 the change in the last step, (1/N) sum_i |x_i(t) - x_i(t-1)|.
    0 at step 0 and once opinions stop moving (2 if everyone jumps from -1 to +1)."""
    if s.previous is None or s.public_opinion.size == 0:
        return 0.0
    before, steps = s.previous
    return float(np.abs(s.public_opinion - before).mean() / steps)
