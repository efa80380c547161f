"""Side-by-side check of our classic models against NDlib (outcomes and speed).

    python benchmarks/vs_ndlib.py             # about 4 minutes (8 seeds)
    python benchmarks/vs_ndlib.py --quick     # under a minute: fewer seeds, shorter runs
    python benchmarks/vs_ndlib.py --seeds 20  # more seeds (longer)
    python benchmarks/vs_ndlib.py --speed     # only case 3, the speed comparison

NDlib is an optional benchmark dependency, not a runtime one. Install it in the
environment that runs this script: ``pip install ndlib six scikit-learn``
(NDlib 6 imports six and scikit-learn without declaring them).

Each case builds ONE networkx graph and feeds it to both libraries: to NDlib
as the graph object, to ours as an ``edge_list`` file (``u v`` per line)
written to a temporary directory. Each seed draws the initial opinions once
(NDlib's uniform draw on [0, 1]); ours starts from the same opinions mapped to
[-1, 1] (x -> 2x - 1), and final opinions of both are compared on [-1, 1],
where our confidence is 2 x NDlib's epsilon and our distance floor 2e-5 is
NDlib's 1e-5.

Cases:
  1. AlgorithmicBiasModel vs ``algorithmic_bias`` (mu 0.5, eps 0.3 on [0, 1],
     gamma 0 / 0.5 / 1) on a complete graph (N = 100; each run stops at
     structural convergence or a common cap) and on an Erdos-Renyi graph
     (N = 1000, mean degree 10, isolated nodes joined to a random node; a fixed,
     equal number of iterations: sparse graphs never converge structurally).
     One NDlib iteration = N pair meetings = one of our steps.
  2. HKModel vs ``hegselmann_krause`` on the complete graph (N = 100), eps 0.15
     on [0, 1] (below the consensus threshold, where the models can part), each run
     to structural convergence. NDlib's HKModel is not an HK oracle (see the
     note printed with the table).
  3. Speed of the algorithmic-bias model per node update, wall time /
     (iterations x N), on a sparse Erdos-Renyi graph with N = 10,000, gamma 0 / 0.5 /
     1: NDlib against ours in the exact random_sequential mode (compiled kernels,
     sim/engine/kernels/classic.py), ours timed with and without the per-step metric
     recording; minimum of repeats (the machine may be shared).

Clusters are counted the same way for both libraries, on [-1, 1]: PR is the
participation ratio C = (sum c_k)^2 / sum c_k^2 of groups of sorted opinions
split at gaps > eps/2 (tests/validation/common.py); "groups" is the number of
those groups; "clusters" is the model's n_clusters rule (gaps > 0.05, groups
with at least 1 % of agents).

Reproducibility: before each NDlib run the script seeds Python's ``random`` and
numpy's global generator (after the model's constructor, which reseeds numpy
itself, HKModel from OS entropy). NDlib has no generator of its own: on a
non-complete graph AlgorithmicBiasModel draws initiators from the global
``random`` module, so its runs are reproducible only through this global
seeding, never by NDlib's ``seed`` argument alone.
No assertion: a benchmark reports.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

INSTALL_HINT = "pip install ndlib six scikit-learn"
GAMMAS = (0.0, 0.5, 1.0)
AB_EPS = 0.3  # NDlib epsilon on [0, 1]; ours: confidence 0.6 on [-1, 1]
HK_EPS = 0.15  # below the HK consensus threshold (about 0.2): fragmentation
TOL = 1e-3  # structural convergence: every sorted gap < TOL or >= eps


# --------------------------------------------------------------------------- graphs


def erdos_renyi(n: int, mean_degree: float, seed: int):
    """G(n, p) with p = mean_degree / (n - 1); each isolated node is joined to one
    uniformly chosen other node (NDlib's AlgorithmicBiasModel fails on isolated nodes)."""
    import networkx as nx

    graph = nx.fast_gnp_random_graph(n, mean_degree / (n - 1), seed=seed)
    rng = np.random.default_rng(seed)
    for v in list(nx.isolates(graph)):
        u = int(rng.integers(n - 1))
        graph.add_edge(v, u + (u >= v))
    return graph


def write_edge_list(graph, path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(f"{u} {v}\n" for u, v in graph.edges())
    return path


class Case:
    """One graph, shared by both libraries: the networkx object and its edge-list file."""

    def __init__(self, name: str, graph, tmp: Path) -> None:
        self.name = name
        self.graph = graph
        self.n = graph.number_of_nodes()
        assert list(graph.nodes) == list(range(self.n)), "nodes must be 0..N-1 in order"
        self.path = write_edge_list(graph, tmp / f"{name}.txt")
        self.mean_degree = 2 * graph.number_of_edges() / self.n

    def ours(self, dynamics: dict, seed: int, x0: np.ndarray):
        """Our classic model on this graph, starting from NDlib's initial opinions x0 on [0, 1]."""
        from tests.validation.common import classic

        model = classic(dynamics, self.n, seed, {"generator": "edge_list", "path": str(self.path)})
        edges = self.graph.number_of_edges()
        assert model.state.network.n_ties == 2 * edges, "graph not reproduced"
        model.state.opinion[:] = 2.0 * x0 - 1.0
        return model


# --------------------------------------------------------------------------- NDlib side


def ndlib_model(kind: str, graph, eps: float, gamma: float, seed: int):
    """An NDlib opinion model with uniform initial opinions, seeded through the global
    generators, after its no-op iteration 0 (which only returns the initial state)."""
    import ndlib.models.ModelConfig as mc
    import ndlib.models.opinions as op

    if kind == "ab":
        model = op.AlgorithmicBiasModel(graph, seed=seed)
    else:
        model = op.HKModel(graph)  # reseeds numpy from OS entropy
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - NDlib draws from numpy's global generator
    config = mc.Configuration()
    config.add_model_parameter("epsilon", eps)
    if kind == "ab":
        config.add_model_parameter("gamma", gamma)
    model.set_initial_status(config)
    model.iteration(node_status=False)
    return model


def ndlib_opinions(model, n: int) -> np.ndarray:
    return np.fromiter((model.status[i] for i in range(n)), dtype=np.float64, count=n)


# --------------------------------------------------------------------------- measures


def group_sizes(x: np.ndarray, gap: float) -> np.ndarray:
    ordered = np.sort(x)
    breaks = np.flatnonzero(np.diff(ordered) > gap)
    return np.diff(np.concatenate(([0], breaks + 1, [ordered.size])))


def measures(x: np.ndarray, confidence: float) -> tuple[float, int, int]:
    """(participation ratio, groups, clusters) of opinions x on [-1, 1]; see the docstring."""
    from tests.validation.common import participation_ratio

    coarse = group_sizes(x, confidence / 2)
    fine = group_sizes(x, 0.05)
    return (participation_ratio(x, confidence / 2), int(coarse.size),
            int(np.count_nonzero(fine >= 0.01 * x.size)))


class Tally:
    """Outcomes of one library in one setting, over seeds."""

    def __init__(self) -> None:
        self.pr: list[float] = []
        self.groups: list[int] = []
        self.clusters: list[int] = []
        self.iters: list[int] = []
        self.converged = 0
        self.seconds = 0.0

    def add(self, x: np.ndarray, confidence: float, iters: int, converged: bool,
            seconds: float) -> None:
        pr, groups, clusters = measures(x, confidence)
        self.pr.append(pr)
        self.groups.append(groups)
        self.clusters.append(clusters)
        self.iters.append(iters)
        self.converged += converged
        self.seconds += seconds


def distribution(values: list[int]) -> str:
    counts = np.unique(values, return_counts=True)
    return " ".join(f"{v}:{c}" for v, c in zip(*counts, strict=True))


def mean_sd(values: list[float]) -> str:
    return f"{np.mean(values):.2f}+-{np.std(values, ddof=1) if len(values) > 1 else 0.0:.2f}"


def z_score(a: list[float], b: list[float]) -> float:
    """Welch z of mean(b) - mean(a); 0 when both samples are constant and equal; nan below
    5 seeds (too few to judge)."""
    if len(a) < 5 or len(b) < 5:
        return float("nan")
    se = np.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b))
    diff = np.mean(b) - np.mean(a)
    return float(diff / se) if se > 0 else (0.0 if diff == 0 else float("inf"))


