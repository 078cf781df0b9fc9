"""Progress bars in a console log: carriage-return refreshes, tqdm and Keras bars, and text glued after a bar.

A physical line may hold many refreshes of one bar separated by carriage returns; only the last refresh of each bar
counts. A bar's position is ``b`` of ``n`` (in an epoch when the bar or the line before names one). A bar that prints
metrics (tqdm's postfix ``loss=2.31``, Lightning's ``train_loss_step=0.69``, Keras' ``- loss: 0.31``) records them
there; a bar without metrics is progress only and sets no position, unless text glued after it (``...it/s]loss
tensor(0.6868, ...)``) is read at the bar's position.
"""

from __future__ import annotations

import math
from typing import Optional

from . import textlog_layout as Y
from . import textlog_line as L
from . import textlog_memory as M
from . import textlog_patterns as P
from .textlog_buffer import EXPLICIT

NAN = math.nan


# Refresh shapes whose bar is remembered at once (see :func:`refreshes`); the memory starts again when full.
MAX_REFRESH_SHAPES = 4096


def refreshes(raw: str, seen: Optional[dict] = None) -> list:
    """The logical lines of a physical line, each with its text with digits written as 0 (None when not worked out):
    carriage-return refreshes of one bar collapse to the last one.

    ``seen`` remembers, by a refresh's text with its digits written as 0, where its bar's total stands and whether the
    bar ends the refresh, so that the many refreshes of one bar are told apart without searching each for the bar
    (``None``: search every refresh, the reference the memory is tested against).
    """
    if "\r" not in raw:
        return [(raw, None)]
    if seen is None:
        return _searched(raw)
    out = []
    pending = None  # (refresh, its zeroed text)
    pending_n = None  # the total of the pending bar
    known = seen.get
    # `\r` is one byte in UTF-8 and never part of another character: the zeroed line splits as the line does.
    for seg, zeroed in zip(raw.split("\r"), M.zeroed(raw).split(b"\r")):
        if not seg or seg.isspace():
            continue
        if "/" not in seg:
            hit = ()  # a bar counts `b/n`
        else:
            hit = known(zeroed)
            if hit is None:
                hit = _remember_bar(seg, zeroed, seen)
        same_bar = False
        if hit:
            n = seg[hit[0] : hit[1]]
            same_bar = pending is not None and pending_n == n
            if hit[2]:  # a bar ends the refresh
                if pending is not None and not same_bar:
                    out.append(pending)
                pending, pending_n = (seg, zeroed), n  # only the last refresh of a bar counts
                continue
        if pending is not None and not same_bar:
            out.append(pending)
        pending = None  # a later refresh glued to the next line supersedes it
        out.append((seg, zeroed))
    if pending is not None:
        out.append(pending)
    return out


def _searched(raw: str) -> list:
    """:func:`refreshes` with every refresh searched for a bar."""
    out = []
    pending = None
    pending_n = None
    for seg in raw.split("\r"):
        if not seg.strip():
            continue
        m = P.TQDM.search(seg)
        same_bar = m is not None and pending is not None and pending_n == m.group("n")
        if m and not seg[m.end() :].strip():
            if pending is not None and not same_bar:
                out.append(pending)
            pending, pending_n = (seg, None), m.group("n")
            continue
        if pending is not None and not same_bar:
            out.append(pending)
        pending = None
        out.append((seg, None))
    if pending is not None:
        out.append(pending)
    return out


def _remember_bar(seg: str, zeroed: bytes, seen: dict) -> tuple:
    """(where the bar's total starts and ends, whether the bar ends ``seg``), or () without a tqdm bar."""
    m = P.TQDM.search(seg)
    if len(seen) >= MAX_REFRESH_SHAPES:
        seen.clear()
    seen[zeroed] = hit = (*m.span("n"), not seg[m.end() :].strip()) if m else ()
    return hit


class BarsMixin:
    """The part of :class:`~.textlog_parser.LogParser` that reads progress bars."""

    def _bar(self, text: str, m, rank: int) -> None:
        b, n = int(m.group("b")), int(m.group("n"))
        head = text[: m.start()]
        post = text[m.end() :] if m.re is P.KERAS else m.group("post")
        tail = "" if m.re is P.KERAS else text[m.end() :]
        glued = bool(tail.strip()) and not tail.lstrip().startswith(("-", ","))
        split = L.line_split(head) or "train"
        points = []
        for f in L.fields(post):
            if L.key_role(f.key) == "metric":
                name = L.metric_name(f.key, f.split or split)
                if name:
                    points.append((name, f.key, f.value))
        if points or glued:
            em = P.AT_EPOCH.search(head)
            counter = int(em.group(1)) if em else None
            key = "" if em else P.NUM_RE.sub("", head).strip()
            step, epoch = self._bar_position(counter, key, b, n, m.re is P.KERAS, split, points)
            self._record(points, step, epoch, rank, flags=EXPLICIT if split != "eval" else 0)
        if glued:
            self._text(tail)  # a progress bar glued to the next line: read at the bar's position

    def _run_bar(self, body: tuple, toks: list, rank: int) -> None:
        """Apply a bar layout (see :func:`~.textlog_layout.bar_layout`) to the numbers ``toks`` of one refresh."""
        b_ref, n_ref, keras, counter, key, split, ops = body
        b, n = int(Y.raw_of(b_ref, toks)), int(Y.raw_of(n_ref, toks))
        points = [(name, label, Y.value_of(ref, toks)) for name, label, ref in ops]
        counter = None if counter is None else int(Y.raw_of(counter, toks))
        step, epoch = self._bar_position(counter, key, b, n, keras, split, points)
        self._record(points, step, epoch, rank, flags=EXPLICIT if split != "eval" else 0)

    def _bar_position(
        self, counter: Optional[int], key: str, b: int, n: int, keras: bool, split: str, points: list
    ) -> tuple:
        """(step, epoch) of refresh ``b`` of ``n``: in the epoch the bar names (``counter``), else in the epoch a
        Keras header opened, else counted on from the bar's earlier refreshes (``key`` names the bar).

        Counted on, a bar that goes back restarted, and a completed bar printed again with other numbers is the next
        pass (Keras' epoch-end lines pasted without their `Epoch N/M` headers): each is a new epoch. A completed bar
        printed again with the same numbers is a redraw, or the epoch's last print adding its validation metrics.
        A Keras bar spans one epoch, so its epoch is known too."""
        if keras and points:
            self.framework = "keras"  # Keras' own progress bar: fixes are written as Keras code
        e = None
        if counter is not None:
            e = self._epoch_index(counter)
        elif self.open_epoch is not None and keras:
            e = self.open_epoch
        if split == "eval" or n <= 0:
            return self.last_step, self.last_epoch
        if e is not None:
            self.steps_per_epoch = n
            return float((e - 1) * n + b), (e - 1) + b / n
        last_b, offset, before = self.bars.get((key, n), (0, 0, None))
        if b < last_b or (b == last_b == n and points and not _restates(before, points)):
            offset += n
        self.bars[(key, n)] = (b, offset, points if b == n else None)
        return float(offset + b), (offset + b) / n if keras else NAN


def _restates(before: Optional[list], points: list) -> bool:
    """Whether ``points`` print the values of ``before`` again (the names both hold, with the same values)."""
    if not before:
        return False
    values = {name: v for name, _, v in before}
    shared = [(values[name], v) for name, _, v in points if name in values]
    return bool(shared) and all(a == b or (a != a and b != b) for a, b in shared)
