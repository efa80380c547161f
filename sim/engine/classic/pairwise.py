"""Shared machinery of the pairwise classic models (Deffuant, algorithmic bias, voter).

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

import numpy as np

from sim.engine.kernels.classic import conflict_free_prefix
from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology, EcologyState


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


def uniform_neighbours(state: EcologyState, agents: np.ndarray, u: np.ndarray):
    """A uniformly chosen followee of each agent (agents must have at least one)."""
    net = state.network
    start = net.indptr[agents]
    degree = net.indptr[agents + 1] - start
    return net.followees[start + np.minimum((u * degree).astype(np.int64), degree - 1)]


def biased_neighbours(state: EcologyState, agents: np.ndarray, u: np.ndarray,
                      gamma: float, floor: float) -> np.ndarray:
    """A followee j of each agent i drawn with P(j | i) ~ max(|x_i - x_j|, floor)^(-gamma).

    Weights are computed in log space and normalised per agent, so large gamma
    cannot overflow. Agents must have at least one followee.
    """
    if agents.size == 0:
        return agents.copy()
    net = state.network
    x = state.opinion
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


class PairwiseModel(Phase):
    """Shared machinery: N meetings per step, exact random-sequential or one matching."""

    uses_network = True  # partners are followees

    def init(self, model: Ecology) -> None:
        model.state.online[:] = True
        self.degree = np.diff(model.state.network.indptr)

    def meet(self, model: Ecology, a: np.ndarray, b: np.ndarray) -> None:
        raise NotImplementedError

    def partners(self, model: Ecology, agents: np.ndarray, u: np.ndarray) -> np.ndarray:
        return uniform_neighbours(model.state, agents, u)

    compiled_sequence = False  # True where ``sequential`` has a kernel

    def sequential(self, model: Ecology, initiators: np.ndarray, u: np.ndarray,
                   window: int) -> None:
        """Apply the step's meetings in random sequence with a kernel (partner of meeting
        m: the followee at floor(u[m] * degree)); models without one use the batches of
        ``step``."""
        raise NotImplementedError

    def step(self, model: Ecology) -> None:
        rng = model.streams[self.name]
        n = model.state.n
        initiators = rng.integers(0, n, size=n)
        initiators = initiators[self.degree[initiators] > 0]
        semantics = getattr(model.spec.dynamics, "semantics", "random_sequential")
        if semantics == "matching":
            partners = self.partners(model, initiators, rng.random(initiators.size))
            keep = first_disjoint_pairs(initiators, partners)
            self.meet(model, initiators[keep], partners[keep])
            return
        window = 4 * int(np.sqrt(n)) + 16
        if self.compiled_sequence:  # the same uniforms as the windows below draw, in order
            self.sequential(model, initiators, rng.random(initiators.size), window)
            return
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
