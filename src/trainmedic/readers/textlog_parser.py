"""The streaming console-log parser: feeds lines one at a time and keeps what spans lines (the epoch and step in
force, steps per epoch, progress bars, a table header, ranks), writing points into compact buffers.
"""

from __future__ import annotations

import math
import re
from array import array
from typing import Optional

from ..names import BOOKKEEPING, normalise
from ..run import Event, RunConfig
from . import config_keys
from . import textlog_line as L
from . import textlog_patterns as P

NAN = math.nan
# One warning printed every step (gradient overflow) must not grow the event list without bound.
MAX_EVENTS = 5000
# A traceback's frames are a few dozen lines (recursion is folded into `[Previous line repeated N more times]`);
# past this many without the exception's line, the traceback was cut off and the lines after it are read again.
MAX_TRACEBACK_LINES = 1000
# Line shapes whose layout is remembered at once. A log prints a handful of shapes over and over (a few dozen with
# its timestamps' and steps' digit counts); one that prints ever-new shapes starts the memory again when it is full,
# so memory stays bounded whatever the log.
MAX_SHAPES = 4096
_NO_RANK = -1
# Token digits written as 0: the shape keeps how many digits an integer part has (timestamps, `\d{1,3}%`), not which.
_AS_ZEROS = str.maketrans("123456789", "000000000")
# What a remembered layout does with a line, and the steps of a layout.
_FIELDS, _DICT, _SKIP = "fields", "dict", "skip"
_POINT, _STEP, _EPOCH, _EPOCH_INDEX, _TOTAL, _BATCH, _APPLY = "point", "step", "epoch", "epoch#", "total", "batch", "apply"
# Lines whose layout depends on more than their shape (events, tables, bars, settings): read in full every time.
_SLOW = ("slow", None, None)
_BLANK = (_SKIP, None, None)
# `rank 1` with a space: the rank's digits are a token, so the shape cannot carry the rank.
_RANK_SPACED = re.compile(r"(?:rank|RANK|Rank)\s+\d")
# The settings of the Trainer's training banner (keys lower-cased), by config key. `Gradient Accumulation steps` and
# `Total optimization steps` would otherwise read as a step counter.
HF_BANNER_KEYS = {
    "num examples": "train_examples", "num epochs": "num_epochs", "num update steps per epoch": "steps_per_epoch",
    "instantaneous batch size per device": "per_device_batch",
    "total train batch size (w. parallel, distributed & accumulation)": "effective_batch",
    "gradient accumulation steps": "grad_accum", "total optimization steps": "max_steps",
    "number of trainable parameters": "trainable_params",
}
# The ``exception`` of an error event from a CUDA kernel's assertion, which is no Python exception.
DEVICE_ASSERT = "DeviceAssertion"


class SeriesBuffer:
    """Points of one series in typed arrays (8 bytes a number), not per-line objects: a 1 GB log stays small."""

    __slots__ = ("label", "values", "step", "epoch", "rank")

    def __init__(self, label: str):
        self.label = label
        self.values, self.step, self.epoch = array("d"), array("d"), array("d")
        self.rank = array("h")

    def add(self, value: float, step: float, epoch: float, rank: int) -> None:
        n = len(self.values)
        if n and self.rank[-1] == rank and _same(self.step[-1], step) and _same(self.epoch[-1], epoch):
            self.values[-1] = value  # the same point printed twice: keep one
            return
        self.values.append(value)
        self.step.append(step)
        self.epoch.append(epoch)
        self.rank.append(rank)


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


