"""The follow network, held as CSR arrays.

For reader ``i``, ``followees[indptr[i]:indptr[i + 1]]`` are the accounts whose
posts ``i`` sees in its feed (as generated: sorted, no duplicates, no self-ties;
follow dynamics, :class:`sim.social.FollowDynamics`, rewrite entries in place). Undirected
generators give mutual follows. Generation goes through networkx (built once,
before step 0); the steps only ever touch the numpy arrays.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from sim.errors import ScenarioError
from sim.scenario import (
    BarabasiAlbert,
    CompleteGraph,
    EdgeListFile,
    PowerlawCluster,
    StochasticBlock,
    WattsStrogatz,
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
        keys = np.sort(readers[keep] * n + sources[keep])
        if keys.size:
            keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]  # sorted, unique
        rows = keys // n
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return cls(n=n, indptr=indptr, followees=keys % n)

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


def sbm_probabilities(sizes: np.ndarray, mean_degree: float, homophily: float) -> np.ndarray:
    """Block tie probabilities giving the requested mean degree and share of within-stratum ties.

    p_aa = h d / (n_a - 1);  p_ab = (1 - h) d N / sum_a n_a (N - n_a)  (a != b).
    In expectation the mean degree is d and a share h of ties is within strata.
    With a single non-empty stratum there are no cross pairs: p = d / (N - 1) (an
    Erdos-Renyi graph). Strata of 0 or 1 accounts get p_aa = 0 (no pairs to join).
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    total = sizes.sum()
    if np.count_nonzero(sizes) == 1:  # one non-empty stratum: no cross pairs exist
        probs = np.zeros((sizes.size, sizes.size))
        k = int(np.flatnonzero(sizes)[0])
        probs[k, k] = mean_degree / max(total - 1.0, 1.0)
        return probs
    # strata of 0 or 1 accounts have no within pairs
    within = np.where(sizes > 1, homophily * mean_degree / np.maximum(sizes - 1.0, 1.0), 0.0)
    cross_pairs = float(np.sum(sizes * (total - sizes)))
    across = (1.0 - homophily) * mean_degree * total / cross_pairs if cross_pairs > 0 else 0.0
    probs = np.full((sizes.size, sizes.size), across)
    np.fill_diagonal(probs, within)
    return probs


def barabasi_albert_edges(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """Edges of a Barabasi-Albert graph, generated with numpy (same process as networkx's).

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
        return star
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
    edges = np.stack([np.repeat(sources, m), value[target_slot].ravel()], axis=1)
    return np.concatenate([star, edges.astype(np.int64)])


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
        return FollowNetwork.from_undirected(
            n, barabasi_albert_edges(n, spec.m, np.random.default_rng(seed)))
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


def read_edge_list(path: Path, n: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Read ``u v`` integer pairs; blank lines and ``#`` comments are skipped.

    Ids must lie in [0, n). Any bad line is reported with its line number.
    """
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise ScenarioError(f"{where}: edge-list file not found: {path}") from None
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read edge-list file {path}: {exc.strerror}") from None
    us: list[int] = []
    vs: list[int] = []
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                text = line.split("#", 1)[0].strip()
                if not text:
                    continue
                fields = text.split()
                if len(fields) != 2 or not all(f.isascii() and f.isdigit() for f in fields):
                    raise ScenarioError(
                        f"{where}: {path}:{number}: expected two non-negative integer ids "
                        f"'u v'; got {line.strip()[:60]!r}"
                    )
                a, b = int(fields[0]), int(fields[1])
                if a >= n or b >= n:
                    raise ScenarioError(
                        f"{where}: {path}:{number}: id {max(a, b)} out of range; ids must be "
                        f"0..{n - 1} (population.size = {n})"
                    )
                us.append(a)
                vs.append(b)
        except UnicodeDecodeError:
            raise ScenarioError(f"{where}: {path}: not a UTF-8 text file") from None
    if not us:
        raise ScenarioError(f"{where}: {path}: no edges found")
    if all(a == b for a, b in zip(us, vs, strict=True)):
        raise ScenarioError(f"{where}: {path}: only self-ties (u u) found; no follow ties left")
    return np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64)
