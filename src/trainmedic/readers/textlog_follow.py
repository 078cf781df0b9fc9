"""The points a console log gained since the last look, placed where reading the whole log would place them.

``trainmedic watch`` keeps one :class:`~.textlog_parser.LogParser` alive and feeds it each poll's new lines; then
:class:`NewPoints` turns only what the buffers gained into series, without building the old points again. Building a
log's series (:func:`~.textlog_buffer.build_series`) takes a few decisions over the whole log: which process is
kept, whether a metric has both step and epoch-level points (two series then), which axis a series has (steps; whole
epochs each larger than the last; else the logging order, which the run's ``logging_steps`` turns into steps), steps
filled from epochs. :class:`NewPoints` keeps the counts those decisions read; while the new points leave every
decision as it was, they are built alone, with the axis the whole log has. When one changes (the first step after
points that had none, a second process, a metric that gains epoch summaries, steps per epoch learnt late), the
series are built once from the whole buffers, in memory, without reading the file again; a series whose decision
moves with every point (some points with a step and some without, and no steps per epoch to fill them) is built
whole at every look.
"""

from __future__ import annotations

from array import array
from typing import Optional

import numpy as np

from ..run import Series
from .textlog_buffer import EPOCH_LEVEL, NO_RANK, Built, build_series
from .textlog_buffer import _epoch_name as epoch_name
from .textlog_buffer import _segments as segments
from .textlog_buffer import _usable as usable

STEP, EPOCH, INDEX, UNSTABLE = "step", "epoch", "index", "unstable"


class _Counts:
    """What the axis of one series depends on, over every point it has so far."""

    __slots__ = ("n", "with_step", "unfillable", "epochs_finite", "epochs_whole_rising", "epochs_back", "last_epoch")

    def __init__(self) -> None:
        self.n = self.with_step = self.unfillable = 0
        self.epochs_finite = self.epochs_whole_rising = True
        self.epochs_back = False
        self.last_epoch = -np.inf

    def add(self, step: np.ndarray, epoch: np.ndarray) -> None:
        has_step, has_epoch = np.isfinite(step), np.isfinite(epoch)
        self.n += len(step)
        self.with_step += int(has_step.sum())
        self.unfillable += int((~has_step & ~has_epoch).sum())
        if self.epochs_finite and not has_epoch.all():
            self.epochs_finite = self.epochs_whole_rising = False
        if self.epochs_finite:
            d = np.diff(np.concatenate(([self.last_epoch], epoch)))
            self.epochs_back = self.epochs_back or bool((d < 0).any())
            self.epochs_whole_rising = self.epochs_whole_rising and bool(
                (d > 0).all() and (epoch == np.round(epoch)).all()
            )
            self.last_epoch = float(epoch[-1])

    def axis(self, steps_per_epoch: Optional[int]) -> Optional[str]:
        """The axis the whole series has (see :func:`~.textlog_buffer._fill_steps` and :attr:`Series.x`)."""
        if not self.n:
            return None
        if self.with_step == self.n or (self.with_step and steps_per_epoch and not self.unfillable):
            return STEP
        if self.with_step and not steps_per_epoch:
            return UNSTABLE  # steps filled from the median step per epoch of all the points
        if self.epochs_finite and self.epochs_back:
            return UNSTABLE  # a restart on the epoch axis supersedes earlier points
        return EPOCH if self.epochs_finite and self.epochs_whole_rising else INDEX