def z_text(z: float) -> str:
    return "-" if np.isnan(z) else f"{z:+.1f}"


HEADER = (f"{'graph':<10} {'model':<14} {'lib':<6} {'iterations':<22} {'PR':<10} "
          f"{'groups':<16} {'clusters':<16} {'dPR z':>6} {'s/run':>6}")


def print_rows(graph: str, label: str, ours: Tally, nd: Tally, iters_text) -> None:
    z = z_score(ours.pr, nd.pr)
    for lib, tally, ztext in (("ours", ours, ""), ("ndlib", nd, z_text(z))):
        print(f"{graph:<10} {label:<14} {lib:<6} {iters_text(tally):<22} "
              f"{mean_sd(tally.pr):<10} {distribution(tally.groups):<16} "
              f"{distribution(tally.clusters):<16} {ztext:>6} "
              f"{tally.seconds / len(tally.pr):6.2f}")


def converged_text(t: Tally) -> str:
    return f"{t.converged}/{len(t.iters)} conv, med {np.median(t.iters):.0f}"


def fixed_text(t: Tally) -> str:
    return f"fixed {t.iters[0]}"


# --------------------------------------------------------------------------- case 1


def run_ab(case: Case, gamma: float, seeds: range, cap: int, until_converged: bool):
    """Both libraries from the same initial opinions; `cap` iterations (steps), or fewer
    when `until_converged` and the run converges structurally (its clusters are then final)."""
    from sim.engine.classic.pairwise import structurally_converged

    conf = 2 * AB_EPS
    ours_tally, nd_tally = Tally(), Tally()
    for seed in seeds:
        started = time.perf_counter()
        nd = ndlib_model("ab", case.graph, AB_EPS, gamma, seed)
        x0 = ndlib_opinions(nd, case.n)
        done, conv = 0, False
        while done < cap:
            if until_converged and structurally_converged(2 * ndlib_opinions(nd, case.n) - 1,
                                                          conf, TOL):
                conv = True
                break
            nd.iteration(node_status=False)
            done += 1
        x = 2 * ndlib_opinions(nd, case.n) - 1
        nd_tally.add(x, conf, done, conv or structurally_converged(x, conf, TOL),
                     time.perf_counter() - started)

        started = time.perf_counter()
        model = case.ours({"model": "algorithmic_bias", "confidence": conf, "gamma": gamma,
                           "convergence": 0.5}, seed, x0)
        done, conv = 0, False
        if until_converged:
            while done < cap and not (conv := structurally_converged(model.state.opinion, conf,
                                                                     TOL)):
                model.step()
                done += 1
        else:
            model.run_for(cap)
            done = cap
        ours_tally.add(model.state.opinion.copy(), conf,
                       done, conv or structurally_converged(model.state.opinion, conf, TOL),
                       time.perf_counter() - started)
    return ours_tally, nd_tally


