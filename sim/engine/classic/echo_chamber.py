"""Baumann, Lorenz-Spreen, Sokolov & Starnini (2020), PRL 124, 048301: echo chambers.

Radicalisation dynamics on an activity-driven temporal network with homophily;
see :class:`EchoChamber` for the equations and how they map onto a step.
"""

from __future__ import annotations

import numpy as np

from sim.engine.mechanisms.base import Phase
from sim.engine.mechanisms.bookkeeping import record_attention
from sim.engine.state import Ecology

# entries of the (active agents x N) key matrix sampled at once: bounds memory (32 MiB)
SAMPLING_BLOCK = 1 << 22


def power_law_activities(rng: np.random.Generator, n: int, exponent: float,
                         low: float) -> np.ndarray:
    """n activities from F(a) = (g - 1) / (low^(1 - g) - 1) a^(-g) on [low, 1] (g > 1).

    Inverse transform, written so that no power overflows for tiny ``low``:
    a = low (1 - u (1 - low^(g - 1)))^(-1 / (g - 1)), u uniform on [0, 1).
    """
    u = rng.random(n)
    shrink = 1.0 - u * (1.0 - low ** (exponent - 1.0))
    return np.minimum(low * shrink ** (-1.0 / (exponent - 1.0)), 1.0)


def homophilous_contacts(rng: np.random.Generator, x: np.ndarray, agents: np.ndarray,
                         contacts: int, homophily: float, floor: float) -> np.ndarray:
    """min(contacts, N - 1) distinct contacts j != i of each agent i, shape (agents, k).

    Drawn one after another without replacement with P(j) ~ max(|x_i - x_j|, floor)^(-beta)
    among the agents not yet drawn, by Gumbel-top-k: the k largest of
    -beta log(distance) + Gumbel noise. Cost O(agents x N) time per call; memory is
    bounded by processing the agents in blocks of SAMPLING_BLOCK / N rows.
    """
    n = x.size
    k = min(contacts, n - 1)
    out = np.empty((agents.size, k), dtype=np.int64)
    rows = max(1, SAMPLING_BLOCK // n)
    for start in range(0, agents.size, rows):  # one pass unless agents x N > 4M
        block = agents[start:start + rows]
        keys = rng.gumbel(size=(block.size, n))
        if homophily > 0.0:
            distance = np.maximum(np.abs(x[None, :] - x[block, None]), floor)
            keys -= homophily * np.log(distance)
        keys[np.arange(block.size), block] = -np.inf  # nobody contacts themself
        out[start:start + block.size] = np.argpartition(keys, n - k, axis=1)[:, n - k:]
    return out


class EchoChamber(Phase):
    """Baumann et al. (2020): dx_i/dt = -x_i + K sum_j A_ij(t) tanh(alpha x_j).

    Parameters (``dynamics``): K = ``influence``, alpha = ``controversy``,
    beta = ``homophily``, m = ``contacts``, r = ``reciprocity``, gamma =
    ``activity_exponent``, epsilon = ``activity_min``, ``dt``.

    Activities a_i are drawn once at init from F(a) ~ a^(-gamma) on [epsilon, 1]
    (``state.activity``). One step is one time increment dt:

    1. each agent is active with probability a_i per step, as in the paper's
       activity-driven network (a new A(t) at each integration step). Not a_i * dt:
       that makes the coupling 1/dt = 100 times weaker, and the paper's polarised
       and radicalised settings (K = alpha = 3) end in consensus (measured);
    2. each active agent i contacts m distinct agents j != i, chosen one after
       another with p_ij ~ max(|x_i - x_j|, floor)^(-beta) on the raw opinions at
       the start of the step (floor = ``distance_floor``, default 1e-5);
    3. a contact i -> j sets A_ij = 1 (i is influenced by j) and, with probability
       r, also A_ji = 1 (reciprocated: j is influenced by i). A is 0/1: a pair
       linked twice in a step counts once;
    4. the ODE is integrated over dt with A held fixed, by one classical
       fourth-order Runge-Kutta step (Baumann et al. integrate with Runge-Kutta;
       at dt = 0.01 explicit Euler would differ by far less than the network noise).

    Opinion scale: the paper's x is unbounded. The raw x lives in
    ``state.raw_opinion`` (float64; x(0) = the drawn initial opinions, uniform on
    [-1, 1] by default as in the paper), and ``state.opinion = tanh(x)`` at init
    and after every step, so every metric sees opinions in [-1, 1] with the sign
    (the side) and the order of x kept. Contacts use the raw x.

    The scenario's follow network is not used: contacts are drawn each step among
    all agents (the network is still built, so any cheap generator will do).
    ``state.online`` marks this step's active agents; ``state.impressions`` counts,
    for each agent, the agents it influenced this step (``attention`` sums them);
    the step's links are kept as ``receiver`` / ``source`` arrays (A_ij = 1 for
    i = receiver[k], j = source[k]).
    Random numbers come from the stream ``echo_chamber``; the model is exactly
    mirror-symmetric (x(0) -> -x(0) gives x(t) -> -x(t) with the same draws).
    Cost per step: O(active x N) for the contact draw (about 0.04 N^2 at the
    default activities: fine for N ~ 1000, quadratic beyond), O(N + links) for
    the integration.
    """

    name = "echo_chamber"
    uses_network = False  # contacts are drawn each step: no network sample in its run folder

    def init(self, model: Ecology) -> None:
        state = model.state
        dyn = model.spec.dynamics
        rng = model.streams[self.name]
        state.activity = power_law_activities(rng, state.n, dyn.activity_exponent,
                                              dyn.activity_min)
        state.raw_opinion = np.array(state.opinion, dtype=np.float64)
        state.opinion = np.tanh(state.raw_opinion)
        state.online[:] = False
        self.receiver = self.source = np.zeros(0, dtype=np.int64)
        self.floor = dyn.distance_floor

    def step(self, model: Ecology) -> None:
        dyn = model.spec.dynamics
        rng = model.streams[self.name]
        state = model.state
        n = state.n
        x = state.raw_opinion
        np.less(rng.random(n), state.activity, out=state.online)
        active = np.flatnonzero(state.online)
        contacted = homophilous_contacts(rng, x, active, dyn.contacts, dyn.homophily,
                                         self.floor)
        initiator = np.repeat(active, contacted.shape[1])
        contacted = contacted.ravel()
        back = rng.random(contacted.size) < dyn.reciprocity
        receiver = np.concatenate((initiator, contacted[back]))
        source = np.concatenate((contacted, initiator[back]))
        link = np.unique(receiver * n + source)  # A is 0/1
        receiver, source = link // n, link % n
        self.receiver, self.source = receiver, source

        def rate(y: np.ndarray) -> np.ndarray:
            pull = np.tanh(dyn.controversy * y[source])
            return dyn.influence * np.bincount(receiver, weights=pull, minlength=n) - y

        h = dyn.dt
        k1 = rate(x)
        k2 = rate(x + 0.5 * h * k1)
        k3 = rate(x + 0.5 * h * k2)
        k4 = rate(x + h * k3)
        state.raw_opinion = x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        state.opinion = np.tanh(state.raw_opinion)
        record_attention(state, source, model.spec.metrics.attention_halflife)
