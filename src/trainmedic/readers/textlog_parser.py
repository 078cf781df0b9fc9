"""The streaming console-log parser: feeds lines one at a time and keeps what spans lines (the epoch and step in
force, steps per epoch, progress bars, a table header, ranks, a traceback), writing points into compact buffers
(:mod:`.textlog_buffer`). Line shapes and lines are remembered (:mod:`.textlog_memory`); `key value` lines, progress bars,
tables, dict lines, events, tracebacks and processes have modules of their own (:mod:`.textlog_fields`,
:mod:`.textlog_bars`, :mod:`.textlog_tables`, :mod:`.textlog_dicts`, :mod:`.textlog_events`, :mod:`.textlog_crash`,
:mod:`.textlog_ranks`).
"""

from __future__ import annotations

import math
from typing import Optional

from ..run import RunConfig
from . import config_keys
from . import textlog_layout as Y
from . import textlog_line as L
from . import textlog_memory as M
from . import textlog_patterns as P
from .textlog_bars import BarsMixin, refreshes
from .textlog_buffer import EXPLICIT, INHERITED, MAX_SERIES, NO_RANK, Built, Records, SeriesBuffer, build_series
from .textlog_crash import CrashMixin
from .textlog_dicts import DictsMixin
from .textlog_events import EventsMixin
from .textlog_fields import FieldsMixin
from .textlog_memory import NOTHING, LineMemory
from .textlog_ranks import RanksMixin
from .textlog_tables import TablesMixin

NAN = math.nan
# Characters of one physical line that are read: a log line is a few hundred; a longer one is progress-bar refreshes
# (the latest counts) or not a log, and reading it all would make the cost per line grow with the line.
MAX_LINE_CHARS = 32 * 1024
# Points without any position remembered until the log's first step gives them one; a log that never gives a step
# keeps its line order instead.
MAX_UNPLACED = 10000


