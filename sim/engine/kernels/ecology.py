"""The ecology's hottest loops: each kernel's numpy reference beside its compiled twin.

Both twins of a kernel give identical results, bit for bit: the kernels take their
random numbers as arguments (drawn with numpy by the caller) and use only
comparisons and correctly rounded IEEE arithmetic (+, -, *, /, sqrt; no fused
multiply-add, no exp/log/pow). Dispatch and the backend switch:
:mod:`sim.engine.kernels.dispatch`.

Parallel twins (``kernel(parallel=True)``: ``compact_feed``, ``climate_sums``,
``pull_sums``, ``update_climate``, ``apply_pull``, ``biased_choice``, ``feed_pass``)
run their loops on all of Numba's threads and give the same bits whatever the number
of threads: the work is cut into chunks fixed by the data (``CHUNK`` feed entries,
moved forward so that no reader's run of entries is split; ``READER_CHUNK`` readers;
``SLOT_CHUNK`` recommendation slots), each chunk writes only its own outputs, and
every floating-point total is added in entry order (values computed in parallel into
a buffer, then summed in one ordered loop). So their numbers are also those of the
serial loops and of the numpy twins, bit for bit. On one thread, or below
``dispatch.PARALLEL_WORK`` items, the same source runs compiled as plain loops (a
parallel launch would wake threads for nothing). A feed whose entries are not
grouped by reader (never the case for the exposure phase's feed, which is in reader
order) is summed by the serial loop.

* :func:`pick_in_blocks` - weighted choice inside blocks of a cumulative array
  (a post by its ranking score, a poster by its followers).
* :func:`feed_follows` - a followee for every follow slot of the feeds, by the spread
  weight of its post (running sums over the readers' rows only, no array over all
  ties), and :func:`compact_feed`, the slots that show a post.
* :func:`climate_sums`, :func:`pull_sums` - per-reader sums over the feed for the
  spiral of silence and the opinion update (numpy's bincount, fused), applied by
  :func:`update_climate` and :func:`apply_pull`.
* :func:`feed_summary` (through the kernel :func:`feed_pass`) - every count and sum
  over the feed that the metrics need, in one pass; :func:`histogram` - counts in
  equal bins on [-1, 1].
* :func:`biased_choice` - the algorithmic-bias recommendation: ``c`` candidates
  drawn by ranking score, one of them picked with weight ~ (|d| + offset)^-gamma
  (the weight read from a table, :func:`bias_table`).
"""

from __future__ import annotations

import numpy as np

from sim.engine.kernels.dispatch import compiled_helper, kernel

prange = range  # numba.prange inside the parallel twins (sim.engine.kernels.dispatch)

CHUNK = 1 << 14  # feed entries per chunk of a parallel pass (fixed: never the thread count)
READER_CHUNK = 1 << 12  # readers per chunk of compact_feed's parallel passes
SLOT_CHUNK = 1 << 11  # recommendation slots per chunk of biased_choice
TABLE_POINTS = 4097  # grid of the bias weight, equally spaced in sqrt(distance); bias_table
_SCALE = (TABLE_POINTS - 1) / np.sqrt(2.0)


def bias_table(gamma: np.ndarray, offset: float) -> np.ndarray:
    """Bias weight (d + offset)^(-gamma_p) for each platform p (rows), divided by
    offset^(-gamma_p) so that the largest entry is 1, on G = TABLE_POINTS distances
    d_i = (i sqrt(2) / (G - 1))^2, i = 0..G-1: equally spaced in sqrt(d), so finest near
    d = 0 where the weight bends most. A distance d is looked up at pos = sqrt(d) (G-1) /
    sqrt(2) and interpolated linearly between the two grid points around it (relative
    error below 2e-5 for gamma <= 3 and offset >= 0.01; tests check it). The table, 32 KB
    per platform, stays in the fastest cache.
    """
    grid = (np.arange(TABLE_POINTS) / _SCALE) ** 2
    gamma = np.asarray(gamma, dtype=np.float64)[:, None]
    return ((grid[None, :] + offset) / offset) ** (-gamma)


# --------------------------------------------------------------------------- helpers


def _row_picks(spread_weight, indptr, followees, reader, u):
    # slot s of the sorted ``reader`` picks within its reader's row; running sums over
    # the rows of the distinct readers, in order, each summed once
    new_row = np.ones(reader.size, dtype=bool)
    new_row[1:] = reader[1:] != reader[:-1]
    rows = reader[new_row]  # the distinct readers, in order
    row_of_slot = np.cumsum(new_row) - 1
    start = indptr[rows]
    degree = indptr[rows + 1] - start
    offset = np.zeros(rows.size + 1, dtype=np.int64)
    np.cumsum(degree, out=offset[1:])
    flat = np.repeat(start - offset[:-1], degree) + np.arange(offset[-1])  # ties of the rows
    weight = spread_weight[followees[flat]]
    cum = np.concatenate(([0.0], np.cumsum(weight)))
    pick = pick_in_blocks.reference(cum, offset[row_of_slot], offset[row_of_slot + 1], u)
    ok = pick >= 0
    ok[ok] &= weight[pick[ok]] > 0
    out = np.full(reader.size, -1, dtype=np.int64)
    out[ok] = followees[flat[pick[ok]]]
    return out


