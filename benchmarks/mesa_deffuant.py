"""Benchmark: ``dynamics.model: deffuant`` against an object-per-user Mesa Deffuant model.

    python benchmarks/mesa_deffuant.py                       # 100,000 users (about 1 minute)
    python benchmarks/mesa_deffuant.py --size 10000 --json   # last line: RESULT {...}

Issue #19's row "deffuant vs object-per-user Mesa, same 100k graph, per step with
recording, >= 100x". Both models run on the same Erdos-Renyi graph (networkx
``fast_gnp_random_graph``, mean degree 10, given to ours as an ``edge_list`` file),
from the same initial opinions, confidence 0.4 and convergence 0.5 on [-1, 1]:

* the reference, written as a Mesa 3.5 user would: ``mesa.Model(rng=seed)``, one
  ``mesa.discrete_space.CellAgent`` per user on a ``mesa.discrete_space.Network``
  (``layout=None``), each holding its opinion and the list of its neighbours' agents
  (taken once from its cell's connections); a step is ``agents.shuffle_do("step")``
  (N random-sequential meetings: each agent meets a uniform neighbour, draws from
  ``self.random``), then a ``mesa.DataCollector`` whose model reporters compute, in
  plain loops, the six measures our deffuant model records (mean, variance,
  polarization as mean |x_i - mean|, clusters split at gaps > 0.05, their
  participation ratio, mean |change|);
* ours: ``model.step()`` (N meetings in random sequence: the compiled kernel
  ``uniform_meetings``, then the metric recording of the classic model's own
  measures).

Times are per step, wall clock and process CPU time, each model's first step
(compilation, Mesa's caches) excluded; one BLAS thread. No assertion.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import mesa  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
from mesa.discrete_space import CellAgent, Network  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONFIDENCE, CONVERGENCE, GAP = 0.4, 0.5, 0.05


class Person(CellAgent):
    """One user: an opinion and its neighbours."""

    def __init__(self, model: mesa.Model, cell, opinion: float) -> None:
        super().__init__(model)
        self.cell = cell
        self.opinion = opinion
        self.before = opinion
        self.neighbours: list[Person] = []

    def step(self) -> None:
        if not self.neighbours:
            return
        other = self.random.choice(self.neighbours)
        gap = other.opinion - self.opinion
        if abs(gap) < CONFIDENCE:
            move = CONVERGENCE * gap
            self.opinion += move
            other.opinion -= move


def _opinions(model) -> list[float]:
    return [a.opinion for a in model.agents]


def opinion_mean(model) -> float:
    x = _opinions(model)
    return sum(x) / len(x)


def opinion_var(model) -> float:
    x = _opinions(model)
    m = sum(x) / len(x)
    return sum((v - m) ** 2 for v in x) / len(x)


def polarization(model) -> float:
    x = _opinions(model)
    m = sum(x) / len(x)
    return sum(abs(v - m) for v in x) / len(x)


def _groups(model) -> list[int]:
    x = sorted(_opinions(model))
    sizes = [1]
    for a, b in zip(x, x[1:], strict=False):
        if b - a > GAP:
            sizes.append(1)
        else:
            sizes[-1] += 1
    return sizes


def n_clusters(model) -> int:
    return len(_groups(model))


def effective_clusters(model) -> float:
    sizes = _groups(model)
    return sum(sizes) ** 2 / sum(s * s for s in sizes)


def opinion_change(model) -> float:
    total = 0.0
    for a in model.agents:
        total += abs(a.opinion - a.before)
        a.before = a.opinion
    return total / len(model.agents)


class DeffuantReference(mesa.Model):
    def __init__(self, graph: nx.Graph, opinions: np.ndarray, seed: int) -> None:
        super().__init__(rng=seed)
        self.grid = Network(graph, capacity=1, random=self.random, layout=None)
        for node, x in enumerate(opinions.tolist()):
            Person(self, self.grid[node], x).cell = self.grid[node]
        by_cell = {a.cell: a for a in self.agents}
        for a in self.agents:
            a.neighbours = [by_cell[c] for c in a.cell.connections.values()]
        self.datacollector = mesa.DataCollector(model_reporters={
            f.__name__: f for f in (opinion_mean, opinion_var, polarization, n_clusters,
                                    effective_clusters, opinion_change)})
        self.datacollector.collect(self)

    def step(self) -> None:
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)


def ours(graph_file: Path, size: int, seed: int, steps: int, opinions: np.ndarray):
    from sim.config import validate_scenario
    from sim.engine.model import OpinionEcologyModel

    model = OpinionEcologyModel(validate_scenario({
        "name": "bench_deffuant", "population": {"size": size},
        "network": {"generator": "edge_list", "path": str(graph_file)},
        "dynamics": {"model": "deffuant", "confidence": CONFIDENCE,
                     "convergence": CONVERGENCE, "semantics": "random_sequential"},
        "run": {"steps": steps + 1, "seed": seed}}))
    model.state.opinion[:] = opinions
    return model


def timed(step, steps: int) -> tuple[float, float]:
    step()  # warm-up: compilation, Mesa's caches
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    return (time.perf_counter() - wall) / steps, (time.process_time() - cpu) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=3, help="timed reference steps")
    parser.add_argument("--ours-steps", type=int, default=20, help="timed steps of ours")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="last line: RESULT {...}")
    args = parser.parse_args()
    graph = nx.fast_gnp_random_graph(args.size, 10.0 / (args.size - 1), seed=args.seed)
    opinions = np.random.default_rng(args.seed).uniform(-1, 1, args.size)
    with tempfile.TemporaryDirectory() as tmp:
        graph_file = Path(tmp) / "er.txt"
        graph_file.write_text("".join(f"{u} {v}\n" for u, v in graph.edges()))
        model = ours(graph_file, args.size, args.seed, args.ours_steps, opinions)
    ours_wall, ours_cpu = timed(model.step, args.ours_steps)
    started = time.perf_counter()
    ref = DeffuantReference(graph, opinions, args.seed)
    ref_build = time.perf_counter() - started
    ref_wall, ref_cpu = timed(ref.step, args.steps)
    print(f"{args.size:,} users, {graph.number_of_edges():,} edges: Mesa objects "
          f"{ref_wall:.3f} s/step ({ref_cpu:.3f} CPU; built in {ref_build:.1f} s), ours "
          f"{ours_wall * 1e3:.2f} ms/step ({ours_cpu * 1e3:.2f} CPU): "
          f"{ref_wall / ours_wall:.0f}x wall, {ref_cpu / ours_cpu:.0f}x CPU")
    final = model.latest_metrics()
    print(f"after {args.ours_steps + 1} steps: ours n_clusters {final['n_clusters']}, "
          f"reference after {args.steps + 1}: {n_clusters(ref)}")
    if args.json:
        print("RESULT " + json.dumps({"size": args.size, "ref_s": ref_wall, "ours_s": ours_wall,
                                      "ratio": ref_wall / ours_wall,
                                      "cpu_ratio": ref_cpu / ours_cpu}))


if __name__ == "__main__":
    main()
