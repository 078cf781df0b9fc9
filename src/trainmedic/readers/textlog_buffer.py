"""Points of a console log as they are read, and the series they become.

Every point keeps its value, its position (step, epoch), the process that printed it, its logging order and two
facts about its position: whether the line gave it (``explicit``: a step, an epoch counter, a batch of an epoch) or
inherited it from the lines before, and whether it is an epoch-level summary. From these, :func:`build_series` keeps
every point the log holds and nothing twice:

- the same explicit position printed again (a progress bar redrawn, a summary restating the last bar) is one point,
  the later one;
- a position that goes back is a restarted run: the later segment wins where the two overlap;
- a metric logged both per step and per epoch becomes two series (``train/loss`` and ``train/loss_epoch``);
- points without a step of their own get one from the epoch when the log says how many steps an epoch has.
"""

from __future__ import annotations

from array import array
from typing import Optional

import numpy as np

from ..run import Series

NO_RANK = -1
# Flag bits of a point: the line gave its position / it is an epoch summary / it took the position of the lines before.
EXPLICIT, EPOCH_LEVEL, INHERITED = 1, 2, 4
# Series one log may hold: a line that names thousands of "metrics" is not a training log, and each series costs.
MAX_SERIES = 400
# Steps beyond this are not steps (an overflowed counter, `1e400`): the point is dropped and counted.
MAX_AXIS = 1e15


class SeriesBuffer:
    """Points of one series in typed arrays (8 bytes a number), not per-line objects: a 1 GB log stays small."""

    __slots__ = ("label", "values", "step", "epoch", "rank", "order", "flags")

    def __init__(self, label: str):
        self.label = " ".join(label.split())
        self.values, self.step, self.epoch, self.order = array("d"), array("d"), array("d"), array("d")
        self.rank = array("h")
        self.flags = array("b")

    def add(self, value: float, step: float, epoch: float, rank: int, order: float, flags: int) -> None:
        """Add a point; the same explicit position printed again by the same process, at the same level (a step, or an
        epoch summary), replaces the last point."""
        n = len(self.values)
        if n and self.rank[-1] == rank and _same(self.step[-1], step) and _same(self.epoch[-1], epoch):
            if flags & EXPLICIT and self.flags[-1] == flags:
                self.values[-1] = value
                self.order[-1] = order
                return
            if flags & INHERITED and _same(self.values[-1], value) and (step == step or epoch == epoch):
                return  # restated by a later line (`saving best model (val_loss=2.84)`)
        self.values.append(value)
        self.step.append(step)
        self.epoch.append(epoch)
        self.rank.append(rank)
        self.order.append(order)
        self.flags.append(flags)


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


class Built:
    """What building the series found: the series, and how many points restarts superseded or bad steps dropped."""

    def __init__(self) -> None:
        self.series: list = []
        self.superseded = 0
        self.bad_axis = 0
        self.restarts: list = []  # the step (or epoch) each restart went back to


def build_series(buffers: dict, source: str, kept_rank: int, steps_per_epoch: Optional[int]) -> Built:
    """Series from the parser's buffers (each buffer freed once copied), keeping the lines of one process."""
    out = Built()
    for name in list(buffers):
        buf = buffers.pop(name)
        cols = _columns(buf, kept_rank)
        if cols is None:
            continue
        values, step, epoch, order, flags = cols
        bad = ~(_usable(step) & _usable(epoch))
        if bad.any():
            out.bad_axis += int(bad.sum())
            values, step, epoch, order, flags = (c[~bad] for c in (values, step, epoch, order, flags))
        level = (flags & EPOCH_LEVEL).astype(bool)
        parts = [(name, buf.label, ~level), (_epoch_name(name), f"{buf.label} (epoch)", level)] \
            if level.any() and not level.all() else [(name, buf.label, np.ones(len(values), dtype=bool))]
        for part_name, label, mask in parts:
            s = Series(part_name, values[mask], step[mask], epoch[mask], label=label, source=source,
                       order=order[mask])
            s = _fill_steps(s, steps_per_epoch)
            s = _segments(s, out)
            if len(s):
                out.series.append(s.sorted(dedupe=False))
    return out


def _columns(buf: SeriesBuffer, kept_rank: int) -> Optional[tuple]:
    rank = np.frombuffer(buf.rank, dtype=np.int16) if len(buf.rank) else np.zeros(0, dtype=np.int16)
    keep = (rank == NO_RANK) | (rank == kept_rank)
    every = bool(keep.all())

    def column(arr, dtype=np.float64):
        col = np.frombuffer(arr, dtype=dtype) if len(arr) else np.zeros(0, dtype=dtype)
        return col.copy() if every else col[keep]  # a boolean index already copies

    values = column(buf.values)
    if not len(values):
        return None
    return values, column(buf.step), column(buf.epoch), column(buf.order), column(buf.flags, np.int8)


def _usable(axis: np.ndarray) -> np.ndarray:
    """NaN (unknown) or a finite number of plausible size."""
    return np.isnan(axis) | (np.abs(axis) < MAX_AXIS)


def _epoch_name(name: str) -> str:
    return name + "_epoch"


def _fill_steps(s: Series, steps_per_epoch: Optional[int]) -> Series:
    """Give points without a step one from their epoch, so that one series has one axis: from the log's steps per
    epoch, else from the other points' step per epoch; drop the partial steps when neither is known."""
    has = np.isfinite(s.step)
    if has.all() or not has.any():
        return s
    step = s.step.copy()
    miss = ~has & np.isfinite(s.epoch)
    if steps_per_epoch:
        step[miss] = np.round(s.epoch[miss] * steps_per_epoch)
    else:
        both = has & np.isfinite(s.epoch) & (s.epoch > 0)
        if both.any():
            step[miss] = np.round(s.epoch[miss] * float(np.median(s.step[both] / s.epoch[both])))
    if np.isfinite(step).all():
        return Series(s.name, s.values, step, s.epoch, s.label, s.source, s.order)
    return Series(s.name, s.values, np.full(len(s), np.nan), s.epoch, s.label, s.source, s.order)


def _segments(s: Series, out: Built) -> Series:
    """A log whose positions go back holds a restarted run: each later segment replaces what the earlier ones logged
    from the position it restarted at. Positions that only repeat (points inherited by several lines) stay."""
    x = s.step if s.has_step else (s.epoch if s.has_epoch and np.isfinite(s.epoch).all() else None)
    if x is None or len(x) < 2 or not (np.diff(x) < 0).any():
        return s
    kept: list = []
    for i, v in enumerate(x.tolist()):
        if kept and x[kept[-1]] > v:
            out.restarts.append(v)
            while kept and x[kept[-1]] >= v:
                kept.pop()
                out.superseded += 1
        kept.append(i)
    return s.take(np.array(kept, dtype=np.int64))
