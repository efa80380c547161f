"""An estimate of a run's peak memory, checked before anything is built.

peak ~ B_base + max(B_build, B_run) + B_records: the network's construction and the
stepping do not hold their big arrays at the same time. With E undirected edges,
T = 2 E directed follow ties, n accounts and feed_size slots per account:
  B_base    = 250 MB: the interpreter with numpy, Numba and the compiled kernels, Mesa
              and pandas loaded
  B_build   = while the network is generated: 320 bytes per edge for the networkx
              generators (watts_strogatz, powerlaw_cluster, stochastic_block; the
              networkx graph, then its edge array), 56 bytes per edge for the numpy
              Barabasi-Albert generator (its 32-bit endpoint list and pointers, then
              16 bytes per edge of tie keys sorted in place: sim.engine.network), 40
              bytes per tie for complete graphs and edge lists (the tie keys and their
              copies); plus 60 bytes per account made before the network
  B_run     = while stepping: TIE_BYTES = 8.4 bytes per tie (the CSR's int64 followees
              and its row pointers) + USER_BYTES = 240 bytes per account (about 30
              per-account arrays) + SLOT_BYTES = 42 bytes per feed slot (readers,
              sources, draws, the recommendation's candidates, the metrics' passes)
  B_records = per recorded step (run.steps + 1 of them; fewer with run.record_every):
              every value of the per-step tables (metrics, strata x 4 fields,
              platforms x 3, interventions, 40 opinion bins, plus a step and a label
              column per group row),
              8 bytes each, 3 times (the buffer, the table built from it when the run
              is saved, and the CSV text), and Mesa's DataCollector (a Python float in
              a list: 32 bytes) per metric.
Calibrated on scenarios/all_imbalances.yaml (Barabasi-Albert, m = 10: 20 follows per
account) at 1,000,000 and 10,000,000 accounts (benchmarks/README.md: the estimate
is within 20 % of the measured peak at both sizes).
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

BASE_BYTES = 250 * 2**20
GRAPH_BYTES_PER_EDGE = 320  # networkx generators
NUMPY_BA_BYTES_PER_EDGE = 56  # sim.engine.network.barabasi_albert_network
KEY_BYTES_PER_TIE = 40  # complete graphs and edge lists: FollowNetwork.from_ties
BUILD_USER_BYTES = 60
TIE_BYTES = 8.4
USER_BYTES = 240
SLOT_BYTES = 42
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


def build_bytes(scenario: Scenario) -> float:
    """B_build of the module doc: the network's construction."""
    edges = estimated_edges(scenario)
    kind = scenario.network.generator
    if kind == "barabasi_albert":
        per_edge = NUMPY_BA_BYTES_PER_EDGE
    elif kind in ("complete", "edge_list"):
        per_edge = 2 * KEY_BYTES_PER_TIE
    else:
        per_edge = GRAPH_BYTES_PER_EDGE
    return per_edge * edges + BUILD_USER_BYTES * scenario.population.size


def estimate_bytes(scenario: Scenario) -> float:
    """Estimated peak memory of building and running ``scenario`` (see the module doc)."""
    n = scenario.population.size
    feed = getattr(scenario.dynamics, "feed_size", 1)
    run = TIE_BYTES * 2 * estimated_edges(scenario) + USER_BYTES * n + SLOT_BYTES * feed * n
    return BASE_BYTES + max(build_bytes(scenario), run) + record_bytes(scenario)


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