class LogParser:
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
        self.table: Optional[list] = None
        self.bars: dict = {}
        self._event_keys: set = set()
        self.saw_digits = False
        self._traceback: Optional[int] = None  # lines read of the traceback being printed, None outside one
        self._banner: Optional[str] = None  # the Trainer banner in force: `training`, `evaluation`, `prediction`

    # --- entry point ---------------------------------------------------------------------------------------------
    def feed(self, raw: str, lineno: int) -> None:
        """Read one physical line (split on newlines only; carriage returns separate progress-bar refreshes)."""
        self.lineno = lineno
        if "\r" not in raw:
            self._text(raw)
            return
        pending = None
        pending_n = None  # the total of the pending bar (each refresh is searched once)
        for seg in raw.split("\r"):
            if not seg.strip():
                continue
            m = P.TQDM.search(seg)
            same_bar = m is not None and pending is not None and pending_n == m.group("n")
            if m and not seg[m.end():].strip():
                if pending is not None and not same_bar:
                    self._text(pending)
                pending, pending_n = seg, m.group("n")  # only the last refresh of a bar counts
                continue
            if pending is not None and not same_bar:
                self._text(pending)
            pending = None  # a later refresh glued to the next line supersedes it
            self._text(seg)
        if pending is not None:
            self._text(pending)

    # --- one logical line ----------------------------------------------------------------------------------------
    def _text(self, line: str) -> None:
        if not P.MAYBE_USEFUL.search(line):
            if self.table is None and not ("|" in line or "," in line or "\t" in line):
                return
        else:
            self.saw_digits = self.saw_digits or any(c.isdigit() for c in line)
        if self._plans is not None and self.table is None and self._traceback is None and "\x1b" not in line \
                and "\x00" not in line:
            parts = P.TOKEN.split(line)
            toks = parts[1::2]
            key = "\x00".join(parts[0::2])
            if toks:
                key += "\x01" + P.LONG_FRACTION.sub(".0", "\x00".join(toks).translate(_AS_ZEROS))
            plan = self._plans.get(key)
            if plan is None:
                plan = _plan(line, parts)
                if len(self._plans) >= MAX_SHAPES:
                    self._plans.clear()  # a log of ever-new shapes: start again rather than grow
                self._plans[key] = plan
            if plan is not _SLOW:
                self._run(plan, toks, line)
                return
        self._text_slow(line)

    def _run(self, plan: tuple, toks: list, line: str) -> None:
        kind, rank, body = plan
        if rank is not None and rank not in self.ranks:
            self.ranks.append(rank)
        if kind is _FIELDS:
            self._run_fields(body, toks, _NO_RANK if rank is None else rank, line)
        elif kind is _DICT:
            self._run_dict(body, toks, _NO_RANK if rank is None else rank)

    def _text_slow(self, line: str) -> None:
        rank, text, warned = L.strip_prefixes(line)
        if not text:
            return  # blank lines do not end a pasted table
        if rank is not None and rank not in self.ranks:
            self.ranks.append(rank)
        r = _NO_RANK if rank is None else rank
        if self._crash(line, text) or self._hf_banner(text):
            return
        if self._events(text, r, warned):
            return
        if self._table(text, r):
            return
        if "/" in text and "[" in text:
            m = P.KERAS.match(text) or P.TQDM.search(text)
            if m and not P.MMCV.search(text) and not P.TORCHVISION.search(text) and not P.PARTIAL_EVAL.match(text):
                self._bar(text, m, r)
                tail = text[m.end():]
                if m.re is P.TQDM and tail.strip() and not tail.lstrip().startswith(("-", ",")):
                    self._text(tail)  # a progress bar glued to the next line
                return
        if P.NAMESPACE.search(text):
            self._settings(text)
            return
        if P.DICT_LINE.match(text):
            toks, ref = _text_refs(text)
            self._run_dict(_dict_plan(text, ref), toks, r)
            return
        m = P.EPOCH_HEADER.match(text)
        if m:
            self.open_epoch = self._epoch_index(int(m.group("ep")))
            self.config.set("num_epochs", int(m.group("n")), self.source, self.lineno)
            self.last_epoch = float(self.open_epoch - 1)
            return
        if P.PARTIAL_EVAL.match(text):
            return
        toks, ref = _text_refs(text)
        plan, cut = _fields_plan(text, ref)
        self._run_fields(plan, toks, r, line, cut)

    # --- shapes --------------------------------------------------------------------------------------------------
    def _run_fields(self, plan: tuple, toks: list, rank: int, line: str, cut: Optional[str] = None) -> None:
        """Apply a field layout (see :func:`_fields_plan`) to the numbers ``toks`` of one line. ``cut`` is the text
        the layout was read from when known; a line that turns out to be a settings line is read again from it."""
        pre, ops, learning = plan
        step = epoch = NAN
        epoch_index = None
        batch = None
        if pre is not None:
            if pre[0] == "mmcv":
                _, ep, add, evaluation, b, n = pre
                e = int(_raw(ep, toks)) + add
                if evaluation:
                    epoch_index = e
                else:
                    epoch_index, batch = e, (int(_raw(b, toks)), int(_raw(n, toks)))
            else:
                _, ep, b, n = pre
                epoch_index = self._epoch_index(int(_raw(ep, toks)))
                if b is not None:
                    batch = (int(_raw(b, toks)), int(_raw(n, toks)))
        points = []
        for op in ops:
            kind = op[0]
            if kind is _POINT:
                r = op[3]
                points.append((op[1], op[2], float(toks[r]) if r.__class__ is int else _value(r, toks)))
            elif kind is _STEP:
                r = op[1]
                step = float(toks[r]) if r.__class__ is int else _value(r, toks)
            elif kind is _EPOCH:
                r = op[1]
                epoch = float(toks[r]) if r.__class__ is int else _value(r, toks)
            elif kind is _EPOCH_INDEX:
                if epoch_index is None:
                    epoch_index = self._epoch_index(int(_value(op[1], toks)))
            elif kind is _TOTAL:
                total = int(_raw(op[2], toks))
                if total:
                    self.config.set(op[1], total, self.source, self.lineno)
            elif kind is _BATCH:
                batch = (int(_value(op[1], toks)), op[2])
            else:  # _APPLY
                config_keys.apply(self.config, op[1], _raw(op[2], toks), self.source, self.lineno)
        has_context = step == step or epoch == epoch or epoch_index is not None or batch is not None
        if not has_context:
            if not learning:
                self._settings(cut if cut is not None else _cut_text(line))
                return
            step, epoch = self.last_step, self.last_epoch  # `eval acc 0.8` right after `step 100 ...`
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
        elif epoch != epoch and step == self.last_step:
            epoch = self.last_epoch  # an eval line at the step the train line just gave with its epoch
        self._record(points, step, epoch, rank)

    def _bar(self, text: str, m, rank: int) -> None:
        b, n = int(m.group("b")), int(m.group("n"))
        head = text[:m.start()]
        post = text[m.end():] if m.re is P.KERAS else m.group("post")
        split = L.line_split(head) or "train"
        e = None
        em = P.AT_EPOCH.search(head)
        if em:
            e = self._epoch_index(int(em.group(1)))
        elif self.open_epoch is not None and m.re is P.KERAS:
            e = self.open_epoch
        if split == "eval" or n <= 0:
            step, epoch = self.last_step, self.last_epoch
        elif e is not None:
            self.steps_per_epoch = n
            step, epoch = float((e - 1) * n + b), (e - 1) + b / n
        else:
            key = (P.NUM_RE.sub("", head).strip(), n)
            last_b, offset = self.bars.get(key, (0, 0))
            if b < last_b:
                offset += n  # the bar restarted: a new epoch
            self.bars[key] = (b, offset)
            step, epoch = float(offset + b), NAN
        points = []
        for f in L.fields(post):
            if L.key_role(f.key) == "metric":
                name = L.metric_name(f.key, f.split or split)
                if name:
                    points.append((name, f.key, f.value))
        self._record(points, step, epoch, rank)

    def _run_dict(self, plan: tuple, toks: list, rank: int) -> None:
        """Apply a dict-line layout (see :func:`_dict_plan`) to the numbers ``toks`` of one line."""
        step = epoch = NAN
        points = []
        for op in plan:
            r = op[-1]
            value = float(toks[r]) if r.__class__ is int else _value(r, toks)
            kind = op[0]
            if kind is _POINT:
                points.append((op[1], op[2], value))
            elif kind is _STEP:
                step = value
            else:
                epoch = value
        if step != step and epoch != epoch:
            step, epoch = self.last_step, self.last_epoch
        self._record(points, step, epoch, rank)

    def _table(self, text: str, rank: int) -> bool:
        if P.TABLE_RULE.match(text):
            return self.table is not None
        cells = L.table_cells(text)
        if cells is None:
            self.table = None
            return False
        if all(P.CELL_NAME.match(c) for c in cells):
            self.table = cells
            return True
        if self.table is None or len(cells) != len(self.table) or not all(P.CELL_NUM.match(c) for c in cells):
            self.table = None
            return False
        step = epoch = NAN
        points = []
        for key, cell in zip(self.table, cells):
            value = L.parse_number(cell.strip())
            role = L.key_role(key)
            if role == "epoch":
                epoch = value if "." in cell else float(self._epoch_index(int(value)))
            elif role == "step":
                step = value
            else:
                name = normalise(key)
                if name.split("/")[-1] not in BOOKKEEPING:
                    points.append((name, key, value))
        self._record(points, step, epoch, rank)
        return True

    def _settings(self, text: str) -> None:
        for key, raw in L.settings(text):
            words = str(key).split()
            for i in range(len(words)):  # `Loading model with lr: 0.1` -> lr
                if config_keys.apply(self.config, " ".join(words[i:]), raw, self.source, self.lineno):
                    break
        m = P.ACCUM_PRODUCT.search(text)
        if m:
            self.config.set("per_device_batch", int(m.group(1)), self.source, self.lineno)
            self.config.set("grad_accum", int(m.group(2)), self.source, self.lineno)

    # --- events --------------------------------------------------------------------------------------------------
    def _events(self, text: str, rank: int, warned: bool) -> bool:
        if not P.EVENT_HINT.search(text):
            return False
        kind, data = None, {}
        if P.EARLY_STOP.search(text):
            kind = "early_stop"
            self._settings(text)  # `(patience=3)`
        elif P.WARNINGS.search(text):
            kind = "warning"
        else:
            m = P.RESUME.search(text)
            if m:
                kind, data = "resume", {"path": m.group("path").rstrip(".,;:")}
            else:
                path = L.checkpoint_path(text)
                if path is None:
                    return False
                kind, data = "checkpoint", {"path": path}
        if rank not in (_NO_RANK, self._rank_kept()):
            return True
        step, epoch = self._event_position(text)
        key = (kind, step, epoch, text)
        if key not in self._event_keys and len(self.events) < MAX_EVENTS:
            self._event_keys.add(key)
            self.events.append(Event(kind, step=step, epoch=epoch, message=text, data=data,
                                     source=f"{self.source}:{self.lineno}"))
        return True

    def _crash(self, line: str, text: str) -> bool:
        """Read a traceback (its exception's line becomes an ``error`` event) or a CUDA device-side assertion;
        False when ``text`` is neither and is read as any other line."""
        if self._traceback is None:
            if P.TRACEBACK_START.match(text):
                self._traceback = 0
                return True
            m = P.CUDA_ASSERT.search(text)
            if m is None:
                return False
            data = {"exception": DEVICE_ASSERT}
            if m.group("expr"):
                data["assertion"] = m.group("expr")
            self._error(text, data, m.group("expr") or text)  # one event however many threads print it
            return True
        self._traceback += 1
        rest = line[P.TRACEBACK_PREFIX.match(line).end():]
        if (rest[:1].isspace() or text.startswith(('File "', "[Previous line")) or P.TRACEBACK_START.match(text)
                or P.TRACEBACK_CHAIN.match(text)):
            if self._traceback > MAX_TRACEBACK_LINES:
                self._traceback = None
            return True
        self._traceback = None
        m = P.EXCEPTION_LINE.match(text)
        if m is None:
            return False  # the traceback was cut off: this line is the log going on
        data = {"exception": m.group("exc").rsplit(".", 1)[-1], "detail": (m.group("msg") or "").strip()}
        if P.CUDA_ASSERT.search(text):
            data["device_assert"] = True
        self._error(text, data, text)
        return True

    def _hf_banner(self, text: str) -> bool:
        """Read the Trainer's `***** Running training *****` block into config (its evaluation blocks count the eval
        set, and are skipped); False when ``text`` is no banner line or no banner was opened."""
        m = P.HF_RUNNING.search(text)
        if m:
            self._banner = m.group("what").lower()
            return True
        m = P.HF_BANNER.match(text) if self._banner is not None else None
        if m is None:
            return False
        key = HF_BANNER_KEYS.get(m.group("key").lower())
        if self._banner == "training" and key is not None:
            self.config.set(key, int(m.group("val").replace(",", "")), self.source, self.lineno)
        return True

    def _error(self, text: str, data: dict, key: str) -> None:
        """An ``error`` event where the run stopped: the step after the last one logged, in the last epoch."""
        step = self.last_step + 1 if self.last_step == self.last_step else None
        epoch = self.last_epoch if self.last_epoch == self.last_epoch else None
        event_key = ("error", step, epoch, key)
        if event_key not in self._event_keys and len(self.events) < MAX_EVENTS:
            self._event_keys.add(event_key)
            self.events.append(Event("error", step=step, epoch=epoch, message=text, data=data,
                                     source=f"{self.source}:{self.lineno}"))

    def _event_position(self, text: str) -> tuple:
        m = P.CHECKPOINT_STEP.search(text) or P.AT_STEP.search(text)
        step = float(m.group(1)) if m else (self.last_step if self.last_step == self.last_step else None)
        m = P.AT_EPOCH.search(text)
        if m:
            epoch = float(self._epoch_index(int(m.group(1)), learn=False))
        else:
            epoch = self.last_epoch if self.last_epoch == self.last_epoch else None
        return step, epoch

    # --- helpers -------------------------------------------------------------------------------------------------
    def _rank_kept(self) -> int:
        return 0 if 0 in self.ranks else (self.ranks[0] if self.ranks else _NO_RANK)

    def _epoch_index(self, e: int, learn: bool = True) -> int:
        """A 1-based epoch number (logs that count from 0 are shifted)."""
        if self.epoch_base is None and learn:
            self.epoch_base = 0 if e == 0 else 1
        return e + 1 if self.epoch_base == 0 else e

    def _end_step(self, epoch_index: int) -> float:
        return float(epoch_index * self.steps_per_epoch) if self.steps_per_epoch else NAN

    def _record(self, points: list, step: float, epoch: float, rank: int) -> None:
        if step == step:
            self.last_step = step
        if epoch == epoch:
            self.last_epoch = epoch
        series = self.series
        for name, label, value in points:
            buf = series.get(name)
            if buf is None:
                buf = series[name] = SeriesBuffer(label.strip())
            # SeriesBuffer.add, inlined: this runs for every point of the log
            values = buf.values
            if values and buf.rank[-1] == rank:
                s, e = buf.step[-1], buf.epoch[-1]
                if (s == step or (s != s and step != step)) and (e == epoch or (e != e and epoch != epoch)):
                    values[-1] = value  # the same point printed twice: keep one
                    continue
            values.append(value)
            buf.step.append(step)
            buf.epoch.append(epoch)
            buf.rank.append(rank)