def _sequential_sum(v):
    # v[0] + v[1] + ... in index order (np.sum adds pairwise): bincount accumulates in order
    return float(np.bincount(np.zeros(v.size, dtype=np.intp), weights=v, minlength=1)[0])


def _interpolate(table, row, distance):
    pos = np.sqrt(distance) * _SCALE
    i = np.minimum(pos.astype(np.int64), TABLE_POINTS - 2)
    frac = pos - i
    left = table[row, i]
    return left + frac * (table[row, i + 1] - left)


@compiled_helper
def _last_at_most(cum, a, b, target):  # pragma: no cover - compiled
    # last k in [a, b] with cum[k] <= target, given cum[a] <= target; a binary search
    # whose loop count depends on b - a only (the comparison becomes a conditional
    # move, not a branch the processor mispredicts half of the time)
    n = b - a + 1
    while n > 1:
        half = n >> 1
        if cum[a + half] <= target:
            a += half
        n -= half
    return a


@compiled_helper
def _guide(cum, bounds):  # pragma: no cover - compiled
    # guide[g_p + j] = last k of block p with cum[k] <= start + (j / M_p) * span, with
    # M_p = the block's length and g_p = bounds[p]: where a walk for u in [j/M, (j+1)/M)
    # starts (Chen & Asau's guide table; any start gives the same answer, a good one
    # makes the expected walk O(1))
    guide = np.empty(bounds[-1], dtype=np.int64)
    for p in range(bounds.size - 1):
        a = bounds[p]
        b = bounds[p + 1]
        size = b - a
        start = cum[a]
        span = cum[b] - start
        k = a
        for j in range(size):
            threshold = start + (j / size) * span
            while k < b - 1 and cum[k + 1] <= threshold:
                k += 1
            guide[a + j] = k
    return guide


@compiled_helper
def _walk(cum, a, b, k, target):  # pragma: no cover - compiled
    # last k in [a, b] with cum[k] <= target (cum[a] <= target), starting from k
    while k > a and cum[k] > target:
        k -= 1
    while k < b and cum[k + 1] <= target:
        k += 1
    return k


@compiled_helper
def _guided(cum, a, b, k, target):  # pragma: no cover - compiled
    # last k in [a, b - 1] with cum[k] <= target, from the guide's start k: when the
    # answer lies in [k, k + 3] (almost always) it is counted without branches
    # (cum is non-decreasing; an index clamped to b counts only if cum[b] <= target,
    # and then every index does, so the cap at b - 1 gives the answer); otherwise walk
    far = min(k + 4, b)
    if cum[k] <= target and (far == b or cum[far] > target):
        k += (np.int64(cum[min(k + 1, b)] <= target) + np.int64(cum[min(k + 2, b)] <= target)
              + np.int64(cum[min(k + 3, b)] <= target))
        return min(k, b - 1)
    return _walk(cum, a, b - 1, k, target)


@compiled_helper
def _run_bounds(reader, size):  # pragma: no cover - compiled
    # chunk bounds every ``size`` entries, each moved forward past the run of the reader
    # it falls in (a reader's entries stay in one chunk when they are contiguous)
    count = (reader.size + size - 1) // size
    bounds = np.empty(count + 1, dtype=np.int64)
    bounds[0] = 0
    for c in range(1, count):
        b = max(c * size, bounds[c - 1])
        while 0 < b < reader.size and reader[b] == reader[b - 1]:
            b += 1
        bounds[c] = b
    bounds[count] = reader.size
    return bounds


@compiled_helper
def _grouped(reader, bounds):  # pragma: no cover - compiled
    # whether every chunk's readers are non-decreasing and each chunk starts above the
    # previous one's last reader: then no reader has entries in two chunks. The loop
    # over chunks is plain here; the parallel twins call _chunk_sorted in prange.
    for c in range(1, bounds.size - 1):
        if bounds[c] > 0 and bounds[c] < reader.size and reader[bounds[c]] <= reader[bounds[c] - 1]:
            return False
    return True


@compiled_helper
def _column_sums(counts):  # pragma: no cover - compiled
    # per column, the sum over rows (integers: any order gives the same)
    out = np.zeros(counts.shape[1], dtype=np.int64)
    for c in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            out[j] += counts[c, j]
    return out


@compiled_helper
def _all(flags):  # pragma: no cover - compiled
    for f in flags:
        if not f:
            return False
    return True


@compiled_helper
def _group_width(bounds, group):  # pragma: no cover - compiled
    # the most entries in ``group`` consecutive chunks (a chunk may hold more than CHUNK
    # entries: its bounds move past readers' runs)
    width = 1
    chunks = bounds.size - 1
    for g in range(0, chunks, group):
        width = max(width, bounds[min(g + group, chunks)] - bounds[g])
    return width


@compiled_helper
def _chunk_sorted(reader, a, b):  # pragma: no cover - compiled
    for e in range(a + 1, b):
        if reader[e] < reader[e - 1]:
            return False
    return True


