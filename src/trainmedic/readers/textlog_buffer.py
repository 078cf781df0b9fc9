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


class Records:
    """Where each record of a log stands (a record: the points one line gave): its step, epoch, process, logging order
    and flags, stored once for all the points of the line, in typed arrays (35 bytes a record)."""

    __slots__ = ("step", "epoch", "rank", "order", "flags")

    def __init__(self) -> None:
        self.step, self.epoch, self.order = array("d"), array("d"), array("d")
        self.rank = array("h")
        self.flags = array("b")

    def add(self, step: float, epoch: float, rank: int, order: float, flags: int) -> int:
        """A new record; its index."""
        self.step.append(step)
        self.epoch.append(epoch)
        self.rank.append(rank)
        self.order.append(order)
        self.flags.append(flags)
        return len(self.flags) - 1


class SeriesBuffer:
    """Points of one series as they are read: each point's value and its record (12 bytes a point), not per-line
    objects, so that a 1 GB log stays small."""

    __slots__ = ("label", "values", "rec", "records")

    def __init__(self, label: str, records: Records):
        self.label = " ".join(label.split())
        self.values = array("d")
        self.rec = array("i")
        self.records = records

    def add(self, value: float, r: int, step: float, epoch: float, rank: int, flags: int) -> None:
        """Add a point of record ``r`` (at ``step``, ``epoch``, ``rank``, ``flags``); the same explicit position
        printed again by the same process, at the same level (a step, or an epoch summary), replaces the last point."""
        values = self.values
        if values:
            records = self.records
            q = self.rec[-1]
            s = records.step[q]
            if (s == step or (s != s and step != step)) and records.rank[q] == rank and _same(records.epoch[q], epoch):
                if flags & EXPLICIT and records.flags[q] == flags:
                    values[-1] = value
                    self.rec[-1] = r  # the later print's logging order; its position is the same
                    return
                if flags & INHERITED and _same(values[-1], value) and (step == step or epoch == epoch):
                    return  # restated by a later line (`saving best model (val_loss=2.84)`)
        values.append(value)
        self.rec.append(r)

    def last(self, column: str) -> float:
        """The ``step``, ``epoch`` or ``order`` of the last point."""
        return getattr(self.records, column)[self.rec[-1]]

    def columns(self) -> tuple:
        """The bytes of the (values, step, epoch, rank, order, flags) of every point, for comparing two readings."""
        r = self.records
        return (
            self.values.tobytes(),
            *(
                array(c.typecode, [c[i] for i in self.rec]).tobytes()
                for c in (r.step, r.epoch, r.rank, r.order, r.flags)
            ),
        )


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


class Built:
    """What building the series found: the series, and how many points restarts superseded or bad steps dropped."""

    def __init__(self) -> None:
        self.series: list = []
        self.superseded = 0
        self.bad_axis = 0
        self.restarts: list = []  # the step (or epoch) each restart went back to


def build_series(buffers: dict, records: Records, source: str, kept_rank: int, steps_per_epoch: Optional[int]) -> Built:
    """Series from the parser's buffers (each buffer freed once copied), keeping the lines of one process."""
    out = Built()
    table = tuple(
        _column(getattr(records, c), t)
        for c, t in (
            ("step", np.float64),
            ("epoch", np.float64),
            ("rank", np.int16),
            ("order", np.float64),
            ("flags", np.int8),
        )
    )
    for name in list(buffers):
        buf = buffers.pop(name)
        cols = _columns(buf, table, kept_rank)
        if cols is None:
            continue
        values, step, epoch, order, flags = cols
        bad = ~(_usable(step) & _usable(epoch))
        if bad.any():
            out.bad_axis += int(bad.sum())
            values, step, epoch, order, flags = (c[~bad] for c in (values, step, epoch, order, flags))
        level = (flags & EPOCH_LEVEL).astype(bool)
        parts = (
            [(name, buf.label, ~level), (_epoch_name(name), f"{buf.label} (epoch)", level)]
            if level.any() and not level.all()
            else [(name, buf.label, None)]
        )
        for part_name, label, mask in parts:
            if mask is None:
                s = Series(part_name, values, step, epoch, label=label, source=source, order=order)
            else:
                s = Series(
                    part_name, values[mask], step[mask], epoch[mask], label=label, source=source, order=order[mask]
                )
            s = _fill_steps(s, steps_per_epoch)
            s = _segments(s, out)
            if len(s):
                out.series.append(s.sorted(dedupe=False))
    return out


def _column(arr: array, dtype) -> np.ndarray:
    return np.frombuffer(arr, dtype=dtype) if len(arr) else np.zeros(0, dtype=dtype)


def _columns(buf: SeriesBuffer, table: tuple, kept_rank: int) -> Optional[tuple]:
    """(values, step, epoch, order, flags) of the points of ``buf`` printed by the kept process (new arrays)."""
    if not len(buf.values):
        return None
    rec = _column(buf.rec, np.intc)
    step, epoch, rank, order, flags = table
    ranks = rank[rec]
    keep = (ranks == NO_RANK) | (ranks == kept_rank)
    values = np.frombuffer(buf.values, dtype=np.float64)
    if keep.all():
        values = values.copy()
    else:
        values, rec = values[keep], rec[keep]
    if not len(values):
        return None
    return values, step[rec], epoch[rec], order[rec], flags[rec]


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
