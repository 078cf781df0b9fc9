"""Long series through the streaming detectors in bulk, with exactly the answers of feeding every point.

Feeding a point to a detector costs about a microsecond and a half of Python: 1.5 s per detector for a million
logged points. Yet almost every point only does bookkeeping (it joins a window of recent values). Each function here
finds, with numpy over the whole series, a superset of the points where the detector could do anything else (become
suspicious, fire, start a climb that could fire), runs the exact :meth:`update` there, and takes the quiet stretches
between in one exact bulk step (the detector's ``advance``: a window keeps only its last values, so only the last
ones are pushed). A prefilter may let through points that turn out quiet, never the reverse: every comparison it
makes is one the detector makes, against a bound on the value the detector compares with (the lowest value of a
window is at most its median). ``tests/rules/test_fastscan.py`` checks the equality on random series.

The live guard does the same step by step (:mod:`trainmedic.live.quiet`). Numpy only.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# A quiet stretch shorter than this is fed point by point: a bulk step costs about a hundred points' worth.
MIN_JUMP = 256
# Points whose window minima are computed at once: the prefilter's working arrays stay a few MB however long the
# series (a million points at once took 80 bytes a point, more than the series itself).
CHUNK = 1 << 16


def min_before(f: np.ndarray, w: int) -> np.ndarray:
    """``out[k] = min(f[k-w:k])`` (fewer values at the start, inf for ``k = 0``), in O(n) (van Herk / Gil-Werman:
    prefix and suffix minima of blocks of ``w``)."""
    n = len(f)
    if n == 0 or w <= 0:
        return np.full(n, np.inf)
    a = np.concatenate([np.full(w, np.inf), f[:-1]])  # out[k] = min(a[k : k + w])
    m = len(a)
    blocks = np.concatenate([a, np.full((-m) % w, np.inf)]).reshape(-1, w)
    prefix = np.minimum.accumulate(blocks, axis=1).ravel()
    suffix = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    k = np.arange(n)
    return np.minimum(suffix[k], prefix[k + w - 1])


def reaching(f: np.ndarray, ratio: float, w: int) -> np.ndarray:
    """Indices ``k`` where ``f[k] >= ratio * min(f[k-w:k])`` (see :func:`min_before` and :func:`_at_least`),
    computed :data:`CHUNK` points at a time so that the working memory does not grow with the series."""
    out = []
    for s in range(0, len(f), CHUNK):
        lo = max(0, s - max(int(w), 0))  # the window of the chunk's first point starts w points before it
        lowest = min_before(f[lo : s + CHUNK], w)[s - lo :]
        with np.errstate(invalid="ignore", over="ignore"):
            out.append(np.flatnonzero(_at_least(f[s : s + CHUNK], ratio, lowest)) + s)
    return np.concatenate(out) if out else np.empty(0, dtype=np.int64)


def _drive(det: Any, values: np.ndarray, xs: np.ndarray, ctx: dict, next_candidate, once: bool = False) -> list:
    """Exact updates where the detector is unsettled or near a candidate; bulk steps over the quiet stretches.
    ``once``: the detector fires once (stop at its alarm)."""
    min_jump = max(int(MIN_JUMP), 1)
    out: list = []
    n, i = len(values), 0
    while i < n and not (once and out):
        if det.settled():
            c = min(next_candidate(i), n)
            if c - i >= min_jump:
                det.advance(values[i:c], {k: v[i:c] for k, v in ctx.items()})
                i = c
                if i >= n:
                    break
            stop = c + 1 if c < n else n  # through the candidate itself
        else:
            stop = i + 1
        out += det.feed(values, xs, ctx, i, stop)
        i = stop
    return out


def spikes(det: Any, values: np.ndarray, xs: np.ndarray, ctx: dict) -> list:
    """:class:`~trainmedic.rules.streaming.Spike` (and its gradient form): a point can start a spike only when it is
    SPIKE_RATIO times the median of the last LOCAL_WINDOW finite values, so at least that times their lowest."""
    fin, f = _finite(values)
    cands = reaching(f, det.SPIKE_RATIO, det.LOCAL_WINDOW)
    cands = cands if fin is None else fin[cands]
    return _drive(det, values, xs, ctx, lambda i: _next(cands, i))


def _at_least(f: np.ndarray, ratio: float, lowest: np.ndarray) -> np.ndarray:
    """Where ``f >= ratio * lowest``: the points that could reach ``ratio`` times a value at least ``lowest`` (all
    of them for a ratio that is not positive, where the bound does not hold)."""
    if not ratio > 0:
        return np.ones(len(f), dtype=bool)
    return f >= ratio * lowest


def explosions(det: Any, values: np.ndarray, xs: np.ndarray, ctx: dict) -> list:
    """:class:`~trainmedic.rules.streaming.GradientExplosion`: a jump is EXPLODE_RATIO times the median of the
    baseline (the last BASELINE_WINDOW values taken while nothing was pending), so at least that times its lowest.
    Within BASELINE_WINDOW finite points of a stretch the baseline still holds older values: bounded by its lowest."""
    fin, f = _finite(values)
    w, ratio = det.BASELINE_WINDOW, det.EXPLODE_RATIO
    late = reaching(f, ratio, w)
    if fin is None:  # every value finite: positions among the finite values are positions in the series
        fin = np.arange(len(values))
    late = fin[late]

    def next_candidate(i: int) -> int:
        k = int(np.searchsorted(fin, i))
        head = f[k : k + w]
        lowest = np.minimum(det.baseline.lowest, np.concatenate([[np.inf], np.minimum.accumulate(head)[:-1]]))
        with np.errstate(invalid="ignore", over="ignore"):
            early = np.flatnonzero(_at_least(head, ratio, lowest))
        if early.size:
            return int(fin[k + early[0]])
        return _next(late, int(fin[k + w]) if k + w < len(fin) else len(values))

    return _drive(det, values, xs, ctx, next_candidate, once=True)


def growth(det: Any, values: np.ndarray, xs: np.ndarray, ctx: dict) -> list:
    """:class:`~trainmedic.rules.streaming.GradientGrowth`: a climb ends where a value falls under BREAK times the
    one before it (or is not a finite non-negative number), whatever came earlier, so the detector's state at such a
    point depends on that point alone. Between two of them a climb can fire only at a value GROWTH_RATIO times the
    lowest one since, after MIN_POINTS points: only the stretches holding such a value are replayed."""
    n = len(values)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(values) & (values >= 0)
        prev = np.concatenate([[np.nan], values[:-1]])
        reset = ~ok | ~np.concatenate([[False], ok[:-1]]) | (values < det.BREAK * prev)
    reset[0] = True
    starts = np.flatnonzero(reset)
    ends = np.append(starts[1:], n)
    need = max(int(det.MIN_POINTS), 1)
    safe = np.where(ok, values, np.nan)
    with np.errstate(invalid="ignore", over="ignore"):
        wide = np.maximum.reduceat(safe, starts) >= det.GROWTH_RATIO * np.minimum.reduceat(safe, starts)
    if not det.GROWTH_RATIO > 0:  # a bound that does not hold for such a ratio: every stretch is replayed
        wide[:] = True
    keep = wide & (ends - starts >= need)
    for s, e in zip(starts[keep], ends[keep]):
        seg = values[s:e]
        with np.errstate(invalid="ignore", over="ignore"):
            high = seg >= det.GROWTH_RATIO * np.minimum.accumulate(seg)
        hits = np.flatnonzero((high | (not det.GROWTH_RATIO > 0)) & (np.arange(e - s) >= need - 1))
        if not hits.size:
            continue
        fresh = type(det)(**det.overrides)
        fresh.n = int(s)
        found = fresh.feed(values, xs, ctx, int(s), int(s + hits[-1] + 1))
        if found:
            return found[:1]
    return []


def first_run(det: Any, values: np.ndarray, xs: np.ndarray, ctx: dict, hit: np.ndarray, length: int) -> list:
    """Detectors that fire once, at the first run of ``length`` points where ``hit`` holds (an exact zero gradient,
    a non-finite value): replayed from that run's start, where their state depends on that point alone."""
    length = max(int(length), 1)
    if not hit.any():
        return []
    edges = np.diff(np.concatenate([[0], hit.astype(np.int8), [0]]))
    run_starts, run_ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    long = np.flatnonzero(run_ends - run_starts >= length)
    if not long.size:
        return []
    s = int(run_starts[long[0]])
    fresh = type(det)(**det.overrides)
    fresh.n = s
    return fresh.feed(values, xs, ctx, s, s + length)[:1]