def _section_label(f) -> bool:
    return bool(f.split) and L.split_of(f.key.replace("_", " ").split()[0]) is None and f.split != "train"


# --- layouts ---------------------------------------------------------------------------------------------------------
# A layout is worked out once per line shape (the line with its number tokens blanked, see ``LogParser._text``) and
# then applied to the numbers of every line of that shape. It refers to a number either by the index of its token
# on the line or, when the number is part of the shape itself (`EP1`, `180/400`, `nan`), by its value.


class _Uncacheable(Exception):
    """A line whose layout would depend on the digits of its tokens, not only on its shape."""


class _Refs:
    """Where a number a layout uses stands: a token of the line (an index) or fixed text (a literal).

    Built without ``parts`` it knows no tokens: every number is a literal, for a layout used on one line only.
    """

    __slots__ = ("offset", "tokens", "spans")

    def __init__(self, parts: Optional[list] = None, offset: int = 0):
        self.offset = offset
        self.tokens: dict = {}
        self.spans: list = []
        pos = 0
        for i, part in enumerate(parts or ()):
            if i & 1:
                self.tokens[pos] = (i >> 1, pos + len(part), part)
                self.spans.append((pos, pos + len(part)))
            pos += len(part)

    def _token(self, span: tuple) -> Optional[tuple]:
        a, b = span[0] + self.offset, span[1] + self.offset
        hit = self.tokens.get(a)
        if hit is not None and hit[1] == b:
            return hit
        for s, e in self.spans:
            if s < b and a < e:
                raise _Uncacheable  # part of a token: its meaning could change with the token's digits
        return None

    def raw(self, span: tuple, literal: str):
        """The text of a number: a token index, or the literal text."""
        hit = self._token(span)
        return literal if hit is None else hit[0]

    def value(self, span: tuple, literal: str):
        """A number's value: a token index (plain float), ``("p", index)`` (needs :func:`~.textlog_line.parse_number`),
        or the literal's value."""
        hit = self._token(span)
        if hit is None:
            return L.parse_number(literal)
        i, _, tok = hit
        return ("p", i) if ("," in tok or "%" in tok) else i

    def check(self, span: tuple) -> None:
        """Text that names something (a key) must not hold a token."""
        if self._token(span) is not None:
            raise _Uncacheable


