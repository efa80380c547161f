"""Compiled random-sequential pair meetings of the classic models, with numpy twins.

Kernels, each with a pure-numpy twin that gives identical opinions, bit for
bit (the conventions of :mod:`sim.engine.kernels`: random numbers drawn by numpy and
passed in; only comparisons and IEEE-exact + - * / sqrt, never exp, log or pow):

* :func:`uniform_meetings` - a step's Deffuant meetings, each partner a uniform
  followee of its initiator (``algorithmic_bias`` at gamma = 0). The numpy twin
  applies them in batches of disjoint meetings (exact: disjoint meetings
  commute), the kernel one after another.
* :func:`copy_meetings` - the voter model's copies, in the same random sequence.
* :func:`neighbourhood_means` - one synchronous Hegselmann-Krause step on a network.
* :func:`biased_meetings` - the exact random-sequential step of Sirbu et al.'s
  algorithmic bias: meeting by meeting, the partner j of initiator i is drawn
  among i's followees with weight ``max(|x_i - x_j|, floor)^(-gamma)``, on the
  opinions left by the previous meeting. Only for gamma with 2 gamma an integer
  (:func:`half_steps`), where the weight has an exact form (below); other gammas
  keep the log-space numpy loop of
  :class:`sim.engine.classic.algorithmic_bias.AlgorithmicBias`.

Weights of :func:`biased_meetings`: with d_j = max(|x_j - x_i|, floor) and
m = min_j d_j over i's followees, w_j = q_j^(k/2) for q_j = m / d_j in (0, 1] and
k = 2 gamma: q^(k/2) when k is even, sqrt(q)^k when it is odd, the integer power
by binary powering (the same multiplications in the same order in both twins).
Dividing by m makes the largest weight exactly 1, so nothing overflows and the
total is at least 1 for any gamma up to the schema's 100 (far weights may
underflow to 0: never chosen). The partner is the first followee whose running
sum of weights exceeds u * total (u uniform), the last one if none does.

Dispatch and the backend switch: :mod:`sim.engine.kernels.dispatch`.
"""

from __future__ import annotations

import numpy as np

from sim.engine.kernels.dispatch import compiled_helper, kernel


def half_steps(gamma: float) -> int | None:
    """k = 2 gamma if it is a whole number (the gammas with exact twins), else None."""
    k = 2.0 * float(gamma)
    if np.isfinite(k) and k == int(k) and k >= 0:
        return int(k)
    return None


