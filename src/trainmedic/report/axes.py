"""Where points go on a plot: steps and epochs converted through the points where a run logged both, and long
series decimated to what a screen can show."""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from ..findings import Position
from ..run import Series

BUCKETS = 1000  # decimation buckets per series: about one per horizontal pixel of a plot


def decimate(v: np.ndarray, buckets: int = BUCKETS) -> np.ndarray:
    """Indices to draw: each bucket's min and max, plus its first non-finite point (which breaks the line)."""
    n = len(v)
    if n <= 2 * buckets:
        return np.arange(n)
    k = math.ceil(n / buckets)
    rows = math.ceil(n / k)
    padded = np.full(rows * k, np.nan)
    padded[:n] = v
    grid = padded.reshape(rows, k)
    fin = np.isfinite(grid)
    base = np.arange(rows) * k
    has_fin = fin.any(axis=1)
    lo = np.argmin(np.where(fin, grid, np.inf), axis=1) + base
    hi = np.argmax(np.where(fin, grid, -np.inf), axis=1) + base
    real = (np.arange(rows * k) < n).reshape(rows, k)
    bad = ~fin & real
    has_bad = bad.any(axis=1)
    first_bad = np.argmax(bad, axis=1) + base
    return np.unique(np.concatenate([lo[has_fin], hi[has_fin], first_bad[has_bad]]))


def thin(xs: np.ndarray, lo: float, hi: float, buckets: int = BUCKETS) -> np.ndarray:
    """At most one marker per bucket of the x range, so 10^5 NaN points stay cheap to draw."""
    if len(xs) <= buckets:
        return xs
    width = (hi - lo) or 1.0
    _, first = np.unique(np.floor((xs - lo) / width * buckets), return_index=True)
    return xs[first]


class AxisMap:
    """Converts between steps and epochs using the points where a run logged both."""

    def __init__(self, series: list) -> None:
        steps, epochs = [], []
        for s in series:
            both = np.isfinite(s.step) & np.isfinite(s.epoch)
            steps.append(s.step[both])
            epochs.append(s.epoch[both])
        st = np.concatenate(steps) if steps else np.array([])
        ep = np.concatenate(epochs) if epochs else np.array([])
        order = np.argsort(ep, kind="stable")
        self.epoch, idx = np.unique(ep[order], return_index=True)
        self.step = st[order][idx]

    @property
    def usable(self) -> bool:
        """Whether at least two points logged both a step and an epoch, so one can be converted into the other."""
        return len(self.epoch) >= 2

    def x(self, s: Series, axis: str) -> np.ndarray:
        """The series' positions on ``axis`` (NaN where unknown)."""
        if axis == "index":
            return np.arange(len(s), dtype=np.float64)
        own, other = (s.step, s.epoch) if axis == "step" else (s.epoch, s.step)
        out = own.copy()
        missing = ~np.isfinite(out) & np.isfinite(other)
        if missing.any() and self.usable:
            out[missing] = self.convert(other[missing], axis)
        return out

    def convert(self, values: np.ndarray, axis: str) -> np.ndarray:
        """Steps as epochs (``axis`` is ``epoch``) or epochs as steps (``axis`` is ``step``), interpolated."""
        if axis == "step":
            return np.interp(values, self.epoch, self.step)
        return np.interp(values, self.step, self.epoch)

    def point(self, at: Optional[Position], axis: str) -> Optional[float]:
        """Where a finding's ``at``/``until`` falls on ``axis``."""
        if at is None or not at.known:
            return None
        if at.on(axis) is not None:
            return at.on(axis)
        other = at.on("epoch" if axis == "step" else "step")
        if other is not None and self.usable and axis in ("step", "epoch"):
            return float(self.convert(np.array([float(other)]), axis)[0])
        return None


def choose_axis(series: list, amap: AxisMap) -> str:
    """Steps when every series can be placed on steps, else epochs, else point index."""
    for axis in ("step", "epoch"):
        if all(np.isfinite(amap.x(s, axis)).any() for s in series):
            return axis
    return "index"
