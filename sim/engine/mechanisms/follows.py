"""Follow dynamics (social power): the Matthew effect and homophilous rewiring.

Discordant follows are dropped and replaced by follows of popular, like-minded
posters, drawn with probability ~ (followers + 1)^alpha (Barabasi & Albert 1999 for
alpha = 1; homophilous rewiring after Sasahara et al. 2021).
"""

from __future__ import annotations

import numpy as np

from sim.engine.kernels.ecology import pick_in_blocks
from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


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

    def step(self, model: Ecology) -> None:
        spec = model.spec.dynamics.follows
        if spec.rate == 0:
            return
        state = model.state
        rng = model.streams[self.name]
        net = state.network
        degree = np.diff(net.indptr)
        candidates = np.flatnonzero(state.online & state.is_public & (degree > 0))
        who = candidates[rng.random(candidates.size) < spec.rate]
        slot = net.indptr[who] + (rng.random(who.size) * degree[who]).astype(np.int64)
        old = net.followees[slot]
        eps = model.spec.dynamics.confidence
        discordant = np.abs(state.opinion[old] - state.opinion[who]) >= eps
        keep = discordant | (rng.random(who.size) < spec.drop_concordant)
        who, slot, old = who[keep], slot[keep], old[keep]
        own_stratum = rng.random(who.size) < spec.stratum_homophily
        c = spec.candidates
        u = rng.random((who.size, c))
        posters = np.flatnonzero(state.post_weight > 0)
        if who.size == 0 or posters.size == 0:
            return
        pull = (state.followers[posters] + 1.0) ** spec.alpha
        cand = np.full((who.size, c), -1, dtype=np.int64)

        cum = np.concatenate(([0.0], np.cumsum(pull)))
        anywhere = ~own_stratum
        k = int(anywhere.sum()) * c
        pick = pick_in_blocks(cum, np.zeros(k, np.int64), np.full(k, posters.size),
                                       u[anywhere].ravel())
        cand[anywhere] = np.where(pick >= 0, posters[np.maximum(pick, 0)], -1).reshape(-1, c)

        if own_stratum.any():
            order = np.argsort(state.stratum[posters], kind="stable")
            by_stratum = posters[order]
            cum_s = np.concatenate(([0.0], np.cumsum(pull[order])))
            bounds = np.searchsorted(state.stratum[by_stratum],
                                     np.arange(len(state.stratum_names) + 1))
            s = np.repeat(state.stratum[who[own_stratum]], c)
            pick = pick_in_blocks(cum_s, bounds[s], bounds[s + 1],
                                           u[own_stratum].ravel())
            cand[own_stratum] = np.where(pick >= 0, by_stratum[np.maximum(pick, 0)],
                                         -1).reshape(-1, c)

        x = state.opinion
        near = (cand >= 0) & (np.abs(x[np.maximum(cand, 0)] - x[who, None])
                              < model.spec.dynamics.confidence)
        first = np.argmax(near, axis=1)
        new = np.where(near.any(axis=1), cand[np.arange(who.size), first], -1)

        ok = (new >= 0) & (new != who) & (new != old)
        net.followees[slot[ok]] = new[ok]
        state.followers += np.bincount(new[ok], minlength=state.n)
        state.followers -= np.bincount(old[ok], minlength=state.n)