class NewPoints:
    """The series of the points ``parser`` recorded since the last :meth:`take` (see the module docstring)."""

    def __init__(self, parser) -> None:
        self.parser = parser
        self.state: Optional[tuple] = None
        self._reset()

    def _reset(self) -> None:
        self.cursor: dict = {}  # buffer name -> points already taken
        self.levels: dict = {}  # buffer name -> (has step-level points, has epoch-level points)
        self.counts: dict = {}  # series name -> _Counts

    def take(self, logging_steps=None) -> tuple:
        """(new series, whether they are the whole series): the points recorded since the last call. ``logging_steps``
        (the run's, when known) turns the logging order of series without steps into steps, as reading does."""
        p = self.parser
        every = float(logging_steps) if isinstance(logging_steps, (int, float)) and logging_steps > 0 else None
        state = (p.kept_rank(), p.steps_per_epoch, p.last_step == p.last_step, every)
        whole = state != self.state
        if whole:  # the first step after points without one places them; a new process or steps per epoch
            self.state = state
            self._reset()
        parts = self._gather(p.kept_rank(), p.steps_per_epoch)
        if parts is None:
            whole = True
            self._reset()
            self._gather(p.kept_rank(), p.steps_per_epoch)
        if whole or any(self.counts[name].axis(p.steps_per_epoch) == UNSTABLE for name, *_ in parts or ()):
            built = build_series(dict(p.series), p.records_at, p.source, p.kept_rank(), p.steps_per_epoch)
            return [_recover(s, every) for s in built.series], True
        out = []
        for name, label, values, step, epoch, order in parts:
            s = _delta_series(
                name,
                label,
                p.source,
                self.counts[name].axis(p.steps_per_epoch),
                values,
                step,
                epoch,
                order,
                p.steps_per_epoch,
                every,
            )
            s = segments(s, Built())
            if len(s):
                out.append(s.sorted(dedupe=False))
        return out, False

    def _gather(self, kept_rank: int, steps_per_epoch: Optional[int]) -> Optional[list]:
        """The new points of every buffer, counted; None when they change a decision over the whole log."""
        records = self.parser.records_at
        parts = []
        changed = False
        for name, buf in self.parser.series.items():
            start = self.cursor.get(name, 0)
            if len(buf.values) <= start:
                continue
            self.cursor[name] = len(buf.values)
            cols = _columns(buf, start, records, kept_rank)
            if cols is None:
                continue
            values, step, epoch, order, flags = cols
            level = (flags & EPOCH_LEVEL).astype(bool)
            before = self.levels.get(name, (False, False))
            now = (before[0] or not level.all(), before[1] or bool(level.any()))
            self.levels[name] = now
            if all(now) and not all(before) and any(before):
                changed = True  # a metric that gains epoch summaries becomes two series
            split = (
                [(name, buf.label, ~level), (epoch_name(name), f"{buf.label} (epoch)", level)]
                if all(now)
                else [(name, buf.label, None)]
            )
            for part, label, mask in split:
                cut = (
                    (values, step, epoch, order)
                    if mask is None
                    else (values[mask], step[mask], epoch[mask], order[mask])
                )
                if not len(cut[0]):
                    continue
                counts = self.counts.setdefault(part, _Counts())
                axis = counts.axis(steps_per_epoch)
                counts.add(cut[1], cut[2])
                if axis is not None and axis != counts.axis(steps_per_epoch):
                    changed = True
                parts.append((part, label, *cut))
        return None if changed else parts


def _columns(buf, start: int, records, kept_rank: int) -> Optional[tuple]:
    """(values, step, epoch, order, flags) of the points ``start:`` of ``buf`` that reading keeps (new arrays)."""
    rec = buf.rec[start:]
    values = np.frombuffer(buf.values[start:], dtype=np.float64).copy()
    step = np.array([records.step[r] for r in rec], dtype=np.float64)
    epoch = np.array([records.epoch[r] for r in rec], dtype=np.float64)
    rank = np.array([records.rank[r] for r in rec], dtype=np.int16)
    order = np.array([records.order[r] for r in rec], dtype=np.float64)
    flags = np.array(array("b", [records.flags[r] for r in rec]), dtype=np.int8)
    keep = ((rank == NO_RANK) | (rank == kept_rank)) & usable(step) & usable(epoch)
    if not keep.any():
        return None
    if not keep.all():
        values, step, epoch, order, flags = (c[keep] for c in (values, step, epoch, order, flags))
    return values, step, epoch, order, flags


def _delta_series(
    name: str,
    label: str,
    source: str,
    axis: str,
    values,
    step,
    epoch,
    order,
    steps_per_epoch: Optional[int],
    every: Optional[float],
) -> Series:
    """New points on the axis the whole series has (only that axis is kept: the alarms read nothing else)."""
    if axis == STEP:
        miss = ~np.isfinite(step)
        if miss.any():
            step = step.copy()
            step[miss] = np.round(epoch[miss] * steps_per_epoch)
        return Series(name, values, step, None, label=label, source=source)
    if axis == EPOCH:
        return Series(name, values, None, epoch, label=label, source=source)
    if every is not None:
        return Series(name, values, order * every, None, label=label, source=source, order=order)
    return Series(name, values, None, None, label=label, source=source, order=order)


def _recover(s: Series, every: Optional[float]) -> Series:
    """Logging events numbered in order become steps with the run's ``logging_steps`` (as reading a run does)."""
    if every is None or s.has_step or not np.isfinite(s.order).all() or s.axis != "index":
        return s
    return Series(s.name, s.values, s.order * every, s.epoch, s.label, s.source, s.order)