@compiled_helper
def _climate_range(reader, source, opinion, influence, support, mass, a, b):  # pragma: no cover
    # entries [a, b): a reader's sums are carried in registers along a run of its
    # entries (loaded at the run's start, stored at its end): the same additions in the
    # same order as bincount's, without a store and reload per entry
    current = -1
    run_support = 0.0
    run_mass = 0.0
    own_side = 0.0
    for e in range(a, b):
        r = reader[e]
        if r != current:
            if current >= 0:
                support[current] = run_support
                mass[current] = run_mass
            current = r
            run_support = support[r]
            run_mass = mass[r]
            own_side = np.sign(opinion[r])
        k = source[e]
        side = np.sign(opinion[k])
        w = influence[k] * (side != 0)
        run_mass += w
        run_support += w * (side == own_side)
    if current >= 0:
        support[current] = run_support
        mass[current] = run_mass


@compiled_helper
def _pull_range(reader, source, opinion, influence, confidence, pull, mass, a,
                b):  # pragma: no cover - compiled
    # entries [a, b), runs of one reader summed in registers, as _climate_range
    current = -1
    run_pull = 0.0
    run_mass = 0.0
    own = 0.0
    for e in range(a, b):
        r = reader[e]
        if r != current:
            if current >= 0:
                pull[current] = run_pull
                mass[current] = run_mass
            current = r
            run_pull = pull[r]
            run_mass = mass[r]
            own = opinion[r]
        k = source[e]
        diff = opinion[k] - own
        w = influence[k] * (abs(diff) < confidence)
        run_pull += w * diff
        run_mass += w
    if current >= 0:
        pull[current] = run_pull
        mass[current] = run_mass


# --------------------------------------------------------------------------- arguments
# Numba compiles one version per argument types: the twins get fixed dtypes.


def _pick_in_blocks_args(cum, lo, hi, u):
    return (cum, np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64),
            np.asarray(u, dtype=np.float64))


def _feed_follows_args(readers, feed_size, u, is_rec, spread_weight, indptr, followees):
    return (np.asarray(readers, dtype=np.int64), int(feed_size), np.asarray(u, np.float64),
            np.asarray(is_rec, dtype=np.bool_), spread_weight,
            np.asarray(indptr, dtype=np.int64), np.asarray(followees, dtype=np.int64))


def _compact_feed_args(readers, feed_size, source, is_rec):
    return (np.asarray(readers, dtype=np.int64), int(feed_size), source,
            np.asarray(is_rec, dtype=np.bool_))


def _update_climate_args(support, mass, is_public, memory, climate, threshold, expressing):
    return support, mass, is_public, float(memory), climate, threshold, expressing


def _pull_sums_args(reader, source, opinion, influence, confidence, n):
    return reader, source, opinion, influence, float(confidence), n


def _apply_pull_args(pull, mass, convergence, opinion):
    return pull, mass, float(convergence), opinion


def _feed_pass_args(reader, source, opinion, code, home, n_strata, n_platforms, threshold,
                    bins):
    return (reader, source, opinion, code, home, int(n_strata), int(n_platforms),
            float(threshold), int(bins))


def _biased_choice_args(cum, bounds, posters, opinion, reader, block, draws, v, table):
    return (cum, np.asarray(bounds, dtype=np.int64), np.asarray(posters, dtype=np.int64),
            opinion, np.asarray(reader, dtype=np.int64), np.asarray(block, dtype=np.int64),
            draws, v, table)


# --------------------------------------------------------------------------- kernels


@kernel(prepare=_pick_in_blocks_args)
def pick_in_blocks(cum, lo, hi, u):
    """Index in [lo, hi) picked with probability ~ weight, from the cumulative sums ``cum``
    (``cum[k]`` = sum of weights before item k) and uniforms ``u``; -1 where the block
    has zero weight.

    The pick is the last k in [lo, hi - 1] with cum[k] <= cum[lo] + u (cum[hi] - cum[lo])
    (so items of zero weight are never picked, except a trailing one when rounding
    lands the target on the block's end).
    """
    start = cum[lo]
    total = cum[hi] - start
    target = start + u * total
    pick = np.searchsorted(cum, target, side="right") - 1
    pick = np.minimum(pick, hi - 1)  # >= lo: cum[lo] <= target
    return np.where(total > 0, pick, -1)


@pick_in_blocks.compiled
def _pick_in_blocks_compiled(cum, lo, hi, u):  # pragma: no cover - compiled
    out = np.empty(u.size, dtype=np.int64)
    for s in range(u.size):
        a = lo[s]
        b = hi[s]
        start = cum[a]
        total = cum[b] - start
        if total > 0:
            out[s] = _last_at_most(cum, a, b - 1, start + u[s] * total)
        else:
            out[s] = -1
    return out


@kernel(prepare=_feed_follows_args)
def feed_follows(readers, feed_size, u, is_rec, spread_weight, indptr, followees):
    """The followee slots of every reader's feed in one pass. Slot s belongs to reader
    readers[s // feed_size] (``readers`` distinct and sorted). Where ``is_rec[s]`` is
    false it gets a followee of its reader picked with probability ~ the spread weight
    of its post: running sums are taken over the rows of the readers with a follow
    slot, in order (each row once), and the slot picks pick_in_blocks(row start, row
    end, u[s]) within its reader's row; -1 where no followee posted, the reader follows
    nobody, a pick has weight 0 (by rounding at the row's end), or the slot is a
    recommendation.
    """
    slots = np.repeat(readers, feed_size)
    follow = ~is_rec
    source = np.full(slots.size, -1, dtype=np.int64)
    source[follow] = _row_picks(spread_weight, indptr, followees, slots[follow],
                                       u[follow])
    return source


