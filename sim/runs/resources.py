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
  B_records = per recorded step (run.steps + 1 of them; fewer with run.record_every):
              every value of the per-step tables (metrics, strata x 4 fields,
              platforms x 3, interventions, 40 opinion bins, plus a step and a label
              column per group row),
              8 bytes each, 3 times (the buffer, the table built from it when the run
              is saved, and the CSV text), and Mesa's DataCollector (a Python float in
              a list: 32 bytes) per metric.
Edges are estimated from the generator's parameters (m n for Barabasi-Albert and
Holme-Kim, k n / 2 for Watts-Strogatz, mean_degree n / 2 for the block model,
n (n - 1) / 2 for complete graphs, the file's size / 8 for edge lists).
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.config import Scenario, ScenarioError
from sim.engine.metrics import REGISTRY
from sim.engine.metrics.distributions import OPINION_BINS
from sim.engine.metrics.recorder import recorded_rows

GRAPH_BYTES_PER_EDGE = 320
TIE_BYTES = 40
USER_BYTES = 600
SLOT_BYTES = 60
RECORD_COPIES = 3  # a recorded value: in its buffer, in the saved table, as CSV text


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


def record_bytes(scenario: Scenario) -> float:
    """B_records of the module doc: the per-step tables of a whole run."""
    metrics = len(REGISTRY)
    strata = len(scenario.population.strata)
    platforms = len(scenario.platforms)
    interventions = len(scenario.interventions)
    per_step = (metrics + 1 + strata * (4 + 2) + platforms * (3 + 2)
                + interventions * (1 + 2) + OPINION_BINS + 1)
    return recorded_rows(scenario) * (RECORD_COPIES * 8.0 * per_step + 32.0 * metrics)


def estimate_bytes(scenario: Scenario) -> float:
    """Estimated peak memory of building and running ``scenario`` (see the module doc)."""
    n = scenario.population.size
    edges = estimated_edges(scenario)
    graph = 0.0 if scenario.network.generator in ("complete", "edge_list") else edges
    feed = getattr(scenario.dynamics, "feed_size", 1)
    return (GRAPH_BYTES_PER_EDGE * graph + TIE_BYTES * 2 * edges + USER_BYTES * n
            + SLOT_BYTES * feed * n + record_bytes(scenario))


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


def check_memory(scenario: Scenario, source: str, concurrent: int = 1) -> float:
    """Raise ScenarioError if ``concurrent`` runs of the scenario at once (a comparison's or
    a sweep's workers) would need more than the available memory; return the estimate of
    one run."""
    need = estimate_bytes(scenario)
    have = available_bytes()
    if have is None or need * concurrent <= have:
        return need
    records = record_bytes(scenario)
    if records > need / 2:
        field, cause = "run.steps", (f"the per-step tables of {scenario.run.steps:,} steps "
                                     f"take {records / 1e9:.1f} GB")
        remedy = "lower run.steps"
    else:
        field, cause = "population.size", (f"{scenario.population.size:,} accounts, about "
                                           f"{estimated_edges(scenario):,.0f} ties to build")
        remedy = "lower population.size or the network's degree"
    if concurrent > 1:
        remedy += ", or use fewer --workers"
    subject = "this run needs" if concurrent == 1 else f"{concurrent} runs at once need"
    raise ScenarioError(
        f"{source}: {field}: {subject} an estimated {need * concurrent / 1e9:.1f} GB of "
        f"memory ({cause}) but {have / 1e9:.1f} GB is available; {remedy}, or run on a "
        f"larger machine (--no-memory-check skips this check)")
