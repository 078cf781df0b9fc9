"""The machinery of the streaming detectors (:mod:`trainmedic.rules.streaming`): the alarm they raise, the window of
recent values they estimate level and noise from, and the base class that gives every detector ``scan`` and
``state_dict``. Numpy only.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Optional

import numpy as np

# The MAD of a normal distribution is 0.6745 sigma: 1.4826 x MAD estimates the standard deviation robustly.
MAD_TO_SIGMA = 1.4826
# Below this many points a scan feeds every point: the bulk path's set-up costs more than it saves.
FAST_SCAN_POINTS = 2048


@dataclass(frozen=True)
class Alarm:
    """A confirmed streaming symptom: where it starts (point ``index``, position ``x``), the value there, the
    reference it is judged against, and their ratio. ``confirmed`` is the index of the point that confirmed it."""

    detector: str
    symptom: str
    index: int
    x: float
    value: float
    reference: float
    ratio: float
    confirmed: int
    corroborated: Optional[bool] = None  # explosion: whether the loss was known to confirm it

    def to_dict(self) -> dict:
        """Plain data (for the live log)."""
        return asdict(self)


def last_finite(values: Any, k: int) -> tuple:
    """(the last ``k`` finite values of ``values`` in order, as floats; how many values there were), reading an array
    from its end in slices: a bulk step over a million quiet points needs only the tail that stays in a window, and
    listing them all would cost more memory than the series."""
    if not isinstance(values, np.ndarray):
        fin = [v for v in values if math.isfinite(v)]
        return fin[max(0, len(fin) - k) :] if k > 0 else [], len(values)
    parts, got, end = [], 0, len(values)
    step = max(2 * k, 1024)
    while end > 0 and got < k:
        start = max(0, end - step)
        seg = values[start:end]
        seg = seg[np.isfinite(seg)]
        parts.append(seg)
        got += len(seg)
        end = start
    if not parts or k <= 0:
        return [], len(values)
    tail = np.concatenate(parts[::-1]) if len(parts) > 1 else parts[0]
    return tail[len(tail) - min(k, len(tail)) :].tolist(), len(values)


class Window:
    """The last ``size`` finite values in arrival order and sorted: median in O(log n), MAD on demand."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.fifo: deque = deque()
        self.order: list = []

    def __len__(self) -> int:
        return len(self.fifo)

    def push(self, v: float) -> None:
        """Add a value; the oldest leaves when the window is full."""
        self.fifo.append(v)
        insort(self.order, v)
        if len(self.fifo) > self.size:
            del self.order[bisect_left(self.order, self.fifo.popleft())]

    def median(self) -> float:
        """The median of the window (NaN when empty)."""
        s, n = self.order, len(self.order)
        if not n:
            return math.nan
        return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])

    def sigma(self, center: Optional[float] = None) -> float:
        """Robust standard deviation around ``center`` (the median when not given)."""
        if not self.order:
            return math.nan
        c = self.median() if center is None else center
        return MAD_TO_SIGMA * float(np.median(np.abs(np.asarray(self.order) - c)))

    def extend(self, values: list) -> None:
        """Push finite values in order, as many :meth:`push` calls would (the last ``size`` of them become the
        window when there are that many)."""
        if len(values) >= self.size:
            tail = [float(v) for v in values[len(values) - self.size :]]
            self.fifo, self.order = deque(tail), sorted(tail)
        else:
            for v in values:
                self.push(v)

    @property
    def lowest(self) -> float:
        """The smallest value in the window (inf when empty)."""
        return self.order[0] if self.order else math.inf

    def state(self) -> list:
        """The values in order of arrival (JSON-safe)."""
        return list(self.fifo)

    def load(self, values: list) -> None:
        """Refill the window from :meth:`state`."""
        self.fifo, self.order = deque(), []
        for v in values:
            self.push(float(v))


