"""A small sampled sub-graph of the follow network, for the network figure.

Drawing a million accounts is neither possible nor readable; a uniform sample of a
sparse network has almost no ties among its members. So the sample is a snowball:
breadth-first over follow ties (reader -> followee) from a few start accounts (up to
three opinion leaders and two random accounts), each layer's new accounts taken in a
random order until ``size`` accounts are in, restarting from a random account when the
reachable set is exhausted. The ties kept are the follow ties among the sampled
accounts. Cost: O(size x mean follows), independent of N. Draws come from the run's
``network_sample`` stream, used only here, so sampling never changes a run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import OpinionEcologyModel

ROLES = ("public", "leader", "bot", "outlet")


def row_entries(indptr: np.ndarray, followees: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The followees of each of ``rows``, concatenated in order (one vectorised gather)."""
    rows = np.asarray(rows, dtype=np.int64)
    start = indptr[rows]
    length = indptr[rows + 1] - start
    offset = np.cumsum(length) - length  # where each row begins in the output
    return followees[np.repeat(start - offset, length) + np.arange(int(length.sum()))]


def snowball_sample(indptr: np.ndarray, followees: np.ndarray, size: int,
                    starts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sorted ids of up to ``size`` accounts reached breadth-first from ``starts``."""
    n = indptr.size - 1
    size = min(size, n)
    taken = np.zeros(n, dtype=bool)
    chosen: list[np.ndarray] = []
    count = 0
    frontier = np.unique(np.asarray(starts, dtype=np.int64))[:size]
    while count < size:
        if frontier.size == 0:  # exhausted: restart from a random account not yet taken
            free = np.flatnonzero(~taken)
            frontier = free[rng.integers(free.size)][None]
        frontier = rng.permutation(frontier)[: size - count]
        taken[frontier] = True
        chosen.append(frontier)
        count += frontier.size
        nxt = row_entries(indptr, followees, frontier)
        frontier = np.unique(nxt[~taken[nxt]])
    return np.sort(np.concatenate(chosen))


def network_sample(model: OpinionEcologyModel, size: int = 300):
    """(nodes, edges) frames of a snowball sample of ``size`` accounts.

    nodes: ``account``, ``opinion``, ``role`` (public, leader, bot, outlet), ``stratum``,
    ``platform`` (home platform), ``followers`` (in the whole network), ``expressing``
    (0/1). edges: ``reader``, ``followee`` (the reader follows the followee; both sampled).
    """
    import pandas as pd

    rng = model.streams["network_sample"]
    net = model.network
    leaders = model.leader_accounts
    starts = [rng.choice(leaders, size=min(3, leaders.size), replace=False),
              rng.choice(model.n, size=2, replace=False)]
    nodes = snowball_sample(net.indptr, net.followees, size, np.concatenate(starts), rng)
    lengths = np.diff(net.indptr)[nodes]
    readers = np.repeat(nodes, lengths)
    targets = row_entries(net.indptr, net.followees, nodes)
    inside = np.zeros(model.n, dtype=bool)
    inside[nodes] = True
    keep = inside[targets] & (readers != targets)
    role = np.select([model.is_leader[nodes], model.is_bot[nodes], model.is_outlet[nodes]],
                     ["leader", "bot", "outlet"], "public")
    node_frame = pd.DataFrame({
        "account": nodes,
        "opinion": model.opinion[nodes],
        "role": role,
        "stratum": np.asarray(model.stratum_names, dtype=object)[model.stratum[nodes]],
        "platform": np.asarray([p.name for p in model.platforms],
                               dtype=object)[model.home_platform[nodes]],
        "followers": model.followers[nodes],
        "expressing": model.expressing[nodes].astype(np.int8),
    })
    edge_frame = pd.DataFrame({"reader": readers[keep], "followee": targets[keep]})
    return node_frame, edge_frame