@feed_follows.compiled
def _feed_follows_compiled(readers, feed_size, u, is_rec, spread_weight, indptr,
                           followees):  # pragma: no cover - compiled
    # without gathering the follow slots: a reader's row is summed at its first follow
    # slot, the running total continuing over the rows (as the twin's cumsum)
    source = np.full(readers.size * feed_size, -1, dtype=np.int64)
    widest = 0
    for i in range(indptr.size - 1):
        widest = max(widest, indptr[i + 1] - indptr[i])
    cum = np.empty(widest + 1, dtype=np.float64)
    weight = np.empty(max(widest, 1), dtype=np.float64)
    total = 0.0
    for r in range(readers.size):
        row = readers[r]
        built = False
        first = indptr[row]
        degree = indptr[row + 1] - first
        for s in range(r * feed_size, (r + 1) * feed_size):
            if is_rec[s]:
                continue
            if not built:
                built = True
                cum[0] = total
                for k in range(degree):
                    w = spread_weight[followees[first + k]]
                    weight[k] = w
                    total += w
                    cum[k + 1] = total
            if degree == 0:
                continue
            start = cum[0]
            span = cum[degree] - start
            if span > 0:
                k = _last_at_most(cum, 0, degree - 1, start + u[s] * span)
                if weight[k] > 0:
                    source[s] = followees[first + k]
    return source


@kernel(prepare=_compact_feed_args, parallel=True, work=lambda r, f, source, i: source.size)
def compact_feed(readers, feed_size, source, is_rec):
    """The feed's entries (reader, source, recommended), in slot order, of the slots that
    show a post (source >= 0) by someone other than the reader (slot s belongs to
    readers[s // feed_size]).
    """
    slots = np.repeat(readers, feed_size)
    keep = (source >= 0) & (source != slots)
    return slots[keep], source[keep], is_rec[keep]


@compact_feed.compiled
def _compact_feed_compiled(readers, feed_size, source, is_rec):  # pragma: no cover - compiled
    # two passes over fixed chunks of READER_CHUNK readers: the kept slots counted per
    # chunk, then written from each chunk's offset (the slot order of the twin)
    chunks = (readers.size + READER_CHUNK - 1) // READER_CHUNK
    kept = np.zeros(chunks + 1, dtype=np.int64)
    for c in prange(chunks):
        n = 0
        for r in range(c * READER_CHUNK, min((c + 1) * READER_CHUNK, readers.size)):
            row = readers[r]
            for s in range(r * feed_size, (r + 1) * feed_size):
                k = source[s]
                n += k >= 0 and k != row
        kept[c + 1] = n
    for c in range(chunks):
        kept[c + 1] += kept[c]
    total = kept[chunks]
    reader_out = np.empty(total, dtype=np.int64)
    source_out = np.empty(total, dtype=np.int64)
    rec_out = np.empty(total, dtype=np.bool_)
    for c in prange(chunks):
        n = kept[c]
        for r in range(c * READER_CHUNK, min((c + 1) * READER_CHUNK, readers.size)):
            row = readers[r]
            for s in range(r * feed_size, (r + 1) * feed_size):
                k = source[s]
                if k >= 0 and k != row:
                    reader_out[n] = row
                    source_out[n] = k
                    rec_out[n] = is_rec[s]
                    n += 1
    return reader_out, source_out, rec_out


@kernel(parallel=True, work=lambda reader, *rest: reader.size)
def climate_sums(reader, source, opinion, influence, n):
    """Per account (length n), over the feed entries (reader, source) it read: the influence
    of the non-neutral posts on its own side (sign), and of all non-neutral posts.
    """
    side = np.sign(opinion[source])
    weight = influence[source] * (side != 0)
    agree = side == np.sign(opinion[reader])
    support = np.bincount(reader, weights=weight * agree, minlength=n)
    mass = np.bincount(reader, weights=weight, minlength=n)
    return support, mass


@climate_sums.compiled
def _climate_sums_compiled(reader, source, opinion, influence, n):  # pragma: no cover - compiled
    # chunks of whole reader runs in parallel (each reader's sums in one chunk, in
    # entry order); a feed not grouped by reader in one serial pass
    support = np.zeros(n, dtype=np.float64)
    mass = np.zeros(n, dtype=np.float64)
    bounds = _run_bounds(reader, CHUNK)
    chunks = bounds.size - 1
    ok = np.empty(chunks, dtype=np.bool_)
    for c in prange(chunks):
        ok[c] = _chunk_sorted(reader, bounds[c], bounds[c + 1])
    if _all(ok) and _grouped(reader, bounds):
        for c in prange(chunks):
            _climate_range(reader, source, opinion, influence, support, mass, bounds[c],
                           bounds[c + 1])
    else:
        _climate_range(reader, source, opinion, influence, support, mass, 0, reader.size)
    return support, mass


