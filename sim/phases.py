"""The core phases of one step: activation, expression, exposure, update, bookkeeping.

A phase is a small class with ``name`` (which is also the name of its random
stream), ``init(model)`` and ``step(model)``. ``OpinionEcologyModel.step`` runs
``model.phases`` in order; the documented order of the ecology is
:data:`sim.loop.DEFAULT_PHASES`. The power mechanisms live in their own modules
(:mod:`sim.market`, :mod:`sim.social`, :mod:`sim.divide`).

No phase loops over users or ties in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import OpinionEcologyModel


@dataclass
class Feed:
    """What was read this step: one entry per (reader, post) impression."""

    reader: np.ndarray  # int64 account ids
    source: np.ndarray  # int64 account ids of the authors
    recommended: np.ndarray  # bool: came from the platform rather than a followee

    @classmethod
    def empty(cls) -> Feed:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none.copy(), np.zeros(0, dtype=bool))

    @property
    def size(self) -> int:
        return int(self.reader.size)


class Phase:
    """Base of a step phase; ``name`` names its random stream."""

    name = "phase"

    def init(self, model: OpinionEcologyModel) -> None:
        """Called once when the model is built, after population, network and actors."""

    def step(self, model: OpinionEcologyModel) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class Activation(Phase):
    """online_i ~ Bernoulli(tech_access_i); leaders, bots and outlets are always online."""

    name = "activation"

    def step(self, model: OpinionEcologyModel) -> None:
        draw = model.streams[self.name].random(model.n)
        np.less(draw, model.tech_access, out=model.online)
        model.online |= ~model.is_public


class Expression(Phase):
    """Who posts this step.

    public: posted_i ~ Bernoulli(post_rate * literacy_i) if online and expressing;
    leaders: Bernoulli(activity); bots and outlets: always. Post weight w_i =
    posted_i * reach_i. The weight of a post in followers' feeds, ``spread_weight``,
    starts equal to w_i (post-truth amplification may raise it: :class:`PostTruth`).
    """

    name = "expression"

    def step(self, model: OpinionEcologyModel) -> None:
        draw = model.streams[self.name].random(model.n)
        np.less(draw, model.post_chance, out=model.posted)
        model.posted &= model.online & model.expressing
        np.multiply(model.posted, model.reach, out=model.post_weight)
        model.spread_weight[:] = model.post_weight


class PostTruth(Phase):
    """Emotion over fact: intense posts travel further through follows.

    spread_weight_i = post_weight_i * (1 + emotion_amplification * |x_i|), whatever
    the post's accuracy (the model has no truth value: intensity alone decides).
    Off (no change) when ``dynamics.emotion_amplification`` is 0.
    """

    name = "post_truth"

    def step(self, model: OpinionEcologyModel) -> None:
        amplification = model.spec.dynamics.emotion_amplification
        if amplification > 0:
            np.multiply(model.post_weight, 1.0 + amplification * np.abs(model.opinion),
                        out=model.spread_weight)


class Exposure(Phase):
    """Fill each online reader's feed with ``feed_size`` impressions.

    Readers are the online public and leaders (bots and outlets only post). Each
    slot is a recommendation with probability ``recommendation_share``, otherwise
    a followee's post: followee j is picked with probability spread_weight_j over
    the sum across i's followees (with replacement; :func:`sim.kernels.feed_follows`).
    Recommendation slots are filled by the reader's home platform
    (:func:`sim.market.recommend`: ranking, traffic-first, algorithmic bias,
    redistribution of the mainstream outlet). Slots with nothing to show and slots
    that drew the reader's own post stay empty.
    """

    name = "exposure"

    def step(self, model: OpinionEcologyModel) -> None:
        from sim.kernels import compact_feed, feed_follows
        from sim.market import recommend  # local: market imports this module

        rng = model.streams[self.name]
        dyn = model.spec.dynamics
        size = dyn.feed_size
        readers = np.flatnonzero(model.online & model.is_reader)
        u = rng.random(readers.size * size)  # slot s is readers[s // size]'s
        is_rec = rng.random(u.size) < dyn.recommendation_share
        net = model.network
        source = feed_follows(readers, size, u, is_rec, model.spread_weight, net.indptr,
                              net.followees)
        rec = np.flatnonzero(is_rec)
        if rec.size:
            source[rec] = recommend(model, readers[rec // size], model.streams["recommendation"])
        model.feed = Feed(*compact_feed(readers, size, source, is_rec))


class OpinionUpdate(Phase):
    """Bounded confidence toward what was read (synchronous, reader side only).

    x_i <- x_i + mu * sum_k w_k (x_k - x_i) / sum_k w_k over the posts k in i's
    feed with |x_k - x_i| < eps, where w_k = influence of k's author. With one
    post per feed this is the Deffuant et al. (2000) update of the reader.
    """

    name = "opinion_update"

    def step(self, model: OpinionEcologyModel) -> None:
        feed = model.feed
        if feed.size == 0:
            return
        from sim.kernels import apply_pull, pull_sums

        dyn = model.spec.dynamics
        x = model.opinion
        pull, mass = pull_sums(feed.reader, feed.source, x, model.influence, dyn.confidence,
                               model.n)
        apply_pull(pull, mass, dyn.convergence, x)


def record_attention(model: OpinionEcologyModel, sources: np.ndarray) -> None:
    """impressions = bincount of the step's sources; attention (cumulative) and
    recent_attention (decaying with metrics.attention_halflife) accumulate them."""
    model.impressions = np.bincount(sources, minlength=model.n).astype(np.float64)
    model.attention += model.impressions
    halflife = model.spec.metrics.attention_halflife
    if halflife is not None:
        model.recent_attention *= 0.5 ** (1.0 / halflife)
    model.recent_attention += model.impressions


class Bookkeeping(Phase):
    """Attention received, and the fixed stances of leaders, bots and outlets.

    impressions_j = number of feed entries showing j's post this step;
    attention_j += impressions_j (cumulative); recent_attention_j <- d *
    recent_attention_j + impressions_j with d = 0.5^(1 / metrics.attention_halflife)
    (d = 1 when the half-life is null). Leaders move a share ``stubbornness`` of the
    way back to their agenda; bots and outlets are reset to their stance.
    """

    name = "bookkeeping"

    def step(self, model: OpinionEcologyModel) -> None:
        record_attention(model, model.feed.source)
        if model.leader_accounts.size:
            acc = model.leader_accounts
            x = model.opinion
            x[acc] += model.leader_stubbornness * (model.leader_agenda - x[acc])
        if model.fixed_accounts.size:
            model.opinion[model.fixed_accounts] = model.fixed_stance