# --------------------------------------------------------------------------- case 2


def run_hk(case: Case, eps: float, seeds: range, ours_cap: int, nd_sweeps: int):
    """Each library to structural convergence (ours: synchronous steps; NDlib: iterations,
    capped at nd_sweeps x N since an NDlib HK iteration writes one agent)."""
    from sim.engine.classic.pairwise import structurally_converged

    conf = 2 * eps
    ours_tally, nd_tally = Tally(), Tally()
    for seed in seeds:
        started = time.perf_counter()
        nd = ndlib_model("hk", case.graph, eps, 0.0, seed)
        x0 = ndlib_opinions(nd, case.n)
        done, conv = 0, False
        while done < nd_sweeps * case.n:
            if conv := structurally_converged(2 * ndlib_opinions(nd, case.n) - 1, conf, TOL):
                break
            nd.iteration(node_status=False)
            done += 1
        nd_tally.add(2 * ndlib_opinions(nd, case.n) - 1, conf, done, conv,
                     time.perf_counter() - started)

        started = time.perf_counter()
        model = case.ours({"model": "hegselmann_krause", "confidence": conf}, seed, x0)
        done, conv = 0, False
        while done < ours_cap and not (conv := structurally_converged(model.state.opinion, conf,
                                                                      TOL)):
            model.step()
            done += 1
        ours_tally.add(model.state.opinion.copy(), conf, done, conv, time.perf_counter() - started)
    return ours_tally, nd_tally