def frozen(det: Any, values: np.ndarray, xs: np.ndarray, ctx: dict) -> list:
    """:class:`~trainmedic.rules.streaming.FrozenMetric`: each run of one repeated finite value starts afresh (only
    the train loss's range over the whole run so far carries over); only runs of CONSTANT_POINTS or more are
    replayed, from their first point."""
    n = len(values)
    fin = np.isfinite(values)
    same = fin & np.concatenate([[False], fin[:-1] & (values[1:] == values[:-1])])
    breaks = np.flatnonzero(~same)  # run starts and non-finite points: where a run ends
    starts = np.flatnonzero(fin & ~same)
    at = np.searchsorted(breaks, starts) + 1
    ends = np.where(at < len(breaks), breaks[np.minimum(at, len(breaks) - 1)], n)
    need = max(int(det.CONSTANT_POINTS), 1)
    train = ctx.get("train_loss")
    if train is not None:
        finite_train = np.where(np.isfinite(train), train, np.nan)
        lo, hi = np.fmin.accumulate(finite_train), np.fmax.accumulate(finite_train)
    out = []
    for s, e in zip(starts[ends - starts >= need], ends[ends - starts >= need]):
        fresh = type(det)(**det.overrides)
        fresh.n = int(s)
        if train is not None and s > 0 and not math.isnan(lo[s - 1]):
            fresh.run_lo, fresh.run_hi = float(lo[s - 1]), float(hi[s - 1])
        out += fresh.feed(values, xs, ctx, int(s), int(e))
    return out


def _finite(values: np.ndarray) -> tuple:
    """(positions of the finite values, or None when every value is finite; the finite values): a series without
    a NaN is used as it is, with no copy and no index array."""
    ok = np.isfinite(values)
    if ok.all():
        return None, values
    fin = np.flatnonzero(ok)
    return fin, values[fin]


def _next(cands: np.ndarray, i: int) -> int:
    """The first candidate at or after ``i`` (a huge number when none)."""
    k = int(np.searchsorted(cands, i))
    return int(cands[k]) if k < len(cands) else 1 << 62
