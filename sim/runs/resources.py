"""A conservative estimate of a run's peak memory, checked before anything is built.

peak ~ B_graph + B_ties + B_users + B_feed + B_metrics, with
  B_graph   = 320 bytes per undirected edge while a networkx generator builds the
              network (measured: 1,000,000 users x 10 edges each peaked at 2.7 GB,
              almost all of it the networkx graph; benchmarks/README.md);
              0 for complete graphs and edge lists (built from numpy arrays)
  B_ties    = 40 bytes per directed follow tie (CSR arrays and their construction)
  B_users   = 600 bytes per account (about 40 per-account arrays and work buffers)
  B_feed    = 60 bytes per feed slot (feed_size slots per account: readers, sources,
              draws and the metrics' gathers)
  B_metrics = 8 bytes per metric per recorded step.
Edges are estimated from the generator's parameters (m n for Barabasi-Albert and
Holme-Kim, k n / 2 for Watts-Strogatz, mean_degree n / 2 for the block model,
n (n - 1) / 2 for complete graphs, the file's size / 8 for edge lists).
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.config import Scenario, ScenarioError
from sim.engine.metrics import REGISTRY

GRAPH_BYTES_PER_EDGE = 320
TIE_BYTES = 40
USER_BYTES = 600
SLOT_BYTES = 60


def estimated_edges(scenario: Scenario) -> float:
    n = scenario.population.size
    net = scenario.network
    kind = net.generator
    if kind in ("barabasi_albert", "powerlaw_cluster"):
        return float(net.m) * n
    if kind == "watts_strogatz":
        return net.k * n / 2.0
    if kind == "stochastic_block":
        return net.mean_degree * n / 2.0
    if kind == "complete":
        return n * (n - 1) / 2.0
    try:
        return Path(net.path).stat().st_size / 8.0  # at least 4 bytes per "u v\n" line
    except OSError:
        return 0.0


def estimate_bytes(scenario: Scenario) -> float:
    """Estimated peak memory of building and running ``scenario`` (see the module doc)."""
    n = scenario.population.size
    edges = estimated_edges(scenario)
    graph = 0.0 if scenario.network.generator in ("complete", "edge_list") else edges
    feed = getattr(scenario.dynamics, "feed_size", 1)
    return (GRAPH_BYTES_PER_EDGE * graph + TIE_BYTES * 2 * edges + USER_BYTES * n
            + SLOT_BYTES * feed * n + 8.0 * len(REGISTRY) * (scenario.run.steps + 1))


def available_bytes() -> float | None:
    """Memory available to a new run now (MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024.0
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(scenario: Scenario, source: str) -> float:
    """Raise ScenarioError if the estimate exceeds the available memory; return the estimate."""
    need = estimate_bytes(scenario)
    have = available_bytes()
    if have is not None and need > have:
        raise ScenarioError(
            f"{source}: population.size: this run needs an estimated {need / 1e9:.1f} GB of "
            f"memory ({scenario.population.size:,} accounts, about "
            f"{estimated_edges(scenario):,.0f} ties to build) but {have / 1e9:.1f} GB is "
            f"available; lower population.size or the network's degree, or run on a larger "
            f"machine (--no-memory-check skips this check)"
        )
    return need
