"""The follow network, held as CSR arrays.

For reader ``i``, ``followees[indptr[i]:indptr[i + 1]]`` are the accounts whose
posts ``i`` sees in its feed (as generated: sorted, no duplicates, no self-ties;
follow dynamics, :class:`sim.engine.mechanisms.follows.FollowDynamics`, rewrite
entries in place). Undirected generators give mutual follows. Generation uses numpy
(Barabasi-Albert, complete graphs, edge lists) or networkx, once, before step 0; the
steps only ever touch the numpy arrays.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from sim.config import ScenarioError
from sim.config.network import (
    BarabasiAlbert,
    CompleteGraph,
    EdgeListFile,
    PowerlawCluster,
    StochasticBlock,
    WattsStrogatz,
    read_edge_list,
    sbm_probabilities,
)


@dataclass(frozen=True)
class FollowNetwork:
    """Directed follow ties as CSR: reader -> followees."""

    n: int
    indptr: np.ndarray  # int64, length n + 1
    followees: np.ndarray  # int64, length = number of follow ties

    @property
    def n_ties(self) -> int:
        return int(self.followees.size)

    @property
    def readers(self) -> np.ndarray:
        """Reader id of each tie (the row of each CSR entry)."""
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.indptr))

    def follower_counts(self) -> np.ndarray:
        """Number of followers of each account (in-degree)."""
        return np.bincount(self.followees, minlength=self.n).astype(np.int64)

    def followee_counts(self) -> np.ndarray:
        return np.diff(self.indptr)

    @classmethod
    def from_ties(cls, n: int, readers: np.ndarray, sources: np.ndarray) -> FollowNetwork:
        """Build from (reader, source) pairs; drops self-ties and duplicates."""
        readers = np.asarray(readers, dtype=np.int64)
        sources = np.asarray(sources, dtype=np.int64)
        keep = readers != sources
        return cls.from_keys(n, readers[keep] * n + sources[keep])

    @classmethod
    def from_keys(cls, n: int, keys: np.ndarray) -> FollowNetwork:
        """Build from tie keys reader * n + source (no self-ties), in any order; ``keys``
        (int64) is sorted in place and becomes the followees (no copy of the ties:
        what a 10-million-user network needs). Duplicates are dropped."""
        keys.sort()
        if keys.size > 1:
            repeat = keys[1:] == keys[:-1]
            if repeat.any():
                keys = keys[np.concatenate(([True], ~repeat))]
            del repeat
        # row r's ties are the keys in [r n, (r + 1) n): sorted, so found by bisection
        indptr = np.searchsorted(keys, np.arange(n + 1, dtype=np.int64) * n).astype(np.int64)
        np.remainder(keys, n, out=keys)
        return cls(n=n, indptr=indptr, followees=keys)

    @classmethod
    def from_undirected(cls, n: int, edges: np.ndarray) -> FollowNetwork:
        """Every undirected edge becomes a mutual follow."""
        u, v = edges[:, 0], edges[:, 1]
        return cls.from_ties(n, np.concatenate([u, v]), np.concatenate([v, u]))

    def to_networkx(self) -> nx.DiGraph:
        """A networkx view (reader -> followee edges), for analysis of small networks."""
        graph = nx.DiGraph()
        graph.add_nodes_from(range(self.n))
        graph.add_edges_from(zip(self.readers.tolist(), self.followees.tolist(), strict=True))
        return graph


def _edges_of(graph: nx.Graph) -> np.ndarray:
    count = graph.number_of_edges()
    flat = np.fromiter(itertools.chain.from_iterable(graph.edges()), dtype=np.int64,
                       count=2 * count)
    return flat.reshape(-1, 2)


def barabasi_albert_targets(n: int, m: int, rng: np.random.Generator
                            ) -> tuple[np.ndarray, np.ndarray]:
    """A Barabasi-Albert graph, generated with numpy (same process as networkx's), as
    (star, targets): the m edges (0, j) of the initial star (int64), and the m targets
    of each new node s = m + 1, ..., n - 1 (row s - m - 1; int32 below 2^31 slots).

    The process is networkx's ``barabasi_albert_graph``: a star of m + 1 nodes (centre 0),
    then each new node s = m + 1, ..., n - 1 joins m *distinct* earlier nodes, each drawn
    with probability proportional to its degree (uniformly from the list of edge
    endpoints so far, redrawing a node already chosen by s). Only the random draws
    differ, so a seed gives another graph than networkx, from the same distribution.

    Vectorised after Batagelj & Brandes (2005): the endpoint list is laid out in
    advance (s's block holds its m targets, then m copies of s); each target slot
    points at a uniform earlier position and takes the value found there, resolved
    for all slots at once by following the pointers in rounds. Slots that repeat a node already
    chosen by the same s are redrawn (later slot of a pair), and the list resolved
    again, until every s has m distinct targets. The first sources, where
    repeats are common, are drawn one by one as networkx does.
    """
    if not 1 <= m < n:
        raise ScenarioError(f"network.m: must be in [1, population.size); got m={m}, n={n}")
    star = np.stack([np.zeros(m, np.int64), np.arange(1, m + 1, dtype=np.int64)], axis=1)
    n_new = n - (m + 1)
    if n_new <= 0:
        return star, np.empty((0, m), dtype=np.int32)
    block = 2 * m  # endpoint slots added by each new node
    length = block + block * n_new
    index = np.int32 if length < 2**31 else np.int64  # halves memory at a million users
    value = np.full(length, -1, dtype=index)
    value[:m], value[m:block] = 0, np.arange(1, m + 1)
    sources = np.arange(m + 1, n, dtype=index)
    start = block + block * np.arange(n_new, dtype=np.int64)  # first slot of each block
    target_slot = (start[:, None] + np.arange(m)).astype(index)  # (n_new, m)
    value[target_slot + m] = sources[:, None]

    # the first sources one by one (repeats are frequent while the graph is small)
    serial = min(n_new, 50 * m)
    for k in range(serial):
        chosen: list[int] = []
        while len(chosen) < m:
            node = int(value[rng.integers(start[k])])
            if node not in chosen:
                chosen.append(node)
        value[target_slot[k]] = chosen
    if serial < n_new:
        rest = target_slot[serial:]
        limit = start[serial:]
        pointer = rng.integers(0, limit[:, None], size=rest.shape).astype(index)
        _resolve(value, rest.ravel(), pointer.ravel())
        rows = np.arange(rest.shape[0])  # rows whose targets may repeat
        while rows.size:
            targets = value[rest[rows]]
            order = np.argsort(targets, axis=1, kind="stable")
            ranked = np.take_along_axis(targets, order, axis=1)
            repeat = np.zeros(targets.shape, dtype=bool)
            np.put_along_axis(repeat, order[:, 1:], ranked[:, 1:] == ranked[:, :-1], axis=1)
            redraw_row, redraw_col = np.nonzero(repeat)
            if redraw_row.size == 0:
                break
            redraw_row = rows[redraw_row]
            pointer[redraw_row, redraw_col] = rng.integers(0, limit[redraw_row])
            before = value[rest]
            _resolve(value, rest.ravel(), pointer.ravel())
            changed = (value[rest] != before).any(axis=1)
            changed[redraw_row] = True  # a redraw may land on the same node again
            rows = np.flatnonzero(changed)
    return star, value[target_slot]


def barabasi_albert_edges(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """Edges (u, v) of a Barabasi-Albert graph, generated with numpy (same process as
    networkx's; :func:`barabasi_albert_targets`): the star, then each new node's m."""
    star, targets = barabasi_albert_targets(n, m, rng)
    sources = np.repeat(np.arange(m + 1, m + 1 + targets.shape[0], dtype=np.int64), m)
    edges = np.stack([sources, targets.ravel().astype(np.int64)], axis=1)
    return np.concatenate([star, edges])


def barabasi_albert_network(n: int, m: int, rng: np.random.Generator,
                            rows: int = 1 << 20) -> FollowNetwork:
    """The mutual follows of :func:`barabasi_albert_edges` (the same network, bit for bit,
    as ``FollowNetwork.from_undirected(n, barabasi_albert_edges(n, m, rng))``), built
    with less memory: the tie keys are written ``rows`` new nodes at a time straight
    from the generator's 32-bit targets, never as an array of int64 edge pairs, and
    sorted in place (:meth:`FollowNetwork.from_keys`). Peak: about 37 bytes per edge in
    the generator, then 16 bytes per edge for the keys plus the 4-byte targets."""
    star, targets = barabasi_albert_targets(n, m, rng)
    edges = star.shape[0] + targets.size
    keys = np.empty(2 * edges, dtype=np.int64)
    a, b = star[:, 0], star[:, 1]
    keys[:star.shape[0]] = a * n + b
    keys[edges:edges + star.shape[0]] = b * n + a
    at = star.shape[0]
    for first in range(0, targets.shape[0], rows):
        block = targets[first:first + rows].astype(np.int64)
        source = np.arange(m + 1 + first, m + 1 + first + block.shape[0],
                           dtype=np.int64)[:, None]
        size = block.size
        keys[at:at + size] = (source * n + block).ravel()
        keys[edges + at:edges + at + size] = (block * n + source).ravel()
        at += size
    del targets
    return FollowNetwork.from_keys(n, keys)


def _resolve(value: np.ndarray, slots: np.ndarray, pointer: np.ndarray) -> None:
    """value[slots] <- the value at the end of each slot's pointer chain.

    Every pointer leads to an earlier position; positions not in ``slots`` hold
    known values. Values of ``slots`` are recomputed from scratch.
    """
    value[slots] = -1
    jump = np.empty(value.size, dtype=value.dtype)
    jump[slots] = pointer
    pending, where = slots, pointer
    while pending.size:
        found = value[where]
        known = found >= 0
        value[pending[known]] = found[known]
        pending, where = pending[~known], where[~known]
        where = jump[where]  # the slot it points to is unresolved: follow that slot's pointer


def build_network(spec, n: int, stratum: np.ndarray, seed: int) -> FollowNetwork:
    """Generate the follow network described by ``spec`` for ``n`` accounts.

    ``stratum`` (per account) sets the blocks of the stochastic block model; the
    integer ``seed`` comes from the run's ``network`` stream.
    """
    if isinstance(spec, BarabasiAlbert):
        return barabasi_albert_network(n, spec.m, np.random.default_rng(seed))
    elif isinstance(spec, WattsStrogatz):
        graph = nx.watts_strogatz_graph(n, spec.k, spec.p, seed=seed)
    elif isinstance(spec, PowerlawCluster):
        graph = nx.powerlaw_cluster_graph(n, spec.m, spec.p, seed=seed)
    elif isinstance(spec, StochasticBlock):
        n_strata = int(stratum.max()) + 1
        sizes = np.bincount(stratum, minlength=n_strata)
        probs = sbm_probabilities(sizes, spec.mean_degree, spec.homophily)  # <= 1: schema
        # networkx's sparse sampler divides by log(1 - p), which is 0 for p below ~1e-16
        probs[probs < 1e-15] = 0.0
        graph = nx.stochastic_block_model(sizes.tolist(), probs.tolist(), seed=seed, sparse=True)
        # networkx numbers nodes block by block; map them onto the accounts of each stratum
        order = np.argsort(stratum, kind="stable")
        edges = order[_edges_of(graph)]
        return FollowNetwork.from_undirected(n, edges)
    elif isinstance(spec, CompleteGraph):
        ids = np.arange(n, dtype=np.int64)
        return FollowNetwork.from_ties(n, np.repeat(ids, n), np.tile(ids, n))
    elif isinstance(spec, EdgeListFile):
        u, v = read_edge_list(Path(spec.path), n, where=f"network.path ({spec.path})")
        if spec.directed:
            return FollowNetwork.from_ties(n, u, v)
        return FollowNetwork.from_undirected(n, np.stack([u, v], axis=1))
    else:  # pragma: no cover - the schema admits only the generators above
        raise ScenarioError(f"network.generator: unsupported generator {spec!r}")
    return FollowNetwork.from_undirected(n, _edges_of(graph))