@kernel(prepare=_update_climate_args, parallel=True, work=lambda s, mass, *rest: mass.size)
def update_climate(support, mass, is_public, memory, climate, threshold, expressing):
    """In place, for the members of the public with mass_i > 0 (from climate_sums):
    climate_i <- memory * climate_i + (1 - memory) * support_i / mass_i, and
    expressing_i <- climate_i >= threshold_i.
    """
    read = (mass > 0) & is_public
    seen = support[read] / mass[read]
    climate[read] = memory * climate[read] + (1.0 - memory) * seen
    expressing[read] = climate[read] >= threshold[read]


@update_climate.compiled
def _update_climate_compiled(support, mass, is_public, memory, climate, threshold,
                             expressing):  # pragma: no cover - compiled
    for i in prange(mass.size):
        if mass[i] > 0 and is_public[i]:
            c = memory * climate[i] + (1.0 - memory) * (support[i] / mass[i])
            climate[i] = c
            expressing[i] = c >= threshold[i]


@kernel(prepare=_pull_sums_args, parallel=True, work=lambda reader, *rest: reader.size)
def pull_sums(reader, source, opinion, influence, confidence, n):
    """Per account (length n), over the feed entries it read within the confidence bound
    (|x_source - x_reader| < confidence): sum of influence * (x_source - x_reader), and of
    influence.
    """
    diff = opinion[source] - opinion[reader]
    weight = influence[source] * (np.abs(diff) < confidence)
    pull = np.bincount(reader, weights=weight * diff, minlength=n)
    mass = np.bincount(reader, weights=weight, minlength=n)
    return pull, mass


@pull_sums.compiled
def _pull_sums_compiled(reader, source, opinion, influence, confidence,
                        n):  # pragma: no cover - compiled
    # chunks of whole reader runs in parallel, as _climate_sums_compiled
    pull = np.zeros(n, dtype=np.float64)
    mass = np.zeros(n, dtype=np.float64)
    bounds = _run_bounds(reader, CHUNK)
    chunks = bounds.size - 1
    ok = np.empty(chunks, dtype=np.bool_)
    for c in prange(chunks):
        ok[c] = _chunk_sorted(reader, bounds[c], bounds[c + 1])
    if _all(ok) and _grouped(reader, bounds):
        for c in prange(chunks):
            _pull_range(reader, source, opinion, influence, confidence, pull, mass,
                        bounds[c], bounds[c + 1])
    else:
        _pull_range(reader, source, opinion, influence, confidence, pull, mass, 0,
                    reader.size)
    return pull, mass


@kernel(prepare=_apply_pull_args, parallel=True, work=lambda *args: args[-1].size)
def apply_pull(pull, mass, convergence, opinion):
    """In place: opinion_i += convergence * pull_i / mass_i where mass_i > 0 (from
    pull_sums), then every opinion clipped to [-1, 1].
    """
    moved = mass > 0
    opinion[moved] += convergence * pull[moved] / mass[moved]
    np.clip(opinion, -1.0, 1.0, out=opinion)


@apply_pull.compiled
def _apply_pull_compiled(pull, mass, convergence, opinion):  # pragma: no cover - compiled
    for i in prange(opinion.size):
        x = opinion[i]
        if mass[i] > 0:
            x = x + convergence * pull[i] / mass[i]
        opinion[i] = min(max(x, -1.0), 1.0)


@kernel(prepare=lambda x, bins: (np.asarray(x, dtype=np.float64), int(bins)))
def histogram(x, bins):
    """Counts of x in ``bins`` equal bins on [-1, 1]: bin floor((x + 1) bins / 2), clipped
    to [0, bins - 1] (so x = 1 falls in the last bin).
    """
    index = ((x + 1.0) * (bins / 2.0)).astype(np.int64)
    return np.bincount(np.clip(index, 0, bins - 1), minlength=bins)


@histogram.compiled
def _histogram_compiled(x, bins):  # pragma: no cover - compiled
    counts = np.zeros(bins, dtype=np.int64)
    half = bins / 2.0
    for v in x:
        i = np.int64((v + 1.0) * half)
        counts[min(max(i, 0), bins - 1)] += 1
    return counts


