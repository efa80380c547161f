"""The phases of one step, in order. Each is a vectorised pass over the user arrays.

A phase is a small class with ``name`` (which is also the name of its random
stream) and ``step(model)``. ``OpinionEcologyModel.step`` runs ``model.phases``
in order; the default order is :data:`DEFAULT_PHASES`:

1. Activation      who is online this step
2. Expression      who posts
3. Exposure        what each online user reads (followees' posts + recommendations)
4. SpiralOfSilence who stops (or resumes) expressing, from the climate they saw
5. OpinionUpdate   bounded-confidence update toward what was read
6. Bookkeeping     attention received; leaders and bots keep their stance

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
    """online_i ~ Bernoulli(tech_access_i); leaders and bots are always online."""

    name = "activation"

    def step(self, model: OpinionEcologyModel) -> None:
        draw = model.streams[self.name].random(model.n)
        np.less(draw, model.tech_access, out=model.online)
        model.online |= ~model.is_public


class Expression(Phase):
    """Who posts this step.

    public: posted_i ~ Bernoulli(post_rate * literacy_i) if online and expressing;
    leaders: Bernoulli(activity); bots: always. Post weight = posted_i * reach_i.
    """

    name = "expression"

    def step(self, model: OpinionEcologyModel) -> None:
        draw = model.streams[self.name].random(model.n)
        np.less(draw, model.post_chance, out=model.posted)
        model.posted &= model.online & model.expressing
        np.multiply(model.posted, model.reach, out=model.post_weight)


class Exposure(Phase):
    """Fill each online reader's feed with ``feed_size`` impressions.

    Each slot is a recommendation with probability ``recommendation_share``,
    otherwise a followee's post. Followee slots pick followee j with
    probability post_weight_j / sum over i's followees; recommendation slots
    pick any post on the reader's home platform with probability proportional
    to post_weight. Draws are with replacement (cumulative sums + searchsorted).
    Slots with nothing to show (no posting followee, empty platform) and slots
    that drew the reader's own post (possible for recommendations) stay empty.
    """

    name = "exposure"

    def step(self, model: OpinionEcologyModel) -> None:
        rng = model.streams[self.name]
        dyn = model.spec.dynamics
        readers = np.flatnonzero(model.online & ~model.is_bot)
        slots = np.repeat(readers, dyn.feed_size)
        u = rng.random(slots.size)
        is_rec = rng.random(slots.size) < dyn.recommendation_share
        source = np.full(slots.size, -1, dtype=np.int64)
        follow = ~is_rec
        source[follow] = self._from_followees(model, slots[follow], u[follow])
        if is_rec.any():
            source[is_rec] = self._from_platform(model, slots[is_rec], u[is_rec])
        keep = (source >= 0) & (source != slots)
        model.feed = Feed(slots[keep], source[keep], is_rec[keep])

    @staticmethod
    def _from_followees(model: OpinionEcologyModel, reader: np.ndarray, u: np.ndarray):
        net = model.network
        weight = model.post_weight[net.followees]
        cum = np.concatenate(([0.0], np.cumsum(weight)))
        start = cum[net.indptr[reader]]
        total = cum[net.indptr[reader + 1]] - start
        target = start + u * total
        pick = np.searchsorted(cum, target, side="right") - 1
        pick = np.minimum(pick, net.indptr[reader + 1] - 1)
        ok = (total > 0) & (pick >= net.indptr[reader])
        ok[ok] &= weight[pick[ok]] > 0
        out = np.full(reader.size, -1, dtype=np.int64)
        out[ok] = net.followees[pick[ok]]
        return out

    @staticmethod
    def _from_platform(model: OpinionEcologyModel, reader: np.ndarray, u: np.ndarray):
        posters = np.flatnonzero(model.post_weight > 0)
        platform = model.home_platform[posters]
        order = np.argsort(platform, kind="stable")
        posters, platform = posters[order], platform[order]
        cum = np.concatenate(([0.0], np.cumsum(model.post_weight[posters])))
        bounds = np.searchsorted(platform, np.arange(model.n_platforms + 1))
        home = model.home_platform[reader]
        lo, hi = bounds[home], bounds[home + 1]
        start, total = cum[lo], cum[hi] - cum[lo]
        pick = np.searchsorted(cum, start + u * total, side="right") - 1
        pick = np.clip(pick, lo, np.maximum(hi - 1, lo))
        ok = total > 0
        out = np.full(reader.size, -1, dtype=np.int64)
        out[ok] = posters[pick[ok]]
        return out


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
        dyn = model.spec.dynamics
        x = model.opinion
        diff = x[feed.source] - x[feed.reader]
        weight = model.influence[feed.source] * (np.abs(diff) < dyn.confidence)
        pull = np.bincount(feed.reader, weights=weight * diff, minlength=model.n)
        mass = np.bincount(feed.reader, weights=weight, minlength=model.n)
        moved = mass > 0
        x[moved] += dyn.convergence * pull[moved] / mass[moved]
        np.clip(x, -1.0, 1.0, out=x)


class SpiralOfSilence(Phase):
    """Users who perceive too little support stop posting (Noelle-Neumann 1974).

    support_i = sum_k w_k [|x_k - x_i| < eps] / sum_k w_k over i's feed, judged on
    the opinions as read (before this step's update); a reader with
    support_i < threshold becomes silent, otherwise expressing. Users who read
    nothing keep their state. Off unless ``dynamics.silence.enabled``.
    """

    name = "silence"

    def step(self, model: OpinionEcologyModel) -> None:
        silence = model.spec.dynamics.silence
        feed = model.feed
        if not silence.enabled or feed.size == 0:
            return
        x = model.opinion
        weight = model.influence[feed.source]
        agree = np.abs(x[feed.source] - x[feed.reader]) < model.spec.dynamics.confidence
        support = np.bincount(feed.reader, weights=weight * agree, minlength=model.n)
        mass = np.bincount(feed.reader, weights=weight, minlength=model.n)
        read = (mass > 0) & model.is_public
        model.expressing[read] = support[read] >= silence.threshold * mass[read]


class Bookkeeping(Phase):
    """Attention received (impressions) and the fixed stances of leaders and bots."""

    name = "bookkeeping"

    def step(self, model: OpinionEcologyModel) -> None:
        model.impressions = np.bincount(model.feed.source, minlength=model.n).astype(np.float64)
        model.attention += model.impressions
        if model.leader_accounts.size:
            acc = model.leader_accounts
            x = model.opinion
            x[acc] += model.leader_stubbornness * (model.leader_agenda - x[acc])
        if model.bot_accounts.size:
            model.opinion[model.bot_accounts] = model.bot_stance


DEFAULT_PHASES: tuple[type[Phase], ...] = (
    Activation,
    Expression,
    Exposure,
    SpiralOfSilence,
    OpinionUpdate,
    Bookkeeping,
)
