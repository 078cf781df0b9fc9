"""The streaming console-log parser: feeds lines one at a time and keeps what spans lines (the epoch and step in
force, steps per epoch, progress bars, a table header, ranks, a traceback), writing points into compact buffers
(:mod:`.textlog_buffer`). Line shapes are remembered (:mod:`.textlog_layout`); progress bars, tables, dict lines,
events, tracebacks and processes have modules of their own (:mod:`.textlog_bars`, :mod:`.textlog_tables`,
:mod:`.textlog_dicts`, :mod:`.textlog_events`, :mod:`.textlog_crash`, :mod:`.textlog_ranks`).
"""

from __future__ import annotations

import math
from typing import Optional

from ..run import RunConfig
from . import config_keys
from . import textlog_layout as Y
from . import textlog_line as L
from . import textlog_patterns as P
from .textlog_bars import BarsMixin, refreshes
from .textlog_buffer import EPOCH_LEVEL, EXPLICIT, INHERITED, MAX_SERIES, NO_RANK, Built, SeriesBuffer, build_series
from .textlog_crash import CrashMixin
from .textlog_dicts import DictsMixin
from .textlog_events import EventsMixin
from .textlog_ranks import RanksMixin
from .textlog_tables import TablesMixin

NAN = math.nan
# Characters of one physical line that are read: a log line is a few hundred; a longer one is progress-bar refreshes
# (the latest counts) or not a log, and reading it all would make the cost per line grow with the line.
MAX_LINE_CHARS = 32 * 1024
# Epoch and batch counters beyond this are not counters (`Epoch: inf`, an overflowed print).
MAX_COUNTER = 1e15
# Points without any position remembered until the log's first step gives them one; a log that never gives a step
# keeps its line order instead.
MAX_UNPLACED = 10000
# Line shapes whose layout is remembered at once. A log prints a handful of shapes over and over (a few dozen with
# its timestamps' and steps' digit counts); one that prints ever-new shapes starts the memory again when it is full,
# so memory stays bounded whatever the log.
MAX_SHAPES = 4096


