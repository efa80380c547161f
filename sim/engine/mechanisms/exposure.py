"""Exposure: each online reader's feed of followees' posts and platform recommendations."""

from __future__ import annotations

import numpy as np

from sim.engine.kernels.ecology import compact_feed, feed_follows
from sim.engine.mechanisms.base import Phase
from sim.engine.mechanisms.recommendation import recommend
from sim.engine.state import Ecology, Feed


class Exposure(Phase):
    """Fill each online reader's feed with ``feed_size`` impressions.

    Readers are the online public and leaders (bots and outlets only post). Each
    slot is a recommendation with probability ``platform_recommendation_share`` of the
    reader's home platform (``recommendation_share``, or more under coupled powers), otherwise
    a followee's post: followee j is picked with probability spread_weight_j over
    the sum across i's followees (with replacement;
    :func:`sim.engine.kernels.ecology.feed_follows`). Recommendation slots are filled
    by the reader's home platform (:func:`sim.engine.mechanisms.recommendation.recommend`:
    ranking, traffic-first, algorithmic bias, redistribution to the mainstream outlet).
    Slots with nothing to show and slots that drew the reader's own post stay empty.
    """

    name = "exposure"

    def step(self, model: Ecology) -> None:
        state = model.state
        rng = model.streams[self.name]
        dyn = model.spec.dynamics
        size = dyn.feed_size
        readers = np.flatnonzero(state.online & state.is_reader)
        u = rng.random(readers.size * size)  # slot s is readers[s // size]'s
        # each platform's share of recommended slots (dynamics.recommendation_share unless
        # coupled powers raise it; mechanisms/coupling.py)
        share = np.repeat(state.platform_recommendation_share[state.home_platform[readers]],
                          size)
        is_rec = rng.random(u.size) < share
        net = state.network
        source = feed_follows(readers, size, u, is_rec, state.spread_weight, net.indptr,
                              net.followees)
        rec = np.flatnonzero(is_rec)
        if rec.size:
            source[rec] = recommend(state, dyn, readers[rec // size],
                                    model.streams["recommendation"])
        state.feed = Feed(*compact_feed(readers, size, source, is_rec))