@kernel(prepare=_feed_pass_args, parallel=True, work=lambda reader, *rest: reader.size)
def feed_pass(reader, source, opinion, code, home, n_strata, n_platforms, threshold,
              bins):
    """The one pass of :func:`feed_summary`: (counts in FEED_COUNTS order, sums in FEED_SUMS
    order, seen_hist, reader_hist, reader_strata, author_strata, platform_seen)."""
    is_public = (code & 1).astype(bool)
    is_bot = (code & 2).astype(bool)
    is_outlet = (code & 4).astype(bool)
    low = (code & 8).astype(bool)
    stratum = code >> 4
    keep = is_public[reader]
    r = reader[keep]
    s = source[keep]
    xs = opinion[s]
    xr = opinion[r]
    count = np.bincount(r, minlength=opinion.size)
    total = np.bincount(r, weights=xs, minlength=opinion.size)
    square = np.bincount(r, weights=xs * xs, minlength=opinion.size)
    many = count >= 2
    c = count[many]
    spread = np.maximum(square[many] - total[many] * total[many] / c, 0.0)
    by_public = is_public[s]
    reader_stratum = stratum[r[by_public]]
    author_stratum = stratum[s[by_public]]
    floats = np.array([_sequential_sum(np.abs(xr - xs)), _sequential_sum(xs),
                       _sequential_sum(xs * xs), _sequential_sum(spread)])
    ints = np.array([r.size, int((c - 1).sum()), np.count_nonzero(by_public),
                     np.count_nonzero(low[s] & by_public),
                     np.count_nonzero(reader_stratum == author_stratum),
                     np.count_nonzero(is_bot[s]), np.count_nonzero(np.abs(xs) >= threshold),
                     np.unique(r[is_outlet[s]]).size], dtype=np.int64)
    return (ints, floats, histogram.reference(xs, bins), histogram.reference(xr, bins),
            np.bincount(reader_stratum, minlength=n_strata),
            np.bincount(author_stratum, minlength=n_strata),
            np.bincount(home[r], minlength=n_platforms))


@feed_pass.compiled
def _feed_pass_compiled(reader, source, opinion, code, home, n_strata, n_platforms,
                        threshold, bins):  # pragma: no cover - compiled
    # chunks of whole reader runs in parallel; counts per chunk, added after (integers:
    # exact in any order); the floating-point sums in entry order: each group of
    # GROUP chunks writes its entries' |x_r - x_k| and x_k to a buffer in parallel,
    # then one ordered loop adds them (the buffer stays small at any size)
    bounds = _run_bounds(reader, CHUNK)
    chunks = bounds.size - 1
    ok = np.empty(chunks, dtype=np.bool_)
    for c in prange(chunks):
        ok[c] = _chunk_sorted(reader, bounds[c], bounds[c + 1])
    if not (_all(ok) and _grouped(reader, bounds)):
        return _feed_pass_serial(reader, source, opinion, code, home, n_strata, n_platforms,
                                 threshold, bins)
    n = opinion.size
    count = np.zeros(n, dtype=np.int64)
    total = np.zeros(n, dtype=np.float64)
    square = np.zeros(n, dtype=np.float64)
    reached = np.zeros(n, dtype=np.bool_)
    counts = np.zeros((chunks, 7), dtype=np.int64)
    seen_c = np.zeros((chunks, bins), dtype=np.int64)
    reader_c = np.zeros((chunks, bins), dtype=np.int64)
    rstrata_c = np.zeros((chunks, n_strata), dtype=np.int64)
    astrata_c = np.zeros((chunks, n_strata), dtype=np.int64)
    platform_c = np.zeros((chunks, n_platforms), dtype=np.int64)
    group = 32
    width = _group_width(bounds, group)
    gap = np.empty(width, dtype=np.float64)  # |x_r - x_k|, -1 for an entry not counted
    seen = np.empty(width, dtype=np.float64)
    half = bins / 2.0
    distance = 0.0
    seen_sum = 0.0
    seen_square = 0.0
    for g in range(0, chunks, group):
        base = bounds[g]
        for c in prange(g, min(g + group, chunks)):
            for e in range(bounds[c], bounds[c + 1]):
                r = reader[e]
                cr = code[r]
                if not cr & 1:
                    gap[e - base] = -1.0
                    continue
                k = source[e]
                ck = code[k]
                xs = opinion[k]
                xr = opinion[r]
                gap[e - base] = abs(xr - xs)
                seen[e - base] = xs
                counts[c, 0] += 1
                count[r] += 1
                total[r] += xs
                square[r] += xs * xs
                i = np.int64((xs + 1.0) * half)
                seen_c[c, min(max(i, 0), bins - 1)] += 1
                i = np.int64((xr + 1.0) * half)
                reader_c[c, min(max(i, 0), bins - 1)] += 1
                if ck & 1:
                    counts[c, 1] += 1
                    counts[c, 2] += (ck >> 3) & 1
                    a = cr >> 4
                    b = ck >> 4
                    counts[c, 3] += a == b
                    rstrata_c[c, a] += 1
                    astrata_c[c, b] += 1
                counts[c, 4] += (ck >> 1) & 1
                counts[c, 5] += abs(xs) >= threshold
                if ck & 4 and not reached[r]:  # r's entries all lie in this chunk
                    reached[r] = True
                    counts[c, 6] += 1
                platform_c[c, home[r]] += 1
        for e in range(base, bounds[min(g + group, chunks)]):
            d = gap[e - base]
            if d >= 0:
                xs = seen[e - base]
                distance += d
                seen_sum += xs
                seen_square += xs * xs
    # per reader, in parallel; then the spread added in reader order
    for r in prange(n):
        c = count[r]
        v = -1.0
        if c >= 2:
            v = max(square[r] - total[r] * total[r] / c, 0.0)
        total[r] = v
    spread = 0.0
    dof = 0
    for r in range(n):
        if total[r] >= 0:
            spread += total[r]
            dof += count[r] - 1
    sums = _column_sums(counts)
    ints = np.empty(8, dtype=np.int64)
    ints[0] = sums[0]
    ints[1] = dof
    ints[2:] = sums[1:]
    floats = np.empty(4, dtype=np.float64)
    floats[0] = distance
    floats[1] = seen_sum
    floats[2] = seen_square
    floats[3] = spread
    return (ints, floats, _column_sums(seen_c), _column_sums(reader_c),
            _column_sums(rstrata_c), _column_sums(astrata_c), _column_sums(platform_c))