AB_NOTE = """\
Known differences in algorithmic bias: none in the model with our default
  semantics (random_sequential: each partner chosen on the current opinions, as NDlib
  does). Our optional `batched` semantics draws the partners of a look-ahead window at
  once; at gamma > 0 that shortens the time to converge on the complete graph (the
  distance floor keeps a cluster-mate that just moved looking identical), not the
  cluster counts (benchmarks/README.md). NDlib's iteration 0 only returns the initial
  state; iterations here are counted after it."""


HK_NOTE = """\
NDlib's HKModel is not the HK model of Hegselmann & Krause (2002), so it is no oracle:
  - one agent per iteration: each iteration computes a new opinion for N random agents
    but writes only the last one (the assignment sits after the loop), so it is an
    asynchronous one-agent-at-a-time HK and one iteration is 1/N of our step (compare
    its iterations / N, "sweeps", with our steps) at N times the work;
  - the agent's own opinion is left out of the mean and the bound is strict (|d| < eps);
    HK and ours average over the agent and every neighbour with |d| <= eps.
  Asynchronous updating changes which groups merge near the fragmentation threshold,
  so final cluster counts can differ from synchronous HK for the same start."""

# --------------------------------------------------------------------------- case 3


def _min_time(run, repeats: int) -> tuple[float, float]:
    """Smallest wall time and smallest process CPU time of ``repeats`` calls of ``run``.
    On a shared machine the CPU time is the steadier measure (other jobs stretch the
    wall time, not the time this process runs)."""
    wall = cpu = float("inf")
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        cpu = min(cpu, time.process_time() - started_cpu)
        wall = min(wall, time.perf_counter() - started)
    return wall, cpu


