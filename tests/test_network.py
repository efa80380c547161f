"""The follow network: CSR invariants and generator properties."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.config import ScenarioError
from sim.config.network import (
    BarabasiAlbert,
    CompleteGraph,
    EdgeListFile,
    PowerlawCluster,
    StochasticBlock,
    WattsStrogatz,
    sbm_probabilities,
)
from sim.engine.network import FollowNetwork, build_network


def check_csr(net: FollowNetwork) -> None:
    assert net.indptr[0] == 0 and net.indptr[-1] == net.n_ties
    assert np.all(np.diff(net.indptr) >= 0)
    readers = net.readers
    assert np.all(readers != net.followees), "self-ties"
    keys = readers * net.n + net.followees
    assert np.all(np.diff(keys) > 0), "rows sorted, no duplicate ties"
    assert net.followees.min() >= 0 and net.followees.max() < net.n


def is_mutual(net: FollowNetwork) -> bool:
    forward = np.sort(net.readers * net.n + net.followees)
    backward = np.sort(net.followees * net.n + net.readers)
    return bool(np.array_equal(forward, backward))


N = 2000
STRATUM = np.repeat(np.arange(4, dtype=np.int16), N // 4)


@pytest.mark.parametrize(
    "spec",
    [
        BarabasiAlbert(generator="barabasi_albert", m=5),
        WattsStrogatz(generator="watts_strogatz", k=10, p=0.1),
        PowerlawCluster(generator="powerlaw_cluster", m=5, p=0.5),
        StochasticBlock(generator="stochastic_block", mean_degree=10, homophily=0.8),
    ],
    ids=lambda s: s.generator,
)
def test_generators_give_valid_mutual_csr_with_mean_degree_10(spec):
    net = build_network(spec, N, STRATUM, seed=7)
    check_csr(net)
    assert is_mutual(net)
    mean_degree = net.n_ties / N
    assert 9.0 < mean_degree < 10.5
    assert np.array_equal(net.follower_counts(), net.followee_counts())


def test_same_seed_same_network_and_seed_changes_it():
    spec = BarabasiAlbert(generator="barabasi_albert", m=3)
    a, b = (build_network(spec, 500, STRATUM[:500], seed=1) for _ in range(2))
    c = build_network(spec, 500, STRATUM[:500], seed=2)
    assert np.array_equal(a.followees, b.followees) and np.array_equal(a.indptr, b.indptr)
    assert not np.array_equal(a.followees, c.followees)


def test_barabasi_albert_has_hubs():
    net = build_network(BarabasiAlbert(generator="barabasi_albert", m=3), 5000,
                        np.zeros(5000, dtype=np.int16), seed=1)
    degree = net.follower_counts()
    assert degree.max() > 15 * degree.mean()  # a heavy tail, unlike a lattice or SBM


def test_stochastic_block_homophily_matches_request():
    rng = np.random.default_rng(0)
    stratum = rng.permutation(np.repeat(np.arange(4, dtype=np.int16), [1000, 500, 300, 200]))
    for homophily in (0.2, 0.8):
        spec = StochasticBlock(generator="stochastic_block", mean_degree=12, homophily=homophily)
        net = build_network(spec, 2000, stratum, seed=3)
        within = np.mean(stratum[net.readers] == stratum[net.followees])
        assert within == pytest.approx(homophily, abs=0.03)
        assert net.n_ties / 2000 == pytest.approx(12, rel=0.05)


def test_sbm_probabilities_are_symmetric():
    probs = sbm_probabilities(np.array([100, 50, 10]), 5.0, 0.5)
    assert np.allclose(probs, probs.T)


def test_complete_graph():
    net = build_network(CompleteGraph(generator="complete"), 30, STRATUM[:30], seed=0)
    check_csr(net)
    assert net.n_ties == 30 * 29


def test_edge_list_directed_and_undirected(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("0 1\n1 2  # comment\n2 2\n0 1\n")
    directed = build_network(EdgeListFile(generator="edge_list", path=str(path), directed=True),
                             4, STRATUM[:4], seed=0)
    check_csr(directed)
    assert directed.n_ties == 2  # self-tie and duplicate dropped
    assert directed.follower_counts().tolist() == [0, 1, 1, 0]
    mutual = build_network(EdgeListFile(generator="edge_list", path=str(path)), 4, STRATUM[:4],
                           seed=0)
    assert mutual.n_ties == 4 and is_mutual(mutual)


def test_empty_tie_list_gives_an_empty_csr():
    net = FollowNetwork.from_ties(3, np.array([0, 1]), np.array([0, 1]))
    assert net.n_ties == 0 and net.indptr.tolist() == [0, 0, 0, 0]


def test_edge_list_of_only_self_ties_is_refused(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("0 0\n1 1\n")
    with pytest.raises(ScenarioError, match="only self-ties"):
        build_network(EdgeListFile(generator="edge_list", path=str(path)), 3, STRATUM[:3], seed=0)


def test_stochastic_block_with_one_stratum_keeps_the_mean_degree():
    spec = StochasticBlock(generator="stochastic_block", mean_degree=12, homophily=0.8)
    net = build_network(spec, 3000, np.zeros(3000, dtype=np.int16), seed=4)
    assert net.n_ties / 3000 == pytest.approx(12, rel=0.05)
    # an empty stratum listed first changes nothing
    net = build_network(spec, 3000, np.ones(3000, dtype=np.int16), seed=4)
    assert net.n_ties / 3000 == pytest.approx(12, rel=0.05)


def test_sbm_tiny_strata_have_no_within_probability():
    probs = sbm_probabilities(np.array([0, 1, 500, 500]), 16.0, 0.8)
    assert probs[0, 0] == 0.0 and probs[1, 1] == 0.0 and probs.max() < 1.0


def test_numpy_barabasi_albert_matches_networkx_distribution():
    """Our numpy generator runs networkx's process; its degrees have the same distribution."""
    from scipy.stats import ks_2samp

    n, m = 20_000, 5
    ours = build_network(BarabasiAlbert(generator="barabasi_albert", m=m), n,
                         np.zeros(n, dtype=np.int16), seed=3).follower_counts()
    theirs = np.array([d for _, d in nx.barabasi_albert_graph(n, m, seed=3).degree()])
    assert ours.sum() == theirs.sum() == 2 * (m + (n - m - 1) * m)  # no repeated edge dropped
    assert ours.min() == theirs.min() == m
    assert ks_2samp(ours, theirs).pvalue > 0.01
    # the oldest nodes are the hubs in both (first-mover advantage)
    assert ours[:50].mean() == pytest.approx(theirs[:50].mean(), rel=0.25)
    assert ours[:50].mean() > 8 * ours.mean()


@pytest.mark.parametrize(("n", "m"), [(2, 1), (12, 11), (13, 11), (300, 1), (3000, 7)])
def test_numpy_barabasi_albert_edge_cases(n, m):
    net = build_network(BarabasiAlbert(generator="barabasi_albert", m=m), n,
                        np.zeros(n, dtype=np.int16), seed=0)
    check_csr(net)
    assert net.n_ties == 2 * (m + (n - m - 1) * m)  # every new node has m distinct targets
    assert nx.is_connected(net.to_networkx().to_undirected())