@compiled_helper
def _feed_pass_serial(reader, source, opinion, code, home, n_strata, n_platforms,
                        threshold, bins):  # pragma: no cover - compiled
    # code (feed_code): bit 0 public, 1 bot, 2 outlet, 3 low access, stratum above:
    # one load per account instead of five
    n = opinion.size
    count = np.zeros(n, dtype=np.int64)
    total = np.zeros(n, dtype=np.float64)
    square = np.zeros(n, dtype=np.float64)
    reached = np.zeros(n, dtype=np.bool_)
    seen_hist = np.zeros(bins, dtype=np.int64)
    reader_hist = np.zeros(bins, dtype=np.int64)
    reader_strata = np.zeros(n_strata, dtype=np.int64)
    author_strata = np.zeros(n_strata, dtype=np.int64)
    platform_seen = np.zeros(n_platforms, dtype=np.int64)
    half = bins / 2.0
    entries = 0
    heard = 0
    low_heard = 0
    same = 0
    bots = 0
    sensational = 0
    outlet_readers = 0
    distance = 0.0
    seen_sum = 0.0
    seen_square = 0.0
    for e in range(reader.size):
        r = reader[e]
        cr = code[r]
        if not cr & 1:
            continue
        k = source[e]
        ck = code[k]
        xs = opinion[k]
        xr = opinion[r]
        entries += 1
        count[r] += 1
        total[r] += xs
        square[r] += xs * xs
        distance += abs(xr - xs)
        seen_sum += xs
        seen_square += xs * xs
        i = np.int64((xs + 1.0) * half)
        seen_hist[min(max(i, 0), bins - 1)] += 1
        i = np.int64((xr + 1.0) * half)
        reader_hist[min(max(i, 0), bins - 1)] += 1
        if ck & 1:
            heard += 1
            low_heard += (ck >> 3) & 1
            a = cr >> 4
            b = ck >> 4
            same += a == b
            reader_strata[a] += 1
            author_strata[b] += 1
        bots += (ck >> 1) & 1
        sensational += abs(xs) >= threshold
        if ck & 4 and not reached[r]:
            reached[r] = True
            outlet_readers += 1
        platform_seen[home[r]] += 1
    spread = 0.0
    dof = 0
    for r in range(n):
        c = count[r]
        if c >= 2:
            v = square[r] - total[r] * total[r] / c
            spread += max(v, 0.0)
            dof += c - 1
    ints = np.array([entries, dof, heard, low_heard, same, bots, sensational,
                     outlet_readers], dtype=np.int64)
    floats = np.array([distance, seen_sum, seen_square, spread])
    return ints, floats, seen_hist, reader_hist, reader_strata, author_strata, platform_seen


@kernel(prepare=_biased_choice_args, parallel=True, work=lambda *args: args[6].size)
def biased_choice(cum, bounds, posters, opinion, reader, block, draws, v, table):
    """Algorithmically biased recommendations: the author picked for each slot, or -1.

    Slot s (reader r, platform block p = ``block[s]``) draws c = draws.shape[1]
    candidates k_j = pick_in_blocks(cum, bounds[p], bounds[p + 1], draws[s, j]);
    candidate j has weight w_j = table[p](|x_{posters[k_j]} - x_r|) (linear
    interpolation), 0 if it is r's own post. The slot shows the first j whose
    running sum w_1 + ... + w_j exceeds v[s] * sum_j w_j: a choice with probability
    w_j / sum w (sampling importance resampling). -1 if all weights are 0.
    """
    slots, c = draws.shape
    lo = np.repeat(bounds[block], c)
    hi = np.repeat(bounds[block + 1], c)
    cand = pick_in_blocks.reference(cum, lo, hi, draws.ravel()).reshape(slots, c)
    authors = posters[np.maximum(cand, 0)]
    valid = (cand >= 0) & (authors != reader[:, None])  # never one's own post
    distance = np.abs(opinion[authors] - opinion[reader][:, None])
    weight = np.where(valid, _interpolate(table, block[:, None], distance), 0.0)
    running = np.cumsum(weight, axis=1)
    total = running[:, -1]
    threshold = v * total
    j = np.sum(running <= threshold[:, None], axis=1)
    last = c - 1 - np.argmax(weight[:, ::-1] > 0, axis=1)  # if v * total rounded up to total
    j = np.minimum(j, last)
    chosen = authors[np.arange(slots), j]
    return np.where(total > 0, chosen, -1)


