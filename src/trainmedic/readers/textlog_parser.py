"""The streaming console-log parser: feeds lines one at a time and keeps what spans lines (the epoch and step in
force, steps per epoch, progress bars, a table header, ranks), writing points into compact buffers.
"""

from __future__ import annotations

import math
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
_NO_RANK = -1


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

    def __init__(self, source: str):
        self.source = source
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

    # --- entry point ---------------------------------------------------------------------------------------------
    def feed(self, raw: str, lineno: int) -> None:
        """Read one physical line (split on newlines only; carriage returns separate progress-bar refreshes)."""
        self.lineno = lineno
        if "\r" not in raw:
            self._text(raw)
            return
        pending = None
        for seg in raw.split("\r"):
            if not seg.strip():
                continue
            m = P.TQDM.search(seg)
            same_bar = m is not None and pending is not None and P.TQDM.search(pending).group("n") == m.group("n")
            if m and not seg[m.end():].strip():
                if pending is not None and not same_bar:
                    self._text(pending)
                pending = seg  # only the last refresh of a bar counts
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
        rank, text, warned = L.strip_prefixes(line)
        if not text:
            return  # blank lines do not end a pasted table
        if rank is not None and rank not in self.ranks:
            self.ranks.append(rank)
        r = _NO_RANK if rank is None else rank
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
            self._dict(text, r)
            return
        m = P.EPOCH_HEADER.match(text)
        if m:
            self.open_epoch = self._epoch_index(int(m.group("ep")))
            self.config.set("num_epochs", int(m.group("n")), self.source, self.lineno)
            self.last_epoch = float(self.open_epoch - 1)
            return
        if P.PARTIAL_EVAL.match(text):
            return
        self._fields(text, r)

    # --- shapes --------------------------------------------------------------------------------------------------
    def _fields(self, text: str, rank: int) -> None:
        step = epoch = NAN
        epoch_index = None
        batch = None
        split = L.line_split(text)
        for rx in (P.MMCV, P.TORCHVISION):
            m = rx.search(text)
            if m:
                e = int(m.group("ep")) + (1 if rx is P.TORCHVISION else 0)  # torchvision counts from 0
                if m.groupdict().get("mode") in ("val", "test"):
                    epoch_index = e
                else:
                    epoch_index, batch = e, (int(m.group("b")), int(m.group("n")))
                text = text[:m.start()] + " " + text[m.end():]
                break
        m = P.FAIRSEQ_PROGRESS.search(text) or P.EPOCH_GLUED.search(text)
        if m and epoch_index is None:
            epoch_index = self._epoch_index(int(m.group(1)))
            if m.re is P.FAIRSEQ_PROGRESS:
                batch = (int(m.group(2)), int(m.group(3)))
            text = text[:m.start()] + " " + text[m.end():]
        points = []
        for f in L.fields(text, split):
            role = L.key_role(f.key)
            if role == "epoch":
                if "." in f.raw:
                    epoch = f.value
                elif epoch_index is None:
                    epoch_index = self._epoch_index(int(f.value))
                if f.total:
                    self.config.set("num_epochs", f.total, self.source, self.lineno)
            elif role == "batch" and f.total:
                batch = (int(f.value), f.total)
            elif role == "step":
                step = f.value
                if f.total:
                    self.config.set("max_steps", f.total, self.source, self.lineno)
            else:
                name = L.metric_name(f.key, f.split)
                if name:
                    points.append((name, f"{f.split} {f.key}" if _section_label(f) else f.key, f.value))
                elif config_keys.config_key(f.key) in ("effective_batch", "per_device_batch", "world_size"):
                    config_keys.apply(self.config, f.key, f.raw, self.source, self.lineno)
        has_context = step == step or epoch == epoch or epoch_index is not None or batch is not None
        if not has_context:
            if not any(L.is_learning_signal(n) for n, _, _ in points):
                self._settings(text)
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

    def _dict(self, text: str, rank: int) -> None:
        step = epoch = NAN
        points = []
        for m in P.DICT_PAIR.finditer(text):
            key, value = m.group("key"), L.parse_number(m.group("val"))
            role = L.key_role(key)
            if role == "epoch":
                epoch = value
            elif role == "step":
                step = value
            else:
                name = normalise(key)
                if name.split("/")[-1] not in BOOKKEEPING:
                    points.append((name, key, value))
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
        for name, label, value in points:
            buf = self.series.get(name)
            if buf is None:
                buf = self.series[name] = SeriesBuffer(label.strip())
            buf.add(value, step, epoch, rank)


def _section_label(f) -> bool:
    return bool(f.split) and L.split_of(f.key.replace("_", " ").split()[0]) is None and f.split != "train"
