"""Curve tools shared by the rules: which series to judge, robust smoothing, and building findings.

Everything here is a pure function of numpy arrays or of a :class:`~trainmedic.run.Run`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Optional

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..findings import Evidence, Facts, Finding, Position, Severity
from ..i18n import Msg
from ..names import is_learning_signal
from ..run import Run, Series

# Series longer than this are smoothed before trends are judged: per-batch losses are noisy by nature.
SMOOTH_FROM_POINTS = 30
# A smoothing window of 1/SMOOTH_FRACTION of the series: wide enough to hide batch noise, narrow enough to keep
# the shape of an epoch-long rise.
SMOOTH_FRACTION = 25
# A rolling median over more points than this is taken over block medians instead (blocks of consecutive points,
# at most this many blocks per window): the cost stays O(n) for a run logged at every one of a million steps, and a
# median of block medians differs from the exact one by far less than the batch noise it is there to remove.
MAX_WINDOW_POINTS = 101
# Rows of sliding windows sorted at a time: bounds the memory of a rolling median to a few megabytes.
ROWS_PER_CHUNK = 1 << 15

# Sorted copies and smoothed curves already computed for the run being judged (see :func:`reuse_derived`).
_DERIVED: ContextVar[Optional[dict]] = ContextVar("trainmedic_derived_series", default=None)


@contextmanager
def reuse_derived() -> Iterator[None]:
    """Within this block each series is sorted and smoothed once, however many rules ask for it.

    The rules are pure functions of the run, so a result computed for one rule holds for the next; outside the
    block nothing is kept.
    """
    token = _DERIVED.set({})
    try:
        yield
    finally:
        _DERIVED.reset(token)


def _remembered(kind: str, key_obj, compute):
    """``compute()``, or its earlier result for the same object inside :func:`reuse_derived`."""
    cache = _DERIVED.get()
    if cache is None:
        return compute()
    key = (kind, id(key_obj))
    hit = cache.get(key)
    if hit is not None and hit[0] is key_obj:
        return hit[1]
    value = compute()
    cache[key] = (key_obj, value)  # the object is held, so its id cannot be reused while the block lasts
    return value


def sorted_series(s: Series) -> Series:
    """``s`` ordered along its axis (see :meth:`Series.sorted`), computed once per series inside
    :func:`reuse_derived`."""
    return _remembered("sorted", s, s.sorted)


def series_of(
    run: Run, *, split: Optional[str] = None, metric: Optional[str] = None, group: Optional[str] = ...
) -> list:
    """Series of the run matching split/metric/group, ordered along their axis."""
    return [sorted_series(s) for s in run.find(split=split, metric=metric, group=group)]


def learning_series(run: Run, group: Optional[str] = ...) -> list:
    """Every series that says something about learning: losses, metrics, gradient norms (not lr, not runtime)."""
    out = []
    for s in run.series.values():
        p = s.parsed
        if not is_learning_signal(p.metric) or (group is not ... and p.group != group):
            continue
        out.append(sorted_series(s))
    return out


def train_loss(run: Run, group: Optional[str]) -> Optional[Series]:
    """The train loss of a model group (None when the run has none).

    Without a plain ``loss``, a run that logs only named losses (``IDLoss``, ``total_loss``, ``loss_cls`` ...) is
    judged on one of them: a total first, else the one logged most often, else the first.
    """
    found = [s for s in series_of(run, split="train", metric="loss", group=group) if s.parsed.evalset is None]
    if found:
        return found[0]
    named = [
        s
        for s in run.find(split="train", group=group)
        if s.parsed.is_loss and s.parsed.evalset is None and not s.parsed.metric.endswith(("_epoch", "_avg"))
    ]
    if not named:
        return None
    totals = [s for s in named if any(w in s.parsed.metric for w in ("total", "all", "overall", "sum"))]
    best = totals[0] if totals else max(named, key=len)
    return sorted_series(best)


def eval_losses(run: Run, group: Optional[str]) -> list:
    """Eval losses of a model group: one per eval dataset."""
    return series_of(run, split="eval", metric="loss", group=group)


def as_fraction(values: np.ndarray) -> np.ndarray:
    """Accuracy-like values as fractions: a series logged in percent (any value above 1.5) is divided by 100."""
    fin = values[np.isfinite(values)]
    if fin.size and np.nanmax(fin) > 1.5:
        return values / 100.0
    return values


def median_of_rows(rows: np.ndarray) -> np.ndarray:
    """The median of the finite values of each row (NaN for a row with none), exactly as ``np.median`` gives it."""
    n, width = rows.shape
    out = np.full(n, np.nan)
    for start in range(0, n, ROWS_PER_CHUNK):
        part = rows[start : start + ROWS_PER_CHUNK]
        if np.isinf(part).any():
            part = np.where(np.isfinite(part), part, np.nan)
        part = np.sort(part, axis=1)  # NaN sorts last
        missing = np.isnan(part[:, -1])
        if not missing.any():  # every row full: the middle columns
            lo, hi = part[:, (width - 1) // 2], part[:, width // 2]
            out[start : start + len(part)] = lo if width % 2 else (lo + hi) / 2
            continue
        count = width - np.isnan(part).sum(axis=1)
        lo = np.take_along_axis(part, np.maximum(count - 1, 0)[:, None] // 2, axis=1)[:, 0]
        hi = np.take_along_axis(part, (count // 2)[:, None], axis=1)[:, 0]
        med = np.where(count % 2 == 1, lo, (lo + hi) / 2)
        out[start : start + len(part)] = np.where(count > 0, med, np.nan)
    return out


def _exact_rolling_median(values: np.ndarray, half: int) -> np.ndarray:
    """Centred rolling median over ``2 * half + 1`` points, windows cut short at both ends."""
    pad = np.full(half, np.nan)
    return median_of_rows(sliding_window_view(np.concatenate([pad, values, pad]), 2 * half + 1))


def rolling_median(values: np.ndarray, window: int) -> np.ndarray:
    """Centred rolling median over the finite values (NaN where a window holds none).

    Windows wider than :data:`MAX_WINDOW_POINTS` are judged on medians of blocks of consecutive points.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    if window <= 1 or n == 0:
        return values.copy()
    half = window // 2
    width = 2 * half + 1
    if width <= MAX_WINDOW_POINTS or n <= MAX_WINDOW_POINTS:
        return _exact_rolling_median(values, half)
    block = -(-width // MAX_WINDOW_POINTS)
    whole = n // block
    # Whole blocks are a view of the values; only the last, partial block is padded with NaN (a copy of the series
    # would double the memory of a long run).
    block_medians = median_of_rows(values[: whole * block].reshape(whole, block))
    if whole * block < n:
        rest = np.concatenate([values[whole * block :], np.full((whole + 1) * block - n, np.nan)])
        block_medians = np.concatenate([block_medians, median_of_rows(rest.reshape(1, block))])
    trend = _exact_rolling_median(block_medians, half // block)
    return np.repeat(trend, block)[:n]


def smoothed(values: np.ndarray) -> np.ndarray:
    """A noise-robust version of a curve: rolling median for long series, the values themselves for short ones.

    Inside :func:`reuse_derived` the curve of the same array is computed once; callers must not modify it.
    """
    n = len(values)
    if n < SMOOTH_FROM_POINTS:
        return values.astype(float).copy()
    window = max(3, n // SMOOTH_FRACTION) | 1
    return _remembered("smoothed", values, lambda: rolling_median(values, window))


# Robust standard deviation of one point from the median absolute deviation of point-to-point differences (each
# difference carries the noise of two points, hence the square root of 2).
MAD_TO_SIGMA = 1.4826 / np.sqrt(2.0)


def point_noise(values: np.ndarray) -> float:
    """The noise of one logged point of a loss, from its point-to-point moves (robust to a trend and to jumps)."""
    v = values[np.isfinite(values)]
    if v.size < 3:
        return float("nan")
    d = np.diff(v)
    return float(MAD_TO_SIGMA * np.median(np.abs(d - np.median(d))))


def first_nonfinite(values: np.ndarray) -> Optional[int]:
    """Index of the first NaN or infinity (None when every value is finite)."""
    bad = np.flatnonzero(~np.isfinite(values))
    return int(bad[0]) if bad.size else None


def first_finite(values: np.ndarray, count: int) -> np.ndarray:
    """Indices of the first ``count`` finite values (fewer when the series has fewer), read a chunk at a time."""
    found: list = []
    for a in range(0, len(values), ROWS_PER_CHUNK):
        found.extend(np.flatnonzero(np.isfinite(values[a : a + ROWS_PER_CHUNK]))[: count - len(found)] + a)
        if len(found) >= count:
            break
    return np.asarray(found, dtype=np.intp)


def finite_min(values: np.ndarray) -> float:
    """The smallest finite value (NaN when there is none), without copying the finite part out."""
    finite = np.isfinite(values)
    return float(np.min(values, where=finite, initial=np.inf)) if finite.any() else math.nan


def longest_true_run(mask: np.ndarray) -> tuple:
    """(start, length) of the first longest run of consecutive True in ``mask``; (0, 0) when none is True."""
    padded = np.zeros(len(mask) + 2, dtype=np.int8)  # one byte a point: an int64 copy would be eight
    padded[1:-1] = np.asarray(mask, dtype=bool)
    edges = np.diff(padded)
    del padded
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if not len(starts):
        return (0, 0)
    k = int(np.argmax(ends - starts))
    return (int(starts[k]), int(ends[k] - starts[k]))


def position(s: Series, i: int) -> Position:
    """Where point ``i`` of a series is (see :meth:`Series.at`)."""
    return Position.of(s.at(int(i)))


def evidence(s: Series, i: int, note: Msg | str = "", value: Optional[float] = None) -> Evidence:
    """Evidence for point ``i`` of a series, with the step and epoch the series records."""
    v = float(s.values[int(i)]) if value is None else float(value)
    return Evidence(series=s.name, value=v, at=position(s, i), note=note)


def make_finding(
    code: str,
    s: Series,
    i: int,
    *,
    params: dict,
    ev: list,
    until: Optional[int] = None,
    until_series: Optional[Series] = None,
    severity: Optional[Severity | str] = None,
    facts: Optional[Facts] = None,
    message_key: Optional[str] = None,
) -> Finding:
    """A finding of rule ``code`` about series ``s`` starting at point ``i``.

    The rule's name, symptom and default severity come from the registry; the message is the catalog entry
    ``rule.<code>.message`` (or ``message_key``) rendered with ``params`` plus the series label and position.
    """
    from . import get_rule

    r = get_rule(code)
    assert r is not None, code
    at = position(s, i)
    full = {"series": s.label or s.name, "where": at.where(), **params}
    end = None if until is None else position(until_series or s, until)
    return Finding(
        code=code,
        rule=r.name,
        symptom=r.symptom,
        severity=severity or r.severity,
        message=Msg(message_key or f"rule.{code}.message", full),
        series=s.name,
        series_label=s.label or s.name,
        at=at,
        until=end,
        evidence=tuple(ev),
        facts=facts,
    )


def where(s: Series, i: int) -> Msg:
    """A Msg that reads "step 2100 (epoch 0.67)" / "epoch 2" for point ``i``."""
    return position(s, i).where()


def ratio(a: float, b: float) -> float:
    """a / b, infinite when b is zero."""
    if b == 0:
        return math.inf if a else 1.0
    return a / b
