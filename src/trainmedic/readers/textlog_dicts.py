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


def _trainer_dict(ops: tuple) -> bool:
    """Whether a dict line is the Hugging Face Trainer's log record: it carries ``'learning_rate'`` and the
    Trainer's ``'epoch'`` progress (LLaMA-Factory, TRL and ms-swift train through the Trainer and print the same)."""
    return any(op[0] is Y.EPOCH for op in ops) and any(op[0] is Y.POINT and op[2] == "learning_rate" for op in ops)


class DictsMixin:
    """The part of :class:`~.textlog_parser.LogParser` that reads dict lines."""

    def _run_dict(self, plan: tuple, toks: list, rank: int) -> None:
        """Apply a dict-line layout (see :func:`~.textlog_layout.dict_layout`) to the numbers ``toks`` of one line.
        The Trainer's ``'epoch'`` is rounded progress, not a position that tells two logging events apart."""
        ops, names, train = plan
        if self.framework is None and id(plan) not in self._framework_checked:
            self._framework_checked.add(id(plan))  # once per layout: the plans are remembered objects
            if _trainer_dict(ops):
                self.framework = "hf"
        step = epoch = NAN
        points = []
        for op in ops:
            kind = op[0]
            if kind is Y.POINT:
                ref = op[3]
                points.append((op[1], op[2], float(toks[ref]) if ref.__class__ is int else Y.value_of(ref, toks)))
            elif kind is Y.STEP:
                ref = op[1]
                step = float(toks[ref]) if ref.__class__ is int else Y.value_of(ref, toks)
            elif kind is Y.EPOCH:
                ref = op[1]
                epoch = float(toks[ref]) if ref.__class__ is int else Y.value_of(ref, toks)
            else:  # Y.TOTAL
                self.config.set(op[1], int(Y.raw_of(op[2], toks)), self.source, self.lineno)
        flags = EXPLICIT if step == step else 0
        if step != step and epoch != epoch:
            step, epoch, flags = self.last_step, self.last_epoch, INHERITED
        last = self._last_dict
        if last[0] == self.records and last[3] is not plan and self._same_event(points, plan, toks, epoch, rank):
            return  # (one layout twice in a row is one logger's next event)
        self._record(points, step, epoch, rank, flags=flags, train=train)
        self._last_dict = (self.records, epoch, rank, plan, toks)

    def _same_event(self, points: list, plan: tuple, toks: list, epoch: float, rank: int) -> bool:
        """Two loggers printing one logging event (the Trainer's dict and LLaMA-Factory's rounded copy, one after
        the other): the second line logs other keys than the first and agrees with it on every key they share,
        within the rounding of the one printed with fewer digits. Its values refine the first line's points instead
        of adding points."""
        records, last_epoch, last_rank, last_plan, last_toks = self._last_dict
        if records != self.records or records == 0 or last_rank != rank or not _same(last_epoch, epoch):
            return False
        if plan[1] == last_plan[1]:
            return False  # the same keys: the next event of one logger, however close its numbers
        named, last_raws = _printed(plan[0], toks), _printed(last_plan[0], last_toks)
        shared = [
            (self.series[n], v, named[n], last_raws.get(n, ""))
            for n, _, v in points
            if n in self.series and self.series[n].last("order") == self._order
        ]
        if not shared or not all(_agree(buf.values[-1], v, r, q) for buf, v, r, q in shared):
            return False
        at = shared[0][0].last("step")  # the event's step, as its first print recorded it
        record = None
        for name, label, value in points:
            buf = self.series.get(name)
            if buf is not None and buf.last("order") == self._order:
                if len(repr(value)) > len(repr(buf.values[-1])):
                    buf.values[-1] = value  # the more precise print
            elif buf is not None or len(self.series) < MAX_SERIES:
                buf = buf or self.series.setdefault(name, SeriesBuffer(label.strip(), self.records_at))
                if record is None:
                    record = self.records_at.add(at, epoch, rank, self._order, 0)
                buf.add(value, record, at, epoch, rank, 0)
        return True


def _printed(ops: tuple, toks: list) -> dict:
    """The number each point of a dict line was printed as, by series name."""
    out = {}
    for op in ops:
        if op[0] is Y.POINT:
            ref = op[3]
            out[op[1]] = toks[ref] if ref.__class__ is int else (toks[ref[1]] if ref.__class__ is tuple else repr(ref))
    return out


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
