"""Progress bars in a console log: carriage-return refreshes, tqdm and Keras bars, and text glued after a bar.

A physical line may hold many refreshes of one bar separated by carriage returns; only the last refresh of each bar
counts. A bar's position is ``b`` of ``n`` (in an epoch when the bar or the line before names one). A bar that prints
metrics (tqdm's postfix ``loss=2.31``, Lightning's ``train_loss_step=0.69``, Keras' ``- loss: 0.31``) records them
there; a bar without metrics is progress only and sets no position, unless text glued after it (``...it/s]loss
tensor(0.6868, ...)``) is read at the bar's position.
"""

from __future__ import annotations

import math

from . import textlog_line as L
from . import textlog_patterns as P
from .textlog_buffer import EXPLICIT

NAN = math.nan


def refreshes(raw: str) -> list:
    """The logical lines of a physical line: carriage-return refreshes of one bar collapse to the last one."""
    if "\r" not in raw:
        return [raw]
    out = []
    pending = None
    pending_n = None  # the total of the pending bar (each refresh is searched once)
    for seg in raw.split("\r"):
        if not seg.strip():
            continue
        m = P.TQDM.search(seg)
        same_bar = m is not None and pending is not None and pending_n == m.group("n")
        if m and not seg[m.end():].strip():
            if pending is not None and not same_bar:
                out.append(pending)
            pending, pending_n = seg, m.group("n")  # only the last refresh of a bar counts
            continue
        if pending is not None and not same_bar:
            out.append(pending)
        pending = None  # a later refresh glued to the next line supersedes it
        out.append(seg)
    if pending is not None:
        out.append(pending)
    return out


class BarsMixin:
    """The part of :class:`~.textlog_parser.LogParser` that reads progress bars."""

    def _bar(self, text: str, m, rank: int) -> None:
        b, n = int(m.group("b")), int(m.group("n"))
        head = text[:m.start()]
        post = text[m.end():] if m.re is P.KERAS else m.group("post")
        tail = "" if m.re is P.KERAS else text[m.end():]
        glued = bool(tail.strip()) and not tail.lstrip().startswith(("-", ","))
        split = L.line_split(head) or "train"
        points = []
        for f in L.fields(post):
            if L.key_role(f.key) == "metric":
                name = L.metric_name(f.key, f.split or split)
                if name:
                    points.append((name, f.key, f.value))
        if points or glued:
            step, epoch = self._bar_position(head, b, n, m.re is P.KERAS, split)
            self._record(points, step, epoch, rank, flags=EXPLICIT if split != "eval" else 0)
        if glued:
            self._text(tail)  # a progress bar glued to the next line: read at the bar's position

    def _bar_position(self, head: str, b: int, n: int, keras: bool, split: str) -> tuple:
        e = None
        em = P.AT_EPOCH.search(head)
        if em:
            e = self._epoch_index(int(em.group(1)))
        elif self.open_epoch is not None and keras:
            e = self.open_epoch
        if split == "eval" or n <= 0:
            return self.last_step, self.last_epoch
        if e is not None:
            self.steps_per_epoch = n
            return float((e - 1) * n + b), (e - 1) + b / n
        key = (P.NUM_RE.sub("", head).strip(), n)
        last_b, offset = self.bars.get(key, (0, 0))
        if b < last_b:
            offset += n  # the bar restarted: a new epoch
        self.bars[key] = (b, offset)
        return float(offset + b), NAN