class LogParser(FieldsMixin, DictsMixin, EventsMixin, BarsMixin, TablesMixin, CrashMixin, RanksMixin):
    """Turns the lines of one console log into series buffers, events and config values (with file and line)."""

    def __init__(self, source: str, remember_shapes: bool = True):
        """``remember_shapes=False`` reads every line in full (the reference the shape memory is tested against)."""
        self.source = source
        self._memory: Optional[LineMemory] = LineMemory() if remember_shapes else None
        self._refresh_shapes: Optional[dict] = {} if remember_shapes else None
        self.series: dict = {}
        self.records_at = Records()  # where each record stands, for the points of every series
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
        self.framework: Optional[str] = None  # the framework whose own output the log shows, when it is certain
        self._framework_checked: set = set()  # the dict-line layouts already looked at for it
        self._event_keys: set = set()
        self.saw_digits = False
        self.records = 0  # lines that recorded points
        self._train_events = 0  # of them, those with a training metric: the logging events a step count follows
        self._eval_events = 0
        self._epoch_step: tuple = (None, NAN)  # the last epoch counter seen with a step, and that step
        self._mxnet: tuple = (None, 0, 0)  # MXNet's epoch, its last batch, and the batches of the epochs before
        # The record count, epoch, rank, layout and numbers of the last dict line
        self._last_dict: tuple = (0, NAN, NO_RANK, ((), frozenset(), False), [])
        self._order = 0.0  # the logging order of the last record
        self._unplaced: list = []  # the records of points recorded before any step was known
        self.dropped_series = 0
        self._means = {}
        self.recovered_means = {}
        self.long_lines = 0
        self.bad_counters = 0

    # --- entry point ---------------------------------------------------------------------------------------------
    def feed(self, raw: str, lineno: int) -> None:
        """Read one physical line (split on newlines only; carriage returns separate progress-bar refreshes)."""
        self.lineno = lineno
        if len(raw) > MAX_LINE_CHARS:
            self.long_lines += 1  # no log line is this long: its start and its latest refresh are what count
            raw = raw[: MAX_LINE_CHARS // 2] + "\r" + raw[-(MAX_LINE_CHARS // 2) :]
        if "\r" not in raw:
            self._text(raw)
            return
        for line, zeroed in refreshes(raw, self._refresh_shapes):
            self._text(line, zeroed)

    def finish(self) -> Built:
        """The series read (each buffer freed once copied), once the last line was fed."""
        self.settle_errors()
        return build_series(self.series, self.records_at, self.source, self.kept_rank(), self.steps_per_epoch)

    # --- one logical line ----------------------------------------------------------------------------------------
    def _text(self, line: str, zeroed: Optional[bytes] = None) -> None:
        """Read one logical line (``zeroed``: the line with its digits written as 0, when already known)."""
        memory = self._memory
        if memory is None or self.table is not None or self._traceback is not None:
            memory = zeroed = None  # tables and tracebacks are read line by line
        else:
            if zeroed is None:
                zeroed = M.zeroed(line)
            template = memory.templates.get(zeroed)  # see LineMemory.recall: this is the loop over every line
            if template is not None:
                spans, fixed, plans = template
                plan = plans.get(tuple([line[a:b] for a, b in fixed]) if fixed else ())
                if plan is not None:
                    if plan is Y.SLOW:
                        self._text_slow(line)
                    elif plan is not NOTHING:
                        self._run(plan, [line[a:b] for a, b in spans], line)
                    return
        if not P.MAYBE_USEFUL.search(line):
            if self.table is None and not ("|" in line or "," in line or "\t" in line or "  " in line):
                if zeroed is not None:
                    memory.remember(zeroed, NOTHING, line, [line])
                return
        else:
            self.saw_digits = self.saw_digits or any(c.isdigit() for c in line)
        if "tensor(" in line:
            zeroed = None  # the line read is not the line printed
            if "loss" not in self.config:
                fn = P.GRAD_FN.search(line)
                if fn:  # the autograd node names the loss function: BinaryCrossEntropy -> a binary task
                    self.config.set("loss", fn.group("fn"), self.source, self.lineno)
            line = P.TENSOR.sub(lambda m: m.group("val"), line)
        if memory is not None and "\x1b" not in line and "\x00" not in line:
            plan, toks, parts = memory.layout(line)
            if zeroed is not None:
                memory.remember(zeroed, plan, line, parts)
            if plan is not Y.SLOW:
                self._run(plan, toks, line)
                return
        self._text_slow(line)

    def _run(self, plan: tuple, toks: list, line: str) -> None:
        kind, rank, body = plan
        r = NO_RANK if rank is None else self._saw_rank(rank)
        if kind is Y.DICT:
            if body is not None:
                self._run_dict(body, toks, r)
        elif kind is Y.FIELDS:
            self._run_fields(body, toks, r, line)
        elif kind is Y.BAR:
            self._run_bar(body, toks, r)
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
        if P.YOLO_RESULTS.match(text):
            self._yolo_results(text, r)
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

    # --- helpers -------------------------------------------------------------------------------------------------
    def _epoch_index(self, e: int, learn: bool = True) -> int:
        """A 1-based epoch number (logs that count from 0 are shifted)."""
        if self.epoch_base is None and learn:
            self.epoch_base = 0 if e == 0 else 1
        return e + 1 if self.epoch_base == 0 else e

    def _end_step(self, epoch_index: int) -> float:
        return float(epoch_index * self.steps_per_epoch) if self.steps_per_epoch else NAN

    def _record(
        self, points: list, step: float, epoch: float, rank: int, flags: int = 0, train: Optional[bool] = None
    ) -> None:
        """Record ``(name, label, value)`` points at one position; ``train`` says whether one is a training metric
        (worked out from the names when not given)."""
        if step == step:
            if self.last_step != self.last_step and self._unplaced:
                self._place(step)
            self.last_step = step
        if epoch == epoch:
            self.last_epoch = epoch
        if not points:
            return
        self.records += 1
        if train is None:
            train = any(L.is_training(n) for n, _, _ in points)
        if train:
            self._train_events += 1
            order = float(self._train_events)
        else:
            self._eval_events += 1
            order = float(self._train_events or self._eval_events)
        self._order = order
        series = self.series
        at = self.records_at
        steps, epochs = at.step, at.epoch
        r = len(steps)  # the new record (Records.add, inline: this runs for every line of a log)
        steps.append(step)
        epochs.append(epoch)
        at.rank.append(rank)
        at.order.append(order)
        at.flags.append(flags)
        unplaced = step != step and epoch != epoch and self.last_step != self.last_step
        restated = flags & (EXPLICIT | INHERITED)  # only such points can replace or restate the one before
        for name, label, value in points:
            buf = series.get(name)
            if buf is None:
                if len(series) >= MAX_SERIES:
                    self.dropped_series += 1
                    continue
                buf = series[name] = SeriesBuffer(label.strip(), at)
            rec = buf.rec
            if restated and rec:
                q = rec[-1]
                s, e = steps[q], epochs[q]
                if (s == step or (s != s and step != step)) and (e == epoch or (e != e and epoch != epoch)):
                    buf.add(value, r, step, epoch, rank, flags)  # the same position again: see SeriesBuffer.add
                    if unplaced and len(self._unplaced) < MAX_UNPLACED:
                        self._unplaced.append(rec[-1])
                    continue
            buf.values.append(value)
            rec.append(r)
            if unplaced and len(self._unplaced) < MAX_UNPLACED:
                self._unplaced.append(rec[-1])

    def _place(self, step: float) -> None:
        """Points printed before the log's first step take it: Caffe prints a test's outputs before the iteration's
        line, and a log pasted from its middle starts with lines whose step was cut off."""
        at = self.records_at
        for r in self._unplaced:
            if at.step[r] != at.step[r] and at.epoch[r] != at.epoch[r]:
                at.step[r] = step
        self._unplaced = []
