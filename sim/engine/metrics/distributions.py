"""Distributions for figures: the public's opinion histogram and the attention Lorenz curve.

Per-step and end-of-run distributions (opinions.csv, attention_lorenz.csv).
"""

from __future__ import annotations

import numpy as np

from sim.engine.metrics.registry import Snapshot

OPINION_BINS = 40  # bins of width 0.05 on [-1, 1]; chosen for figures (docs/model.md)


def opinion_bin_centres(bins: int = OPINION_BINS) -> np.ndarray:
    """Centres of ``bins`` equal-width bins on [-1, 1]."""
    return -1.0 + (np.arange(bins) + 0.5) * (2.0 / bins)


def opinion_histogram(s: Snapshot, bins: int = OPINION_BINS) -> np.ndarray:
    """Share of the public in each of ``bins`` equal bins on [-1, 1] (left-closed, the last
    also closed at +1): h_b = #{i : floor((x_i + 1) bins / 2) = b} / N; sums to 1."""
    x = s.public_opinion
    index = np.clip(((x + 1.0) * (bins / 2.0)).astype(np.int64), 0, bins - 1)
    return np.bincount(index, minlength=bins) / max(1, x.size)


def lorenz_curve(values: np.ndarray, points: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve of non-negative ``values`` at ``points`` population shares p = 0..1:
    L(p) = share of the total held by the poorest share p, linearly interpolated between the
    N + 1 points (k / N, sum of the k smallest / total). L(p) = p when the total is 0
    (as gini() returns 0). The top-1 % share of attention_top1_share is 1 - L(1 - k / N),
    k = max(1, ceil(N / 100))."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    p = np.linspace(0.0, 1.0, points)
    total = v.sum()
    if v.size == 0 or total <= 0:
        return p, p.copy()
    cumulative = np.concatenate(([0.0], np.cumsum(v) / total))
    return p, np.interp(p, np.arange(v.size + 1) / v.size, cumulative)
