"""Classic opinion models on the same vectorised engine (``dynamics.model``).

Each classic model is one phase that replaces the ecology's step (activation,
feeds, silence): there are no leaders or bots, and opinions stay on the
[-1, 1] scale (confidence bounds are therefore twice the [0, 1] values of the
papers).

Asynchronous ("random-sequential") semantics are kept exact without a Python
loop over agents: a step's N meetings are drawn in order and applied in order,
in batches that are the longest run of meetings in which no agent appears
twice. Disjoint meetings commute, so each batch can be applied at once and the
result equals applying the meetings one by one. Each meeting's partner is drawn
once, when the meeting enters a look-ahead window of 4 sqrt(N) + 16 meetings;
where the choice does not depend on opinions (deffuant, voter) this equals
drawing the whole sequence up front.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import classic_kernels
from sim.classic_kernels import conflict_free_prefix
from sim.echo_chamber import EchoChamber
from sim.phases import Phase
from sim.scenario import CompleteGraph

if TYPE_CHECKING:
    from sim.model import OpinionEcologyModel


def first_disjoint_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mask of the pairs that are the first appearance of both their agents (a matching)."""
    ends = np.empty(2 * a.size, dtype=np.int64)
    ends[0::2], ends[1::2] = a, b
    order = np.argsort(ends, kind="stable")
    ordered = ends[order]
    first = np.ones(ends.size, dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    is_first = np.empty(ends.size, dtype=bool)
    is_first[order] = first
    return is_first[0::2] & is_first[1::2]


def uniform_neighbours(model: OpinionEcologyModel, agents: np.ndarray, u: np.ndarray):
    """A uniformly chosen followee of each agent (agents must have at least one)."""
    net = model.network
    start = net.indptr[agents]
    degree = net.indptr[agents + 1] - start
    return net.followees[start + np.minimum((u * degree).astype(np.int64), degree - 1)]


def biased_neighbours(model: OpinionEcologyModel, agents: np.ndarray, u: np.ndarray,
                      gamma: float, floor: float) -> np.ndarray:
    """A followee j of each agent i drawn with P(j | i) ~ max(|x_i - x_j|, floor)^(-gamma).

    Weights are computed in log space and normalised per agent, so large gamma
    cannot overflow. Agents must have at least one followee.
    """
    if agents.size == 0:
        return agents.copy()
    net = model.network
    x = model.opinion
    start = net.indptr[agents]
    degree = net.indptr[agents + 1] - start
    row_start = np.concatenate(([0], np.cumsum(degree)[:-1]))
    row = np.repeat(np.arange(agents.size), degree)
    flat = np.repeat(start - row_start, degree) + np.arange(int(degree.sum()))
    candidates = net.followees[flat]
    distance = np.maximum(np.abs(x[candidates] - x[agents[row]]), floor)
    log_weight = -gamma * np.log(distance)
    log_weight -= np.maximum.reduceat(log_weight, row_start)[row]
    cum = np.cumsum(np.exp(log_weight))
    before = np.where(row_start > 0, cum[row_start - 1], 0.0)
    total = cum[row_start + degree - 1] - before
    pick = np.searchsorted(cum, before + u * total, side="right")
    pick = np.clip(pick, row_start, row_start + degree - 1)
    return candidates[pick]


def structurally_converged(x: np.ndarray, eps: float, tol: float = 1e-4) -> bool:
    """True when every gap between sorted opinions is below ``tol`` or at least ``eps``:
    no two groups can still interact and every group has (numerically) merged."""
    gaps = np.diff(np.sort(x))
    return bool(np.all((gaps < tol) | (gaps >= eps)))


class _PairwiseModel(Phase):
    """Shared machinery: N meetings per step, exact random-sequential or one matching."""

    def init(self, model: OpinionEcologyModel) -> None:
        model.online[:] = True
        self.degree = np.diff(model.network.indptr)

    def meet(self, model: OpinionEcologyModel, a: np.ndarray, b: np.ndarray) -> None:
        raise NotImplementedError

    def partners(self, model, agents, u):
        return uniform_neighbours(model, agents, u)

    def step(self, model: OpinionEcologyModel) -> None:
        rng = model.streams[self.name]
        initiators = rng.integers(0, model.n, size=model.n)
        initiators = initiators[self.degree[initiators] > 0]
        semantics = getattr(model.spec.dynamics, "semantics", "random_sequential")
        if semantics == "matching":
            partners = self.partners(model, initiators, rng.random(initiators.size))
            keep = first_disjoint_pairs(initiators, partners)
            self.meet(model, initiators[keep], partners[keep])
            return
        window = 4 * int(np.sqrt(model.n)) + 16
        partners = np.full(initiators.size, -1, dtype=np.int64)
        drawn = pos = 0
        while pos < initiators.size:
            end = min(pos + window, initiators.size)
            if drawn < end:
                # a meeting's partner is drawn once, when the meeting enters the window,
                # and never redrawn: no bias against agents that just met
                partners[drawn:end] = self.partners(model, initiators[drawn:end],
                                                    rng.random(end - drawn))
                drawn = end
            length = conflict_free_prefix(initiators[pos:end], partners[pos:end])
            self.meet(model, initiators[pos:pos + length], partners[pos:pos + length])
            pos += length


class Deffuant(_PairwiseModel):
    """Deffuant et al. (2000): if |x_i - x_j| < eps, x_i += mu (x_j - x_i), x_j += mu (x_i - x_j).

    A step is N meetings (initiator uniform, partner a uniform followee), applied
    in random sequence (exactly) or, with ``semantics: matching``, as one set of
    disjoint pairs.
    """

    name = "deffuant"

    def meet(self, model, a, b):
        dyn = model.spec.dynamics
        x = model.opinion
        gap = x[b] - x[a]
        move = dyn.convergence * gap * (np.abs(gap) < dyn.confidence)
        x[a] += move
        x[b] -= move


class AlgorithmicBias(Deffuant):
    """Sirbu et al. (2019): Deffuant meetings whose partner is chosen with
    P(j | i) ~ max(|x_i - x_j|, floor)^(-gamma) among i's followees.

    ``semantics: random_sequential`` (default) is the paper's: N meetings one after
    another, each partner chosen on the current opinions. The choice depends on
    every followee's opinion, so meetings cannot be batched exactly: a compiled
    kernel loops over them (sim/classic_kernels.py; its numpy twin, identical bit
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

    def init(self, model: OpinionEcologyModel) -> None:
        super().init(model)
        self.isolated = bool(np.any(self.degree == 0))  # classic runs keep their network

    def step(self, model: OpinionEcologyModel) -> None:
        dyn = model.spec.dynamics
        if dyn.semantics == "batched" and dyn.gamma != 0.0:
            super().step(model)
            return
        rng = model.streams[self.name]
        initiators = rng.integers(0, model.n, size=model.n)
        if self.isolated:
            initiators = initiators[self.degree[initiators] > 0]
        draws = rng.random(initiators.size)
        x, indptr, followees = model.opinion, model.network.indptr, model.network.followees
        eps, mu, gamma = dyn.confidence, dyn.convergence, dyn.gamma
        if gamma == 0.0:
            # the partner choice ignores opinions: Deffuant's meetings, the same draws and
            # numbers as deffuant (compiled, or the exact batches of disjoint meetings)
            classic_kernels.uniform_meetings(x, indptr, followees, initiators, draws, eps, mu,
                                             4 * int(np.sqrt(model.n)) + 16)
        elif classic_kernels.half_steps(gamma) is not None:
            # exact random-sequential, compiled (or its per-meeting numpy twin); weights
            # from exact arithmetic (sim/classic_kernels.py)
            classic_kernels.biased_meetings(x, indptr, followees, initiators, draws, eps, mu,
                                            gamma, dyn.distance_floor)
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

    def partners(self, model, agents, u):
        dyn = model.spec.dynamics
        if dyn.gamma == 0.0:
            return uniform_neighbours(model, agents, u)
        return biased_neighbours(model, agents, u, dyn.gamma, dyn.distance_floor)


class Voter(_PairwiseModel):
    """Voter model: the initiator copies its partner's opinion (+1 or -1); N copies per step."""

    name = "voter"

    def init(self, model):
        super().init(model)
        model.opinion[:] = np.where(model.opinion < 0.0, -1.0, 1.0)

    def meet(self, model, a, b):
        model.opinion[a] = model.opinion[b]


class HegselmannKrause(Phase):
    """Hegselmann & Krause (2002), synchronous: x_i <- mean{x_j : j in N(i) + i,
    |x_j - x_i| <= eps}. On a complete graph the means come from sorted prefix sums."""

    name = "hegselmann_krause"

    def init(self, model: OpinionEcologyModel) -> None:
        model.online[:] = True
        self.complete = isinstance(model.spec.network, CompleteGraph)
        self.readers = None if self.complete else model.network.readers

    def step(self, model: OpinionEcologyModel) -> None:
        eps = model.spec.dynamics.confidence
        x = model.opinion
        if self.complete:
            ordered = np.sort(x)
            prefix = np.concatenate(([0.0], np.cumsum(ordered)))
            lo = np.searchsorted(ordered, x - eps, side="left")
            hi = np.searchsorted(ordered, x + eps, side="right")
            model.opinion = np.clip((prefix[hi] - prefix[lo]) / (hi - lo), -1.0, 1.0)
            return
        net = model.network
        readers = self.readers
        near = np.abs(x[net.followees] - x[readers]) <= eps
        total = np.bincount(readers, weights=x[net.followees] * near, minlength=model.n) + x
        count = np.bincount(readers, weights=near, minlength=model.n) + 1.0
        model.opinion = total / count


CLASSIC_PHASES: dict[str, type[Phase]] = {
    "deffuant": Deffuant,
    "hegselmann_krause": HegselmannKrause,
    "algorithmic_bias": AlgorithmicBias,
    "voter": Voter,
    "echo_chamber": EchoChamber,
}
