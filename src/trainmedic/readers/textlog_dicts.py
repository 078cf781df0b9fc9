"""Python dict lines in a console log: the Hugging Face Trainer's ``{'loss': 0.5, 'grad_norm': nan, ...}`` and the
copies other loggers print of them (LLaMA-Factory, ms-swift).

The Trainer's ``'epoch'`` is rounded progress, not a position that tells two logging events apart: each dict line is
a logging event of its own, numbered in order. When a second logger prints the same event right after the first
(other keys, the same numbers within its rounding), its values refine the first line's points.
"""

from __future__ import annotations

import math

from . import textlog_layout as Y
from .textlog_buffer import EXPLICIT, INHERITED, MAX_SERIES, SeriesBuffer

NAN = math.nan


class DictsMixin:
    """The part of :class:`~.textlog_parser.LogParser` that reads dict lines."""

    def _run_dict(self, plan: tuple, toks: list, rank: int) -> None:
        """Apply a dict-line layout (see :func:`~.textlog_layout.dict_layout`) to the numbers ``toks`` of one line.
        The Trainer's ``'epoch'`` is rounded progress, not a position that tells two logging events apart."""
        step = epoch = NAN
        points = []
        raws = []
        for op in plan:
            kind = op[0]
            if kind is Y.TOTAL:
                self.config.set(op[1], int(Y.raw_of(op[2], toks)), self.source, self.lineno)
                continue
            value = Y.value_of(op[-1], toks)
            if kind is Y.POINT:
                points.append((op[1], op[2], value))
                ref = op[-1]
                raws.append(toks[ref] if ref.__class__ is int else (toks[ref[1]] if ref.__class__ is tuple
                                                                     else repr(ref)))
            elif kind is Y.STEP:
                step = value
            else:
                epoch = value
        flags = EXPLICIT if step == step else 0
        if step != step and epoch != epoch:
            step, epoch, flags = self.last_step, self.last_epoch, INHERITED
        if self._same_event(points, raws, epoch, rank):
            return
        self._record(points, step, epoch, rank, flags=flags)
        self._last_dict = (self.records, epoch, rank, {n: r for (n, _, _), r in zip(points, raws)})

    def _same_event(self, points: list, raws: list, epoch: float, rank: int) -> bool:
        """Two loggers printing one logging event (the Trainer's dict and LLaMA-Factory's rounded copy, one after
        the other): the second line logs other keys than the first and agrees with it on every key they share,
        within the rounding of the one printed with fewer digits. Its values refine the first line's points instead
        of adding points."""
        records, last_epoch, last_rank, last_raws = self._last_dict
        if records != self.records or records == 0 or last_rank != rank or not _same(last_epoch, epoch):
            return False
        named = {n: r for (n, _, _), r in zip(points, raws)}
        if named.keys() == last_raws.keys():
            return False  # the same keys: the next event of one logger, however close its numbers
        shared = [(self.series[n], v, named[n], last_raws.get(n, "")) for n, _, v in points
                  if n in self.series and self.series[n].order[-1] == self._order]
        if not shared or not all(_agree(buf.values[-1], v, r, q) for buf, v, r, q in shared):
            return False
        at = shared[0][0].step[-1]  # the event's step, as its first print recorded it
        for name, label, value in points:
            buf = self.series.get(name)
            if buf is not None and buf.order[-1] == self._order:
                if len(repr(value)) > len(repr(buf.values[-1])):
                    buf.values[-1] = value  # the more precise print
            elif buf is not None or len(self.series) < MAX_SERIES:
                buf = buf or self.series.setdefault(name, SeriesBuffer(label.strip()))
                buf.add(value, at, epoch, rank, self._order, 0)
        return True


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _agree(a: float, b: float, *printed: str) -> bool:
    """Two prints of one number: equal, both NaN, or apart by less than the rounding of the coarser print
    (``4.9985e-05`` is 4.9985e-05 give or take 5e-10)."""
    if _same(a, b):
        return True
    return abs(a - b) <= max(_half_unit(p) for p in printed) * (1 + 1e-9)


def _half_unit(printed: str) -> float:
    mantissa, _, exponent = printed.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    try:
        return 0.5 * 10.0 ** (int(exponent or 0) - decimals)
    except (ValueError, OverflowError):
        return 0.0