def speed(n: int, mean_degree: float, gammas, nd_iters: int, our_steps: int, repeats: int,
          tmp: Path):
    """Per node update: NDlib's AlgorithmicBiasModel (best of ``nd_iters`` iterations of N
    meetings) and ours in the exact random_sequential mode, best of ``repeats`` runs of
    ``our_steps`` steps, timed two ways: model.step() (the phase and the per-step metric
    recording, which NDlib does not do) and the phases alone (model.phases)."""
    from sim.engine.kernels import active_backend

    case = Case(f"er{n}", erdos_renyi(n, mean_degree, 2019), tmp)
    print(f"graph: Erdos-Renyi N = {n:,}, mean degree {case.mean_degree:.2f}, "
          f"{case.graph.number_of_edges():,} edges; eps {AB_EPS}, mu 0.5; our kernels: "
          f"{active_backend()}")
    rows = []
    for gamma in gammas:
        gc.collect()
        nd = ndlib_model("ab", case.graph, AB_EPS, gamma, 0)
        x0 = ndlib_opinions(nd, n)
        t_nd = np.array(_min_time(lambda nd=nd: nd.iteration(node_status=False), nd_iters)) / n
        del nd
        gc.collect()
        model = case.ours({"model": "algorithmic_bias", "confidence": 2 * AB_EPS,
                           "gamma": gamma, "semantics": "random_sequential"}, 0, x0)
        model.step()  # warm-up (compiles the kernel on a first run without a cache)

        def steps(model=model):
            for _ in range(our_steps):
                model.step()

        def phases(model=model):
            for _ in range(our_steps):
                for phase in model.phases:
                    phase.step(model)

        t_step = np.array(_min_time(steps, repeats)) / (our_steps * n)
        t_phases = np.array(_min_time(phases, repeats)) / (our_steps * n)
        rows.append((gamma, t_nd, t_step, t_phases))
    for k, clock in ((1, "process CPU time"), (0, "wall time")):
        print(f"{clock}, microseconds per node update:")
        print(f"{'gamma':>5} {'NDlib':>9} {'ours step()':>12} {'speed-up':>9} "
              f"{'ours phases':>12} {'speed-up':>9}")
        for gamma, t_nd, t_step, t_phases in rows:
            print(f"{gamma:5.1f} {t_nd[k] * 1e6:9.2f} {t_step[k] * 1e6:12.3f} "
                  f"{t_nd[k] / t_step[k]:8.0f}x {t_phases[k] * 1e6:12.3f} "
                  f"{t_nd[k] / t_phases[k]:8.0f}x")
    print(f"(per node update = time / (iterations x N). NDlib: best of {nd_iters} "
          f"iteration(s); ours: exact random_sequential mode, best of {repeats} runs of "
          f"{our_steps} steps after one warm-up step. step() includes the per-step recording "
          f"of the model's metrics, which NDlib does not do; 'phases' times model.phases "
          f"alone, the same work as an NDlib iteration)")
    return rows


