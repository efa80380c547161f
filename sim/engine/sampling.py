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

import numpy as np
import pandas as pd

from sim.engine.state import EcologyState


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


def ties_among(indptr: np.ndarray, followees: np.ndarray,
               nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The follow ties among ``nodes`` (sorted, distinct ids), as positions in ``nodes``:
    (reader, followee) arrays in CSR order; self-ties dropped."""
    nodes = np.asarray(nodes, dtype=np.int64)
    lengths = indptr[nodes + 1] - indptr[nodes]
    readers = np.repeat(np.arange(nodes.size), lengths)
    targets = row_entries(indptr, followees, nodes)
    if nodes.size == 0:
        return readers, readers.copy()
    position = np.minimum(np.searchsorted(nodes, targets), nodes.size - 1)
    keep = (nodes[position] == targets) & (nodes[readers] != targets)
    return readers[keep], position[keep]


def network_sample(state: EcologyState, rng: np.random.Generator,
                   size: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(nodes, edges) frames of a snowball sample of ``size`` accounts, drawn with ``rng``
    (the model passes its ``network_sample`` stream).

    nodes: ``account``, ``opinion``, ``role`` (public, leader, bot, outlet), ``stratum``,
    ``platform`` (home platform), ``followers`` (in the whole network), ``expressing``
    (0/1). edges: ``reader``, ``followee`` (the reader follows the followee; both sampled).
    """
    net = state.network
    leaders = state.leader_accounts
    starts = [rng.choice(leaders, size=min(3, leaders.size), replace=False),
              rng.choice(state.n, size=2, replace=False)]
    nodes = snowball_sample(net.indptr, net.followees, size, np.concatenate(starts), rng)
    return sample_frames(state, nodes)


def sample_frames(state: EcologyState, nodes: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(nodes, edges) frames of the accounts ``nodes`` (sorted ids) as they are now, and the
    follow ties among them (see :func:`network_sample` for the columns)."""
    net = state.network
    reader, followee = ties_among(net.indptr, net.followees, nodes)
    role = np.select([state.is_leader[nodes], state.is_bot[nodes], state.is_outlet[nodes]],
                     ["leader", "bot", "outlet"], "public")
    node_frame = pd.DataFrame({
        "account": nodes,
        "opinion": state.opinion[nodes],
        "role": role,
        "stratum": np.asarray(state.stratum_names, dtype=object)[state.stratum[nodes]],
        "platform": np.asarray(state.platform_names, dtype=object)[state.home_platform[nodes]],
        "followers": state.followers[nodes],
        "expressing": state.expressing[nodes].astype(np.int8),
    })
    edge_frame = pd.DataFrame({"reader": nodes[reader], "followee": nodes[followee]})
    return node_frame, edge_frame
