"""Social power: the spiral of silence and the Matthew effect in who follows whom.

* :class:`SpiralOfSilence` (Noelle-Neumann 1974): willingness to speak depends on
  the perceived opinion climate and on the speaker's social capital.
* :class:`FollowDynamics`: discordant follows are dropped and replaced by
  follows of popular, like-minded posters, drawn with probability ~
  (followers + 1)^alpha (Barabasi & Albert 1999 for alpha = 1; homophilous
  rewiring after Sasahara et al. 2021).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.kernels import climate_sums, update_climate
from sim.market import weighted_pick_in_blocks
from sim.phases import Phase

if TYPE_CHECKING:
    from sim.model import OpinionEcologyModel


class SpiralOfSilence(Phase):
    """Users who see their side outnumbered fall silent; they speak again when it turns.

    seen_i = sum_k v_k [sign x_k = sign x_i] / sum_k v_k over the non-neutral posts
    k (x_k != 0) in i's feed, v_k = influence of k's author, judged on the
    opinions as read (before this step's update). The perceived climate is
    c_i <- m c_i + (1 - m) seen_i (m = ``memory``; c starts at 1). A member of
    the public expresses iff c_i >= theta_i, with the personal threshold
    theta_i = min(1, b_i * social_capital_i^(-capital_sensitivity)), b_i drawn
    once, uniform on threshold +- threshold_spread (clipped to [0, 1]). Users who
    read no non-neutral post keep their climate and their state.
    """

    name = "silence"

    def init(self, model: OpinionEcologyModel) -> None:
        spec = model.spec.dynamics.silence
        base = spec.threshold + spec.threshold_spread * (
            2.0 * model.streams[self.name].random(model.n) - 1.0
        )
        base = np.clip(base, 0.0, 1.0)
        model.silence_threshold = np.minimum(
            1.0, base * model.social_capital ** (-spec.capital_sensitivity)
        )
        model.climate = np.ones(model.n)

    def step(self, model: OpinionEcologyModel) -> None:
        spec = model.spec.dynamics.silence
        feed = model.feed
        if not spec.enabled or feed.size == 0:
            return
        support, mass = climate_sums(feed.reader, feed.source, model.opinion, model.influence,
                                     model.n)
        update_climate(support, mass, model.is_public, spec.memory, model.climate,
                       model.silence_threshold, model.expressing)


class FollowDynamics(Phase):
    """The Matthew effect: follows drift toward the already popular, and toward the like-minded.

    Each online member of the public with a follow reconsiders, with probability
    ``rate``, one of its follows j chosen uniformly. It is replaced if discordant,
    |x_i - x_j| >= confidence (homophilous rewiring), and otherwise with
    probability ``drop_concordant``. ``candidates`` posters of this step are drawn
    with probability ~ (followers + 1)^alpha (from the user's own stratum with
    probability ``stratum_homophily``) and the first one within the confidence
    bound becomes the new followee: users seek popular, like-minded accounts. A
    draw that hits the user itself or the dropped account leaves the follow
    unchanged. The number of follows of each user never changes (the CSR row keeps
    its length); rows stop being sorted, and a user may come to follow an account
    twice (its posts then count twice).
    """

    name = "follows"

    def step(self, model: OpinionEcologyModel) -> None:
        spec = model.spec.dynamics.follows
        if spec.rate == 0:
            return
        rng = model.streams[self.name]
        net = model.network
        degree = np.diff(net.indptr)
        candidates = np.flatnonzero(model.online & model.is_public & (degree > 0))
        who = candidates[rng.random(candidates.size) < spec.rate]
        slot = net.indptr[who] + (rng.random(who.size) * degree[who]).astype(np.int64)
        old = net.followees[slot]
        eps = model.spec.dynamics.confidence
        discordant = np.abs(model.opinion[old] - model.opinion[who]) >= eps
        keep = discordant | (rng.random(who.size) < spec.drop_concordant)
        who, slot, old = who[keep], slot[keep], old[keep]
        own_stratum = rng.random(who.size) < spec.stratum_homophily
        c = spec.candidates
        u = rng.random((who.size, c))
        posters = np.flatnonzero(model.post_weight > 0)
        if who.size == 0 or posters.size == 0:
            return
        pull = (model.followers[posters] + 1.0) ** spec.alpha
        cand = np.full((who.size, c), -1, dtype=np.int64)

        cum = np.concatenate(([0.0], np.cumsum(pull)))
        anywhere = ~own_stratum
        k = int(anywhere.sum()) * c
        pick = weighted_pick_in_blocks(cum, np.zeros(k, np.int64), np.full(k, posters.size),
                                       u[anywhere].ravel())
        cand[anywhere] = np.where(pick >= 0, posters[np.maximum(pick, 0)], -1).reshape(-1, c)

        if own_stratum.any():
            order = np.argsort(model.stratum[posters], kind="stable")
            by_stratum = posters[order]
            cum_s = np.concatenate(([0.0], np.cumsum(pull[order])))
            bounds = np.searchsorted(model.stratum[by_stratum],
                                     np.arange(len(model.stratum_names) + 1))
            s = np.repeat(model.stratum[who[own_stratum]], c)
            pick = weighted_pick_in_blocks(cum_s, bounds[s], bounds[s + 1],
                                           u[own_stratum].ravel())
            cand[own_stratum] = np.where(pick >= 0, by_stratum[np.maximum(pick, 0)],
                                         -1).reshape(-1, c)

        x = model.opinion
        near = (cand >= 0) & (np.abs(x[np.maximum(cand, 0)] - x[who, None])
                              < model.spec.dynamics.confidence)
        first = np.argmax(near, axis=1)
        new = np.where(near.any(axis=1), cand[np.arange(who.size), first], -1)

        ok = (new >= 0) & (new != who) & (new != old)
        net.followees[slot[ok]] = new[ok]
        model.followers += np.bincount(new[ok], minlength=model.n)
        model.followers -= np.bincount(old[ok], minlength=model.n)
