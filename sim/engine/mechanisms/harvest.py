"""Leaders harvest followers (technology power): 收割"信徒"."""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class LeaderHarvest(Phase):
    """Readers of a leader's recommended post come to follow the leader
    (``dynamics.endogenous.leader_harvest``).

    Each member of the public who read, in this step's feed, a post of an opinion leader
    that its platform recommended (the first such impression counts) follows that leader
    with probability h = ``leader_harvest``, unless it already does: the new follow
    replaces one of its follows drawn uniformly, so the number of follows of every user
    is kept (the CSR row keeps its length). A user with no follows gains none. The
    recommendation is what the leader harvests with: the already popular are
    recommended more under popularity amplification, and follows feed the follow-slot
    impressions, so the loop compounds (强者愈强). Off when h = 0.
    """

    name = "harvest"

    def step(self, model: Ecology) -> None:
        h = model.spec.dynamics.endogenous.leader_harvest
        state = model.state
        if h == 0 or state.leader_accounts.size == 0 or state.feed.size == 0:
            return
        rng = model.streams[self.name]
        feed = state.feed
        hit = np.flatnonzero(feed.recommended & state.is_leader[feed.source]
                             & state.is_public[feed.reader])
        readers, first = np.unique(feed.reader[hit], return_index=True)
        leaders = feed.source[hit][first]
        accept = rng.random(readers.size) < h
        u_slot = rng.random(readers.size)
        net = state.network
        degree = np.diff(net.indptr)
        ok = accept & (degree[readers] > 0)
        who, lead, u_slot = readers[ok], leaders[ok], u_slot[ok]
        if who.size == 0:
            return
        # drop users who already follow the leader (scan their rows at once)
        length = degree[who]
        owner = np.repeat(np.arange(who.size), length)
        offset = np.arange(owner.size) - np.repeat(np.cumsum(length) - length, length)
        entries = net.followees[np.repeat(net.indptr[who], length) + offset]
        already = np.zeros(who.size, dtype=bool)
        already[owner[entries == lead[owner]]] = True
        who, lead, u_slot = who[~already], lead[~already], u_slot[~already]
        slot = net.indptr[who] + (u_slot * degree[who]).astype(np.int64)
        old = net.followees[slot]
        net.followees[slot] = lead
        state.followers += np.bincount(lead, minlength=state.n)
        state.followers -= np.bincount(old, minlength=state.n)