_LITERAL = _Refs()


def _value(r, toks: list) -> float:
    if r.__class__ is int:
        return float(toks[r])
    if r.__class__ is float:
        return r
    return L.parse_number(toks[r[1]])


def _raw(r, toks: list) -> str:
    return toks[r] if r.__class__ is int else r


def _text_refs(text: str) -> tuple:
    """No tokens and literal references: a layout for this one text."""
    return [], _LITERAL


def _kind(text: str) -> Optional[str]:
    """What ``LogParser._text_slow`` would do with ``text`` when no table is open, without doing it: ``None`` for
    the lines read in full every time."""
    if P.TRACEBACK_START.match(text) or P.CUDA_ASSERT.search(text) or P.HF_RUNNING.search(text) \
            or P.HF_BANNER.match(text):
        return None
    if P.EVENT_HINT.search(text) and (P.EARLY_STOP.search(text) or P.WARNINGS.search(text) or P.RESUME.search(text)
                                      or P.SAVE_WORD.search(text)):
        return None
    if not P.TABLE_RULE.match(text):
        cells = L.table_cells(text)
        if cells is not None and all(P.CELL_NAME.match(c) for c in cells):
            return None  # a table header
    if "/" in text and "[" in text:
        m = P.KERAS.match(text) or P.TQDM.search(text)
        if m and not P.MMCV.search(text) and not P.TORCHVISION.search(text) and not P.PARTIAL_EVAL.match(text):
            return None
    if P.NAMESPACE.search(text):
        return None
    if P.DICT_LINE.match(text):
        return _DICT
    if P.EPOCH_HEADER.match(text):
        return None
    if P.PARTIAL_EVAL.match(text):
        return _SKIP
    return _FIELDS