class LogParser(DictsMixin, EventsMixin, BarsMixin, TablesMixin, CrashMixin, RanksMixin):
    """Turns the lines of one console log into series buffers, events and config values (with file and line)."""

    def __init__(self, source: str, remember_shapes: bool = True):
        """``remember_shapes=False`` reads every line in full (the reference the shape memory is tested against)."""
        self.source = source
        self._plans: Optional[dict] = {} if remember_shapes else None
        self.series: dict = {}
        self.events: list = []
        self.config = RunConfig()
        self.ranks: list = []
        self.lineno = 0
        self.last_step = NAN
        self.last_epoch = NAN
        self.steps_per_epoch: Optional[int] = None
        self.epoch_base: Optional[int] = None  # 0 when the log counts epochs from 0
        self.open_epoch: Optional[int] = None  # `Epoch 3/10` on a line of its own (Keras)
        self.bars: dict = {}
        self._event_keys: set = set()
        self.saw_digits = False
        self.records = 0  # lines that recorded points
        self._train_events = 0  # of them, those with a training metric: the logging events a step count follows
        self._eval_events = 0
        self._epoch_step: tuple = (None, NAN)  # the last epoch counter seen with a step, and that step
        self._mxnet: tuple = (None, 0, 0)  # MXNet's epoch, its last batch, and the batches of the epochs before
        self._last_dict: tuple = (0, NAN, NO_RANK, {})  # the record count, epoch, rank and numbers of the last dict
        self._order = 0.0  # the logging order of the last record
        self._last_width = 0  # how many points the last record held
        self._unplaced: list = []  # (buffer, index) of points recorded before any step was known
        self.dropped_series = 0
        self.long_lines = 0
        self.bad_counters = 0

    # --- entry point ---------------------------------------------------------------------------------------------
    def feed(self, raw: str, lineno: int) -> None:
        """Read one physical line (split on newlines only; carriage returns separate progress-bar refreshes)."""
        self.lineno = lineno
        if len(raw) > MAX_LINE_CHARS:
            self.long_lines += 1  # no log line is this long: its start and its latest refresh are what count
            raw = raw[:MAX_LINE_CHARS // 2] + "\r" + raw[-(MAX_LINE_CHARS // 2):]
        for line in refreshes(raw):
            self._text(line)

    def finish(self) -> Built:
        """The series read (each buffer freed once copied), once the last line was fed."""
        self.settle_errors()
        return build_series(self.series, self.source, self.kept_rank(), self.steps_per_epoch)

    # --- one logical line ----------------------------------------------------------------------------------------
    def _text(self, line: str) -> None:
        if not P.MAYBE_USEFUL.search(line):
            if self.table is None and not ("|" in line or "," in line or "\t" in line or "  " in line):
                return
        else:
            self.saw_digits = self.saw_digits or any(c.isdigit() for c in line)
        if "tensor(" in line:
            if "loss" not in self.config:
                fn = P.GRAD_FN.search(line)
                if fn:  # the autograd node names the loss function: BinaryCrossEntropy -> a binary task
                    self.config.set("loss", fn.group("fn"), self.source, self.lineno)
            line = P.TENSOR.sub(lambda m: m.group("val"), line)
        if self._plans is not None and self.table is None and self._traceback is None and "\x1b" not in line \
                and "\x00" not in line:
            key, parts, toks = Y.shape_key(line)
            plan = self._plans.get(key)
            if plan is None:
                plan = Y.plan(line, parts)
                if len(self._plans) >= MAX_SHAPES:
                    self._plans.clear()  # a log of ever-new shapes: start again rather than grow
                self._plans[key] = plan
            if plan is not Y.SLOW:
                self._run(plan, toks, line)
                return
        self._text_slow(line)

    def _run(self, plan: tuple, toks: list, line: str) -> None:
        kind, rank, body = plan
        r = self._saw_rank(rank)
        if kind is Y.FIELDS:
            self._run_fields(body, toks, r, line)
        elif kind is Y.DICT:
            if body is not None:
                self._run_dict(body, toks, r)
        elif body:  # Y.SKIP of a cut line's end
            self.fragments += 1

    def _text_slow(self, line: str) -> None:
        rank, text, warned = L.strip_prefixes(line)
        if not text:
            return  # blank lines do not end a pasted table
        r = self._saw_rank(rank)
        if self._crash(line, text) or self._hf_banner(text):
            return
        if self._events(text, r, warned):
            return
        if self._table(text, r):
            return
        if P.LAUNCH.match(text):
            self._launch(text)
            return
        if "/" in text and "[" in text:
            m = P.KERAS.match(text) or P.TQDM.search(text)
            if m and not P.FRAMEWORK_PROGRESS.search(text) and not P.PARTIAL_EVAL.match(text):
                self._bar(text, m, r)
                return
        if P.NAMESPACE.search(text):
            self._settings(text)
            return
        m = P.DOTTED_SETTING.match(text)
        if m:
            config_keys.apply(self.config, m.group("key"), m.group("val"), self.source, self.lineno)
            return
        m = P.CAFFE_OUTPUT.search(text)
        if m:
            self._caffe(m, r)
            return
        if P.DICT_LINE.match(text):
            body = Y.dict_layout(text, Y.LITERAL)
            if body is not None:
                self._run_dict(body, [], r)
            return
        m = P.EPOCH_HEADER.match(text)
        if m:
            self.open_epoch = self._epoch_index(int(m.group("ep")))
            self.config.set("num_epochs", int(m.group("n")), self.source, self.lineno)
            self.last_epoch = float(self.open_epoch - 1)
            return
        if P.PARTIAL_EVAL.match(text):
            return
        if P.FRAGMENT.match(text):
            self.fragments += 1
            return
        plan, cut = Y.fields_layout(text, Y.LITERAL)
        self._run_fields(plan, [], r, line, cut)

    # --- shapes --------------------------------------------------------------------------------------------------
    def _run_fields(self, plan: tuple, toks: list, rank: int, line: str, cut: Optional[str] = None) -> None:
        """Apply a field layout (see :func:`~.textlog_layout.fields_layout`) to the numbers ``toks`` of one line.
        ``cut`` is the text the layout was read from when known; a settings line is read again from it."""
        pre, ops, learning = plan
        step = epoch = NAN
        epoch_index = None
        batch = None
        explicit = False
        if pre is not None:
            step, epoch, epoch_index, batch, explicit = self._prefix_position(pre, toks)
        points = []
        for op in ops:
            kind = op[0]
            if kind is Y.POINT:
                value = Y.value_of(op[3], toks)
                if len(op) > 4:
                    value = value / op[4]  # `Accuracy: 1000/10000`
                points.append((op[1], op[2], value))
            elif kind is Y.STEP:
                v = Y.value_of(op[1], toks)
                if v >= 0:  # a step counts; `step -3` is no position
                    step, explicit = v, True
            elif kind is Y.EPOCH:
                epoch = Y.value_of(op[1], toks)
            elif kind is Y.EPOCH_INDEX:
                e = Y.value_of(op[1], toks)
                if epoch_index is None and abs(e) < MAX_COUNTER:
                    epoch_index, explicit = self._epoch_index(int(e)), True
                elif epoch_index is None:
                    self.bad_counters += 1  # `Epoch: inf` is no epoch: the line's other numbers still count
            elif kind is Y.TOTAL:
                total = int(Y.raw_of(op[2], toks))
                if total:
                    self.config.set(op[1], total, self.source, self.lineno)
            elif kind is Y.BATCH:
                b = Y.value_of(op[1], toks)
                if abs(b) < MAX_COUNTER:
                    batch, explicit = (int(b), op[2]), True
                else:
                    self.bad_counters += 1
            else:  # Y.APPLY
                config_keys.apply(self.config, op[1], Y.raw_of(op[2], toks), self.source, self.lineno)
        flags = EXPLICIT if explicit else 0
        has_context = step == step or epoch == epoch or epoch_index is not None or batch is not None
        if not has_context:
            if not learning:
                self._settings(cut if cut is not None else Y.cut_text(line))
                return
            step, epoch = self.last_step, self.last_epoch  # `eval acc 0.8` right after `step 100 ...`
            flags = INHERITED
            if self.open_epoch is not None:
                epoch = float(self.open_epoch)
                step = self._end_step(self.open_epoch)
        elif epoch_index is not None and batch is not None and batch[1] > 0:
            b, n = batch
            self.steps_per_epoch = n
            epoch = (epoch_index - 1) + b / n
            if step != step:
                step = float((epoch_index - 1) * n + b)
        elif epoch_index is not None:
            epoch = float(epoch_index)
            if step != step:
                step = self._end_step(epoch_index)
                if step != step and self._epoch_step[0] == epoch_index:
                    step = self._epoch_step[1]  # `| epoch 012 | valid on 'valid' subset |` after its train line
                flags |= EPOCH_LEVEL
        elif epoch != epoch and step == self.last_step:
            epoch = self.last_epoch  # an eval line at the step the train line just gave with its epoch
        if epoch_index is not None and step == step:
            self._epoch_step = (epoch_index, step)
        self._record(points, step, epoch, rank, flags=flags)

    def _prefix_position(self, pre: tuple, toks: list) -> tuple:
        """(step, epoch, epoch counter, (batch, of), explicit) from a framework's progress prefix."""
        kind = pre[0]
        if kind == "mmcv":
            _, ep, add, evaluation, b, n = pre
            e = int(Y.raw_of(ep, toks)) + add
            if evaluation:
                return NAN, NAN, e, None, True
            return NAN, NAN, e, (int(Y.raw_of(b, toks)), int(Y.raw_of(n, toks))), True
        if kind == "iter":
            _, b, n, evaluation = pre
            if evaluation:
                return self.last_step, self.last_epoch, None, None, False
            self.config.set("max_steps", int(Y.raw_of(n, toks)), self.source, self.lineno)
            return float(Y.raw_of(b, toks)), NAN, None, None, True
        if kind == "mxnet":
            e, b = self._epoch_index(int(Y.raw_of(pre[1], toks))), int(Y.raw_of(pre[2], toks))
            seen, last_b, offset = self._mxnet
            if seen is not None and seen != e:
                offset += last_b  # a new epoch: its batches count on from the last one's
            self._mxnet = (e, b, offset)
            return float(offset + b), NAN, None, None, True
        e = self._epoch_index(int(Y.raw_of(pre[1], toks)))
        if kind == "epoch_of":
            self.config.set("num_epochs", int(Y.raw_of(pre[2], toks)), self.source, self.lineno)
            return NAN, NAN, e, None, True
        if pre[2] is None:
            return NAN, NAN, e, None, True
        b, n = int(Y.raw_of(pre[2], toks)), int(Y.raw_of(pre[3], toks))
        if kind == "example":  # samples seen of the epoch's, not batches: the epoch's fraction only
            return NAN, (e - 1) + (b / n if n else 0.0), None, None, True
        return NAN, NAN, e, (b, n), True

    # --- helpers -------------------------------------------------------------------------------------------------
    def _epoch_index(self, e: int, learn: bool = True) -> int:
        """A 1-based epoch number (logs that count from 0 are shifted)."""
        if self.epoch_base is None and learn:
            self.epoch_base = 0 if e == 0 else 1
        return e + 1 if self.epoch_base == 0 else e

    def _end_step(self, epoch_index: int) -> float:
        return float(epoch_index * self.steps_per_epoch) if self.steps_per_epoch else NAN

    def _record(self, points: list, step: float, epoch: float, rank: int, flags: int = 0) -> None:
        if step == step:
            if self.last_step != self.last_step and self._unplaced:
                self._place(step)
            self.last_step = step
        if epoch == epoch:
            self.last_epoch = epoch
        if not points:
            return
        self.records += 1
        if any(n.startswith("train/") or "/train/" in n for n, _, _ in points):
            self._train_events += 1
            order = float(self._train_events)
        else:
            self._eval_events += 1
            order = float(self._train_events or self._eval_events)
        self._order, self._last_width = order, len(points)
        series = self.series
        for name, label, value in points:
            buf = series.get(name)
            if buf is None:
                if len(series) >= MAX_SERIES:
                    self.dropped_series += 1
                    continue
                buf = series[name] = SeriesBuffer(label.strip())
            buf.add(value, step, epoch, rank, order, flags)
            if step != step and epoch != epoch and self.last_step != self.last_step \
                    and len(self._unplaced) < MAX_UNPLACED:
                self._unplaced.append((buf, len(buf.values) - 1))

    def _place(self, step: float) -> None:
        """Points printed before the log's first step take it: Caffe prints a test's outputs before the iteration's
        line, and a log pasted from its middle starts with lines whose step was cut off."""
        for buf, i in self._unplaced:
            if i < len(buf.step) and buf.step[i] != buf.step[i] and buf.epoch[i] != buf.epoch[i]:
                buf.step[i] = step
        self._unplaced = []