class Detector:
    """Base of the streaming detectors: point counting, the scalar state, ``scan`` and ``state_dict``."""

    name = ""
    symptom = ""
    _scalars: tuple = ()
    _windows: tuple = ()

    def __init__(self, **thresholds: Any) -> None:
        self.n = 0  # points seen
        self.overrides = dict(thresholds)  # to build a fresh detector with the same thresholds
        for name, value in thresholds.items():  # a rule's overridden thresholds, by their lower-case names
            attr = name.upper()
            if not hasattr(type(self), attr):
                raise TypeError(f"{type(self).__name__} has no threshold {name!r}")
            setattr(self, attr, value)

    def update(self, x: float, value: float, **context: Any) -> Optional[Alarm]:
        """Take the next point; an :class:`Alarm` when it confirms the symptom."""
        raise NotImplementedError

    @classmethod
    def thresholds_of(cls, params: Any) -> dict:
        """The fields of a rule's parameters object that are thresholds of this detector (``spike_ratio`` ->
        ``SPIKE_RATIO``), so that a rule and its detector share one set of values."""
        values = params.as_dict() if hasattr(params, "as_dict") else dict(params or {})
        return {k: v for k, v in values.items() if hasattr(cls, k.upper())}

    @classmethod
    def scan(cls, values, x=None, *, thresholds: Optional[dict] = None, fast: Optional[bool] = None, **context) -> list:
        """Every alarm over whole arrays (``x`` defaults to the point index; ``context`` arrays are aligned with
        ``values``, e.g. ``loss=`` for the gradient detectors): the same answers as feeding the points live.

        Series of FAST_SCAN_POINTS points or more go through the detector's bulk path (``fast=True`` forces it,
        ``fast=False`` feeds every point): a vectorised prefilter finds where the detector could do anything but
        its ordinary bookkeeping, the exact :meth:`update` runs there, and the quiet stretches between are taken in
        bulk with the same result (:mod:`trainmedic.rules.fastscan`)."""
        det = cls(**(thresholds or {}))
        values = np.asarray(values, dtype=float)
        xs = np.arange(len(values), dtype=float) if x is None else np.asarray(x, dtype=float)
        ctx = {k: np.asarray(v, dtype=float) for k, v in context.items() if v is not None}
        if fast is None:
            fast = len(values) >= FAST_SCAN_POINTS
        if fast and cls._bulk_scan is not None:
            return cls._bulk_scan(det, values, xs, ctx)
        return det.feed(values, xs, ctx, 0, len(values))

    # The bulk path of :meth:`scan` (a function of (detector, values, xs, context)); None: point by point only.
    _bulk_scan = None

    def feed(self, values: np.ndarray, xs: np.ndarray, ctx: dict, start: int, stop: int) -> list:
        """Feed points ``start`` to ``stop`` (exclusive) of the arrays one by one; the alarms they raise."""
        out = []
        update = self.update
        for i in range(start, stop):
            alarm = update(float(xs[i]), float(values[i]), **{k: float(v[i]) for k, v in ctx.items()})
            if alarm is not None:
                out.append(alarm)
        return out

    def _alarm(self, index: int, x: float, value: float, reference: float, **kw: Any) -> Alarm:
        ratio = value / reference if reference and math.isfinite(reference) else math.inf
        return Alarm(
            self.name,
            self.symptom,
            int(index),
            float(x),
            float(value),
            float(reference),
            float(ratio),
            self.n - 1,
            **kw,
        )

    def state_dict(self) -> dict:
        """JSON-safe state (plain numbers and lists)."""
        out = {"n": self.n}
        out.update({k: _plain(getattr(self, k)) for k in self._scalars})
        out.update({k: getattr(self, k).state() for k in self._windows})
        return out

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.n = int(state.get("n", 0))
        for k in self._scalars:
            if k in state:
                setattr(self, k, state[k])
        for k in self._windows:
            getattr(self, k).load(state.get(k) or [])


def _plain(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v


def aligned(x: np.ndarray, other_x: np.ndarray, other_values: np.ndarray) -> np.ndarray:
    """``other_values`` at positions ``x``: the last point of the other series at or before each (NaN before its
    first), so that a gradient-norm series can be judged with the loss logged beside it."""
    x, ox, ov = np.asarray(x, float), np.asarray(other_x, float), np.asarray(other_values, float)
    if not ox.size:
        return np.full(x.shape, np.nan)
    order = np.argsort(ox, kind="stable")
    j = np.searchsorted(ox[order], x, side="right") - 1
    out = np.where(j >= 0, ov[order][np.clip(j, 0, None)], np.nan)
    return out.astype(float)