@biased_choice.compiled
def _biased_choice_compiled(cum, bounds, posters, opinion, reader, block, draws, v,
                            table):  # pragma: no cover - compiled
    guide = _guide(cum, bounds)
    view = np.empty(posters.size, dtype=np.float64)  # posters' opinions, in cum's order
    own = np.full(opinion.size, -1, dtype=np.int64)  # each poster's index in cum
    for k in prange(posters.size):
        view[k] = opinion[posters[k]]
        own[posters[k]] = k
    slots, c = draws.shape
    out = np.empty(slots, dtype=np.int64)
    # slots are independent: fixed chunks of SLOT_CHUNK slots in parallel
    for chunk in prange((slots + SLOT_CHUNK - 1) // SLOT_CHUNK):
        _biased_slots(cum, bounds, posters, opinion, reader, block, draws, v, table, guide,
                      view, own, out, chunk * SLOT_CHUNK,
                      min((chunk + 1) * SLOT_CHUNK, slots))
    return out


@compiled_helper
def _biased_slots(cum, bounds, posters, opinion, reader, block, draws, v, table, guide,
                  view, own, out, first, last):  # pragma: no cover - compiled
    # biased_choice's slots [first, last) (see its docstring)
    c = draws.shape[1]
    chosen = np.empty(c, dtype=np.int64)
    running = np.empty(c, dtype=np.float64)
    weight = np.empty(c, dtype=np.float64)
    points = table.shape[1]
    for s in range(first, last):
        p = block[s]
        a = bounds[p]
        b = bounds[p + 1]
        start = cum[a]
        span = cum[b] - start
        r = reader[s]
        mine = own[r]
        xr = opinion[r]
        # three passes over the candidates (not one): independent loads overlap
        for j in range(c):
            k = a
            if span > 0:
                u = draws[s, j]
                k = guide[a + min(np.int64(u * (b - a)), b - a - 1)]
                k = _guided(cum, a, b, k, start + u * span)
            chosen[j] = k
        for j in range(c):
            weight[j] = view[chosen[j]]
        total = 0.0
        for j in range(c):
            w = 0.0
            if span > 0 and chosen[j] != mine:
                pos = np.sqrt(abs(weight[j] - xr)) * _SCALE
                i = min(np.int64(pos), points - 2)
                frac = pos - i
                left = table[p, i]
                w = left + frac * (table[p, i + 1] - left)
            weight[j] = w
            total += w
            running[j] = total
        if not total > 0:
            out[s] = -1
            continue
        threshold = v[s] * total
        j = 0
        while j < c and running[j] <= threshold:
            j += 1
        if j == c:  # v * total rounded up to total: the last candidate with weight
            j = c - 1
            while weight[j] <= 0:
                j -= 1
        out[s] = posters[chosen[j]]


# --------------------------------------------------------------------------- feed summary

FEED_COUNTS = ("entries", "within_dof", "heard", "low_heard", "same_stratum", "bots",
               "sensational", "outlet_readers")
FEED_SUMS = ("distance", "seen_sum", "seen_square", "within_spread")


def feed_code(is_public: np.ndarray, is_bot: np.ndarray, is_outlet: np.ndarray,
              low: np.ndarray, stratum: np.ndarray) -> np.ndarray:
    """Per account, what feed_summary reads of it, packed in one int32: bit 0 member of
    the public, bit 1 bot, bit 2 outlet, bit 3 low access, the stratum from bit 4."""
    code = np.asarray(stratum, dtype=np.int32) << 4
    for bit, flag in enumerate((is_public, is_bot, is_outlet, low)):
        code |= np.asarray(flag, dtype=np.int32) << bit
    return code


def feed_summary(reader: np.ndarray, source: np.ndarray, opinion: np.ndarray,
                 code: np.ndarray, home: np.ndarray, n_strata: int, n_platforms: int,
                 threshold: float, bins: int) -> dict:
    """Everything the feed-based metrics need, in one pass over the feed entries whose
    reader is a member of the public (x = opinion, r = reader, k = author; ``code`` from
    :func:`feed_code`):

    * counts (FEED_COUNTS): entries; within_dof = sum over readers with c_r >= 2 entries of
      (c_r - 1); heard = entries by public authors; low_heard = of those, by low-access
      authors; same_stratum = of those, with reader and author in one stratum;
      bots = entries by bots; sensational = entries with |x_k| >= threshold;
      outlet_readers = distinct readers who saw an outlet's post;
    * sums (FEED_SUMS, in entry order): distance = sum |x_r - x_k|; seen_sum = sum x_k;
      seen_square = sum x_k^2; within_spread = sum over readers with c_r >= 2 of
      max(0, S2_r - S1_r^2 / c_r) (S1, S2 = sums of x_k, x_k^2 of the reader's entries);
    * seen_hist, reader_hist: counts of x_k and of x_r in ``bins`` bins on [-1, 1]
      (as :func:`histogram`); reader_strata, author_strata: per stratum, over the
      entries by public authors; platform_seen: entries per reader's home platform.
    """
    ints, floats, *arrays = feed_pass(reader, source, opinion, code, home, n_strata,
                                      n_platforms, threshold, bins)
    summary = dict(zip(FEED_COUNTS, (int(v) for v in ints), strict=True))
    summary.update(zip(FEED_SUMS, (float(v) for v in floats), strict=True))
    summary.update(zip(("seen_hist", "reader_hist", "reader_strata", "author_strata",
                        "platform_seen"), arrays, strict=True))
    return summary