def conflict_free_prefix(a: np.ndarray, b: np.ndarray) -> int:
    """Length of the longest prefix of pairs (a[k], b[k]) in which no agent appears twice.

    Requires a[k] != b[k]; the result is at least 1 for a non-empty input.
    """
    ends = np.empty(2 * a.size, dtype=np.int64)
    ends[0::2], ends[1::2] = a, b
    order = np.argsort(ends, kind="stable")
    ordered = ends[order]
    repeats = np.flatnonzero(ordered[1:] == ordered[:-1]) + 1
    if repeats.size == 0:
        return int(a.size)
    return int((order[repeats] // 2).min())


def _power(base, p):
    result = np.ones_like(base)
    while p > 0:
        if p & 1:
            result = result * base
        base = base * base
        p >>= 1
    return result


@compiled_helper
def _meet(x, i, j, eps, mu):  # pragma: no cover - compiled
    gap = x[j] - x[i]
    move = mu * gap
    if not abs(gap) < eps:
        move = move * 0.0  # as the twins: x + (+-0.0), which only differs on -0.0
    x[i] = x[i] + move
    x[j] = x[j] - move


def _meetings_args(x, indptr, followees, initiators, u, *rest):
    return (x, indptr, followees, np.asarray(initiators, dtype=np.int64),
            np.asarray(u, dtype=np.float64), *(float(v) if isinstance(v, float) else v
                                                for v in rest))


@kernel(prepare=_meetings_args)
def uniform_meetings(x, indptr, followees, initiators, u, eps, mu, window):
    """Apply, in order and in place on ``x``, the Deffuant meetings of ``initiators``
    (each with at least one followee) with the followee at index floor(u * degree)
    (capped at degree - 1). The numpy twin applies them in batches of disjoint meetings
    found within ``window`` meetings (any window gives the same result); the compiled
    twin one by one."""
    start = indptr[initiators]
    degree = indptr[initiators + 1] - start
    partners = followees[start + np.minimum((u * degree).astype(np.int64), degree - 1)]
    pos = 0
    while pos < initiators.size:
        end = min(pos + window, initiators.size)
        length = conflict_free_prefix(initiators[pos:end], partners[pos:end])
        a = initiators[pos:pos + length]
        b = partners[pos:pos + length]
        gap = x[b] - x[a]
        move = mu * gap * (np.abs(gap) < eps)  # as sim.engine.classic.deffuant.Deffuant.meet
        x[a] += move
        x[b] -= move
        pos += length


@uniform_meetings.compiled
def _uniform_meetings_compiled(x, indptr, followees, initiators, u, eps, mu,
                               window):  # pragma: no cover - compiled
    for m in range(initiators.size):
        i = initiators[m]
        a = indptr[i]
        degree = indptr[i + 1] - a
        j = followees[a + min(np.int64(u[m] * degree), degree - 1)]
        _meet(x, i, j, eps, mu)


@kernel(prepare=_meetings_args)
def copy_meetings(x, indptr, followees, initiators, u, window):
    """Apply, in order and in place on ``x``, the voter model's meetings: each initiator
    (with at least one followee) copies the opinion of its followee at index
    floor(u * degree) (capped at degree - 1). The numpy twin applies them in batches of
    disjoint meetings found within ``window`` meetings (any window gives the same
    result); the compiled twin one by one."""
    start = indptr[initiators]
    degree = indptr[initiators + 1] - start
    partners = followees[start + np.minimum((u * degree).astype(np.int64), degree - 1)]
    pos = 0
    while pos < initiators.size:
        end = min(pos + window, initiators.size)
        length = conflict_free_prefix(initiators[pos:end], partners[pos:end])
        x[initiators[pos:pos + length]] = x[partners[pos:pos + length]]
        pos += length


@copy_meetings.compiled
def _copy_meetings_compiled(x, indptr, followees, initiators, u,
                            window):  # pragma: no cover - compiled
    for m in range(initiators.size):
        i = initiators[m]
        a = indptr[i]
        degree = indptr[i + 1] - a
        x[i] = x[followees[a + min(np.int64(u[m] * degree), degree - 1)]]


@kernel(prepare=lambda x, indptr, followees, eps: (x, indptr, followees, float(eps)))
def neighbourhood_means(x, indptr, followees, eps):
    """Hegselmann-Krause on a network, one synchronous step: for each agent i, the mean of
    its own opinion and those of its followees within eps (|x_j - x_i| <= eps), summed in
    row order and then x_i added (the order of numpy's bincount). Returns the new
    opinions; ``x`` is not changed."""
    n = indptr.size - 1
    readers = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    near = np.abs(x[followees] - x[readers]) <= eps
    total = np.bincount(readers, weights=x[followees] * near, minlength=n) + x
    count = np.bincount(readers, weights=near, minlength=n) + 1.0
    return total / count


@neighbourhood_means.compiled
def _neighbourhood_means_compiled(x, indptr, followees, eps):  # pragma: no cover - compiled
    n = indptr.size - 1
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        xi = x[i]
        total = 0.0
        count = 0.0
        for t in range(indptr[i], indptr[i + 1]):
            xj = x[followees[t]]
            near = abs(xj - xi) <= eps
            total += xj * near  # as the twin: x_j * 0 adds a (signed) zero
            count += near
        out[i] = (total + xi) / (count + 1.0)
    return out


@kernel(prepare=_meetings_args)
def exact_biased_meetings(x, indptr, followees, initiators, u, eps, mu, k, floor):
    """The meetings of :func:`biased_meetings` for k = 2 gamma (a whole number)."""
    odd, p = (True, k) if k % 2 else (False, k // 2)
    for i, v in zip(initiators.tolist(), u.tolist(), strict=True):
        row = followees[indptr[i]:indptr[i + 1]]
        d = np.maximum(np.abs(x[row] - x[i]), floor)
        q = d.min() / d
        w = _power(np.sqrt(q) if odd else q, p)
        cum = np.cumsum(w)
        j = row[min(int(np.searchsorted(cum, v * cum[-1], side="right")), row.size - 1)]
        gap = x[j] - x[i]
        move = mu * gap * (abs(gap) < eps)
        x[i] += move
        x[j] -= move


@exact_biased_meetings.compiled
def _exact_biased_meetings_compiled(x, indptr, followees, initiators, u, eps, mu, k,
                                    floor):  # pragma: no cover - compiled
    odd = k % 2 == 1
    p0 = k if odd else k // 2
    widest = 0
    for i in range(indptr.size - 1):
        widest = max(widest, indptr[i + 1] - indptr[i])
    d = np.empty(widest, dtype=np.float64)
    w = np.empty(widest, dtype=np.float64)
    for m in range(initiators.size):
        i = initiators[m]
        a = indptr[i]
        degree = indptr[i + 1] - a
        xi = x[i]
        least = np.inf
        for t in range(degree):
            dt = max(abs(x[followees[a + t]] - xi), floor)
            d[t] = dt
            least = min(least, dt)
        # the weights, in simple loops LLVM may vectorise (IEEE division, sqrt and
        # product are correctly rounded per SIMD lane too: the bits of scalar code)
        if odd:
            for t in range(degree):
                d[t] = np.sqrt(least / d[t])
        else:
            for t in range(degree):
                d[t] = least / d[t]
        if p0 != 1:  # binary powering, as _power (p0 = 1: the base, = 1.0 * base)
            for t in range(degree):
                w[t] = 1.0
            p = p0
            while p > 0:
                if p & 1:
                    for t in range(degree):
                        w[t] = w[t] * d[t]
                p >>= 1
                if p > 0:
                    for t in range(degree):
                        d[t] = d[t] * d[t]
            for t in range(degree):
                d[t] = w[t]
        total = 0.0
        for t in range(degree):  # d[t] becomes the running sum of the weights
            total = total + d[t]
            d[t] = total
        target = u[m] * total
        # the first t with running sum > target, at most degree - 1: running sums
        # never decrease, so this is the count of those <= target before the last
        j = 0
        for t in range(degree - 1):
            j += d[t] <= target
        _meet(x, i, followees[a + j], eps, mu)


def biased_meetings(x: np.ndarray, indptr: np.ndarray, followees: np.ndarray,
                    initiators: np.ndarray, u: np.ndarray, eps: float, mu: float,
                    gamma: float, floor: float) -> None:
    """Apply, one after another and in place on ``x``, the algorithmically biased
    Deffuant meetings of ``initiators`` (each with at least one followee); uniform
    ``u[m]`` picks meeting m's partner by the weights of the module docstring, on the
    current opinions. ``gamma`` must have 2 gamma whole (:func:`half_steps`)."""
    k = half_steps(gamma)
    if k is None:
        raise ValueError(f"gamma {gamma!r}: the exact kernel needs 2 gamma to be a whole number")
    exact_biased_meetings(x, indptr, followees, initiators, u, float(eps), float(mu), k,
                          float(floor))