def outcomes(seeds: range, er_iters: int, complete_cap: int, tmp: Path) -> None:
    """Cases 1 and 2: final opinions of both libraries from the same starts."""
    import networkx as nx

    complete = Case("complete100", nx.complete_graph(100), tmp)
    er = Case("er1000", erdos_renyi(1000, 10, 2019), tmp)

    print(f"\n== 1. algorithmic bias: eps {AB_EPS} on [0, 1] (ours: confidence "
          f"{2 * AB_EPS}), mu 0.5, floor 1e-5 (ours 2e-5); 1 iteration = N meetings")
    print(f"complete100: N = 100, run to structural convergence (gaps < {TOL} or >= eps), "
          f"cap {complete_cap}; er1000: N = 1000, mean degree {er.mean_degree:.2f}, "
          f"{er.graph.number_of_edges()} edges, {er_iters} iterations for both")
    print(HEADER)
    for gamma in GAMMAS:
        ours, nd = run_ab(complete, gamma, seeds, complete_cap, until_converged=True)
        print_rows("complete", f"AB g={gamma}", ours, nd, converged_text)
    for gamma in GAMMAS:
        ours, nd = run_ab(er, gamma, seeds, er_iters, until_converged=False)
        print_rows("er1000", f"AB g={gamma}", ours, nd, fixed_text)
    print(AB_NOTE)

    print(f"\n== 2. Hegselmann-Krause on complete100, eps {HK_EPS} on [0, 1] (ours: "
          f"confidence {2 * HK_EPS}), each to structural convergence (ours: synchronous "
          f"steps; ndlib: iterations of one agent, cap 30 x N)")
    print(HEADER)
    ours, nd = run_hk(complete, HK_EPS, seeds, ours_cap=500, nd_sweeps=30)
    print_rows("complete", f"HK eps={HK_EPS}", ours, nd, converged_text)
    same = sum(a == b for a, b in zip(ours.groups, nd.groups, strict=True))
    z = z_score(ours.pr, nd.pr)
    print(f"ndlib sweeps (iterations / N) to converge: median "
          f"{np.median(nd.iters) / complete.n:.1f}"
          f" (ours: {np.median(ours.iters):.0f} synchronous steps); same number of groups "
          f"in {same}/{len(nd.groups)} seeds (same initial opinions); dPR z {z_text(z)}")
    if np.isnan(z):
        print("Result: too few seeds to judge (use 5 or more). Why the two can differ:")
    elif abs(z) >= 2:
        print("Result: the final cluster counts differ systematically (|dPR z| >= 2). Why:")
    elif same < len(nd.groups):
        print("Result: no systematic difference in the cluster counts (|dPR z| < 2); single "
              "seeds differ. Why the two can differ:")
    else:
        print("Result: the final cluster counts agree seed by seed, though the models "
              "differ:")
    print(HK_NOTE)


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="under a minute: 2 seeds, 50 Erdos-Renyi iterations, short timing")
    parser.add_argument("--speed", action="store_true",
                        help="only case 3 (speed), about 2 minutes")
    parser.add_argument("--seeds", type=int, default=None,
                        help="seeds per setting (default 8; 2 with --quick)")
    parser.add_argument("--json", action="store_true",
                        help="end with one line 'RESULT {json}' holding the speed numbers "
                        "(read by benchmarks/run_all.py)")
    args = parser.parse_args()

    try:
        import ndlib.models.ModelConfig  # noqa: F401
        import ndlib.models.opinions  # noqa: F401
    except ImportError as exc:
        print(f"NDlib is not importable ({exc}); this benchmark compares our models with it.")
        print(f"Install it (an optional benchmark dependency): {INSTALL_HINT}")
        sys.exit(0)
    n_seeds = args.seeds if args.seeds is not None else (2 if args.quick else 8)
    seeds = range(n_seeds)
    er_iters = 50 if args.quick else 100
    complete_cap = 3000
    speed_nd_iters, speed_steps, speed_repeats = (1, 5, 3) if args.quick else (3, 10, 7)

    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.platform()}")
    print("versions: " + ", ".join(f"{p} {metadata.version(p)}"
                                   for p in ("ndlib", "numpy", "networkx", "mesa")))
    print(f"seeds: {seeds.start}..{seeds.stop - 1}; same initial opinions for both libraries "
          f"per seed; NDlib runs: random.seed(s) and numpy.random.seed(s) set before each run "
          f"(NDlib's AlgorithmicBiasModel draws initiators from the unseeded global `random` on "
          f"non-complete graphs: its runs are not reproducible otherwise)")
    print("columns: PR = participation ratio of groups split at gaps > eps/2 (mean+-sd); "
          "groups = number of those groups; clusters = groups at gaps > 0.05 holding >= 1 % "
          "(value:seeds); all on [-1, 1]; dPR z = Welch z of mean PR (ndlib - ours), "
          "shown from 5 seeds")
    total = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="vs_ndlib_") as tmpdir:
        tmp = Path(tmpdir)
        if not args.speed:
            outcomes(seeds, er_iters, complete_cap, tmp)

        print("\n== 3. speed of the algorithmic-bias model per node update (one core)")
        rows = speed(10_000, 10, GAMMAS, speed_nd_iters, speed_steps, speed_repeats, tmp)

    print(f"\ntotal wall time: {time.perf_counter() - total:.0f} s")
    if args.json:
        cases = [{"gamma": gamma, "ndlib_us_cpu": t_nd[1] * 1e6, "step_us_cpu": t_step[1] * 1e6,
                  "phases_us_cpu": t_phases[1] * 1e6, "ratio": t_nd[1] / t_step[1],
                  "ratio_phases": t_nd[1] / t_phases[1],
                  "ratio_wall": t_nd[0] / t_step[0], "ratio_phases_wall": t_nd[0] / t_phases[0]}
                 for gamma, t_nd, t_step, t_phases in rows]
        print("RESULT " + json.dumps({"n": 10_000, "cases": cases}), flush=True)


if __name__ == "__main__":
    main()
