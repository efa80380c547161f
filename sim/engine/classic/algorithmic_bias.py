"""Sirbu, Pedreschi, Giannotti & Kertesz (2019): Deffuant with algorithmically biased partners."""

from __future__ import annotations

import numpy as np

from sim.engine.classic.deffuant import Deffuant
from sim.engine.classic.pairwise import biased_neighbours, uniform_neighbours
from sim.engine.kernels.classic import biased_meetings, half_steps, uniform_meetings
from sim.engine.state import Ecology


class AlgorithmicBias(Deffuant):
    """Sirbu et al. (2019): Deffuant meetings whose partner is chosen with
    P(j | i) ~ max(|x_i - x_j|, floor)^(-gamma) among i's followees.

    ``semantics: random_sequential`` (default) is the paper's: N meetings one after
    another, each partner chosen on the current opinions. The choice depends on
    every followee's opinion, so meetings cannot be batched exactly: a compiled
    kernel loops over them (sim/engine/kernels/classic.py; its numpy twin, identical bit
    for bit, runs one vectorised pass over the initiator's followees per meeting).
    The kernel needs 2 gamma to be whole (exact weights); other gammas use the
    numpy loop with log-space weights. At gamma 0 the choice ignores opinions: a
    kernel applies Deffuant's meetings in order, the numbers of the exact batches of
    disjoint meetings. ``semantics: batched`` chooses the partners of a look-ahead
    window at once (as for deffuant) from slightly stale opinions (numpy): at high
    gamma it converges sooner than the paper's model (a batch-wise variant: median
    544 vs NDlib's 891 steps at gamma = 1, N = 100; the exact mode gave 742 vs 730:
    benchmarks/vs_ndlib.py).
    """

    name = "algorithmic_bias"

    def init(self, model: Ecology) -> None:
        super().init(model)
        self.isolated = bool(np.any(self.degree == 0))  # classic runs keep their network

    def step(self, model: Ecology) -> None:
        dyn = model.spec.dynamics
        if dyn.semantics == "batched" and dyn.gamma != 0.0:
            super().step(model)
            return
        state = model.state
        rng = model.streams[self.name]
        initiators = rng.integers(0, state.n, size=state.n)
        if self.isolated:
            initiators = initiators[self.degree[initiators] > 0]
        draws = rng.random(initiators.size)
        x, indptr, followees = state.opinion, state.network.indptr, state.network.followees
        eps, mu, gamma = dyn.confidence, dyn.convergence, dyn.gamma
        if gamma == 0.0:
            # the partner choice ignores opinions: Deffuant's meetings, the same draws and
            # numbers as deffuant (compiled, or the exact batches of disjoint meetings)
            uniform_meetings(x, indptr, followees, initiators, draws, eps, mu,
                             4 * int(np.sqrt(state.n)) + 16)
        elif half_steps(gamma) is not None:
            # exact random-sequential, compiled (or its per-meeting numpy twin); weights
            # from exact arithmetic (sim/engine/kernels/classic.py)
            biased_meetings(x, indptr, followees, initiators, draws, eps, mu, gamma,
                            dyn.distance_floor)
        else:
            self._log_space_meetings(x, indptr, followees, initiators, draws, eps, mu, gamma,
                                     dyn.distance_floor)

    @staticmethod
    def _log_space_meetings(x, indptr, followees, initiators, draws, eps, mu, gamma, floor):
        """Exact random-sequential for a gamma without an exact kernel (2 gamma not whole):
        each partner chosen on the opinions left by the previous meeting, one vectorised
        O(degree) numpy pass per meeting, weights in log space."""
        for i, u in zip(initiators.tolist(), draws.tolist(), strict=True):
            row = followees[indptr[i]:indptr[i + 1]]
            log_distance = np.log(np.maximum(np.abs(x[row] - x[i]), floor))
            weight = np.exp(-gamma * (log_distance - log_distance.min()))  # largest is 1
            cum = np.cumsum(weight)
            j = row[min(int(np.searchsorted(cum, u * cum[-1], side="right")), row.size - 1)]
            gap = x[j] - x[i]
            if abs(gap) < eps:
                x[i] += mu * gap
                x[j] -= mu * gap

    def partners(self, model: Ecology, agents: np.ndarray, u: np.ndarray) -> np.ndarray:
        dyn = model.spec.dynamics
        if dyn.gamma == 0.0:
            return uniform_neighbours(model.state, agents, u)
        return biased_neighbours(model.state, agents, u, dyn.gamma, dyn.distance_floor)