def _plan(line: str, parts: list) -> tuple:
    """The layout of ``line`` (split into literal text and tokens by ``parts``), or ``_SLOW``."""
    rank, text, _ = L.strip_prefixes(line)
    if not text:
        return _BLANK
    if rank is not None and _RANK_SPACED.search(line):
        return _SLOW
    offset = len(line.rstrip()) - len(text)
    if offset < 0 or line[offset:offset + len(text)] != text:
        return _SLOW
    kind = _kind(text)
    if kind is None:
        return _SLOW
    if kind is _SKIP:
        return (_SKIP, rank, None)
    refs = _Refs(parts, offset)
    try:
        body = _dict_plan(text, refs) if kind is _DICT else _fields_plan(text, refs)[0]
    except _Uncacheable:
        return _SLOW
    return (kind, rank, body)


def _dict_plan(text: str, refs: _Refs) -> tuple:
    """The layout of a dict line: ``(kind, ..., value)`` steps in the order the keys stand."""
    ops = []
    for m in P.DICT_PAIR.finditer(text):
        key = m.group("key")
        refs.check(m.span("key"))
        value = refs.value(m.span("val"), m.group("val"))
        role = L.key_role(key)
        if role == "epoch":
            ops.append((_EPOCH, value))
        elif role == "step":
            ops.append((_STEP, value))
        else:
            name = normalise(key)
            if name.split("/")[-1] not in BOOKKEEPING:
                ops.append((_POINT, name, key, value))
    return tuple(ops)


def _fields_plan(text: str, refs: _Refs) -> tuple:
    """The layout of a ``key value`` line: ``((framework prefix, steps, has a learning signal), text without the
    framework prefix)``. ``LogParser._run_fields`` applies it."""
    split = L.line_split(text)
    cut = None
    pre = None
    for rx in (P.MMCV, P.TORCHVISION):
        m = rx.search(text)
        if m:
            add = 1 if rx is P.TORCHVISION else 0  # torchvision counts from 0
            ep = refs.raw(m.span("ep"), m.group("ep"))
            if m.groupdict().get("mode") in ("val", "test"):
                pre = ("mmcv", ep, add, True, None, None)
            else:
                pre = ("mmcv", ep, add, False, refs.raw(m.span("b"), m.group("b")), refs.raw(m.span("n"), m.group("n")))
            text = text[:m.start()] + " " + text[m.end():]
            cut = m.span()
            break
    m = P.FAIRSEQ_PROGRESS.search(text) or P.EPOCH_GLUED.search(text)
    if m and pre is None:
        if m.re is P.FAIRSEQ_PROGRESS:
            pre = ("epoch", refs.raw(m.span(1), m.group(1)), refs.raw(m.span(2), m.group(2)),
                   refs.raw(m.span(3), m.group(3)))
        else:
            pre = ("epoch", refs.raw(m.span(1), m.group(1)), None, None)
        text = text[:m.start()] + " " + text[m.end():]
        cut = m.span()

    def at(span: tuple) -> tuple:  # a span of the text after the cut, on the text before it
        if cut is None:
            return span
        shift = cut[1] - cut[0] - 1
        return tuple(p if p <= cut[0] else p + shift for p in span)

    ops = []
    names = []
    for f in L.fields(text, split):
        role = L.key_role(f.key)
        total = None if f.total_span is None else refs.raw(at(f.total_span), text[f.total_span[0]:f.total_span[1]])
        if role == "epoch":
            ops.append((_EPOCH if "." in f.raw else _EPOCH_INDEX, refs.value(at(f.span), f.raw)))
            if total is not None:
                ops.append((_TOTAL, "num_epochs", total))
        elif role == "batch" and (total.__class__ is int or f.total):
            if total.__class__ is int:
                raise _Uncacheable  # whether `batch 5 / 0` is a batch depends on the token's digits
            ops.append((_BATCH, refs.value(at(f.span), f.raw), f.total))
        elif role == "step":
            ops.append((_STEP, refs.value(at(f.span), f.raw)))
            if total is not None:
                ops.append((_TOTAL, "max_steps", total))
        else:
            name = L.metric_name(f.key, f.split)
            if name:
                ops.append((_POINT, name, f"{f.split} {f.key}" if _section_label(f) else f.key,
                            refs.value(at(f.span), f.raw)))
                names.append(name)
            elif config_keys.config_key(f.key) in ("effective_batch", "per_device_batch", "world_size"):
                ops.append((_APPLY, f.key, refs.raw(at(f.span), f.raw)))
    return (pre, tuple(ops), any(L.is_learning_signal(n) for n in names)), text


def _cut_text(line: str) -> str:
    """The text a settings line is read from: ``line`` without prefixes and framework progress."""
    return _fields_plan(L.strip_prefixes(line)[1], _LITERAL)[1]
