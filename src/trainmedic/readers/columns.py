"""Numbers as files write them, and metric columns that grow in numpy chunks.

Structured readers (tables, trainer states, event files, run folders) all end the same way: many points of many
named metrics, each at a step and/or an epoch. :class:`SeriesBuilder` collects them as numpy blocks (never as Python
lists of dicts, so that a million points stay cheap) and turns them into :class:`~trainmedic.run.Series`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from itertools import compress, repeat
from operator import ne
from typing import Any, Callable, Optional

import numpy as np

from ..i18n import msg
from ..names import SPLIT_WORDS, MetricName, is_bookkeeping, parse_metric_name
from ..run import Run, Series, SourceInfo, is_unknown, take_axis, unknown

# Spellings of non-finite numbers that training code prints (Python, numpy, JSON-ish, C printf).
_NONFINITE = {
    "nan": math.nan,
    "-nan": math.nan,
    "+nan": math.nan,
    "nan%": math.nan,
    "inf": math.inf,
    "+inf": math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-inf": -math.inf,
    "-infinity": -math.inf,
}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def parse_number(cell: Any) -> Optional[float]:
    """A cell as a float, or None when it holds no number (empty, text, a boolean).

    Accepts ints and floats, numeric strings with surrounding spaces or quotes, a trailing ``%`` (the number is kept
    on the scale the file wrote it, as columns without the sign are), thousands separators, and the spellings of
    NaN and infinity.
    """
    if cell is None or isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float)):
        try:
            return float(cell)
        except OverflowError:  # a 400-digit integer
            return math.inf if cell > 0 else -math.inf
    if not isinstance(cell, str):
        return None
    s = cell.strip().strip("'\"").strip()
    if not s:
        return None
    try:
        return float(s)
    except ValueError:
        pass
    except OverflowError:
        return math.inf
    low = s.lower()
    if low in _NONFINITE:
        return _NONFINITE[low]
    if low.endswith("%"):
        low = low[:-1].strip()
    if _THOUSANDS.match(low):
        low = low.replace(",", "")
    try:
        return float(low)
    except ValueError:
        return _NONFINITE.get(low)


def float_column(cells: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Convert a column of cells to ``(values, present)``: a float array and a mask of cells that held a number.

    The fast path lets numpy convert the whole column at once; a column with blanks, text or odd spellings falls back
    to :func:`parse_number` cell by cell.
    """
    if None not in cells:  # numpy would turn None into NaN, but a missing cell is no point, not a NaN point
        try:
            values = np.array(cells, dtype=np.float64)
            if values.ndim == 1 and not (cells and isinstance(cells[0], bool)):
                return values, np.ones(len(values), dtype=bool)
        except (ValueError, TypeError, OverflowError):
            pass
    if cells and isinstance(cells[0], str):
        # Sparse text columns (a metric logged every N rows): blanks are no point, the rest converts at once.
        try:
            filled = list(map(ne, cells, repeat("")))
            present = np.array(filled, dtype=bool)
            values = np.full(len(cells), np.nan)
            values[present] = np.array(list(compress(cells, filled)), dtype=np.float64)
            return values, present
        except (ValueError, TypeError, OverflowError):
            pass
    parsed = [parse_number(c) for c in cells]
    present = np.fromiter((p is not None for p in parsed), dtype=bool, count=len(parsed))
    values = np.fromiter((np.nan if p is None else p for p in parsed), dtype=np.float64, count=len(parsed))
    return values, present


# Steps or epochs beyond this are not positions (an overflowed counter, `1e400`): the point is dropped and counted.
MAX_AXIS = 1e15
# A position column whose rows repeat their predecessor's this often is coarse (several rows per epoch), not a
# point's identity: every row is kept, in file order, instead of the later of two equal positions winning.
COARSE_SHARE = 0.5


class SeriesBuilder:
    """Collects points of named metrics as numpy blocks and builds the Series of one source.

    ``rename`` maps a label as the file wrote it to a normalised series name (or None to drop the column); by default
    :func:`default_rename`, which names each label knowing the source's other labels (see :meth:`know`). Rows are
    numbered in file order; a position written again replaces the earlier row (a row written twice by two
    processes), and positions that go back are a restarted run whose later segment wins.
    """

    def __init__(
        self,
        source: str,
        *,
        rename: Optional[Callable[[str], Optional[str]]] = None,
        default_split: Optional[str] = None,
    ) -> None:
        self.source = source
        self._rename = rename
        self._default_split = default_split
        self._names: dict[str, Optional[str]] = {}
        self._labels: dict[str, str] = {}
        self._blocks: dict[str, list] = {}
        self._known: set = set()
        self._context: Optional[Naming] = None
        self.rows = 0  # rows numbered so far (the order of the points)
        self.superseded = 0
        self.bad_axis = 0

    def know(self, labels) -> None:
        """Tell the builder the source's labels before naming them: whether a bare `accuracy` is the training
        score depends on a `val_accuracy` or a `loss` beside it, whether `eval_x_loss` names an eval set on the
        others."""
        new = set(labels) - self._known
        if new:
            self._known |= new
            self._context = None

    def name_for(self, label: str) -> Optional[str]:
        """The normalised name for a label (cached; None when the column is not a metric)."""
        if label in self._names:
            return self._names[label]
        if self._rename is not None:
            name = self._rename(label)
        else:
            if self._context is None:
                self._context = Naming(self._known | {label})
            name = self._context.name(label, self._default_split)
        if name is not None:
            first = self._labels.setdefault(name, label)
            if first != label:  # two spellings of one metric in one file: keep them apart
                name = f"{name}~{label.strip().lower()}"
                self._labels.setdefault(name, label)
        self._names[label] = name
        return name

    def add(
        self,
        label: str,
        values: np.ndarray,
        step: Optional[np.ndarray] = None,
        epoch: Optional[np.ndarray] = None,
        present: Optional[np.ndarray] = None,
        order: Optional[np.ndarray] = None,
    ) -> None:
        """Add a block of points of one metric (arrays of equal length; ``present`` masks missing cells; ``order``
        numbers the rows, by default the rows added since the last :meth:`next_rows`)."""
        name = self.name_for(label)
        if name is None:
            return
        values = np.asarray(values, dtype=np.float64)
        n = len(values)
        step = unknown(n) if step is None else np.asarray(step, dtype=np.float64)
        epoch = unknown(n) if epoch is None else np.asarray(epoch, dtype=np.float64)
        if present is not None and not present.all():
            k = int(present.sum())
            values = values[present]
            order = _Rows(self.rows, present, k) if order is None else order[present]
            step, epoch = take_axis(step, present, k), take_axis(epoch, present, k)
        elif order is None:
            order = _Rows(self.rows, None, n)
        if len(values):
            blocks = self._blocks.setdefault(name, [])
            blocks.append([values, step, epoch, order])
            _merge_small(blocks)

    def next_rows(self, n: int) -> None:
        """The rows of a chunk were added: number the next chunk's rows after them."""
        self.rows += n

    def add_point(self, label: str, value: float, step: float = math.nan, epoch: float = math.nan) -> None:
        """Add one point (for sources that yield few points, e.g. one value per file)."""
        self.add(label, np.array([value]), np.array([step]), np.array([epoch]))

    def compact(self) -> None:
        """Merge the newest blocks of each metric while the newest holds at least half as many points as the one
        before it: a history added a few rows at a time (a file being followed) keeps O(log n) blocks, and each row
        is copied O(log n) times."""
        for blocks in self._blocks.values():
            while len(blocks) > 1 and 2 * len(blocks[-1][0]) >= len(blocks[-2][0]):
                blocks[-2:] = [_merged(blocks[-2:])]

    def series(self, *, keep: bool = False) -> list:
        """The built Series, each ordered along its axis (a resumed run's later rows win). The blocks are released
        as they are joined unless ``keep`` (a history still growing, built again later)."""
        out = []
        for name, blocks in self._blocks.items():
            vals, step, epoch = (_joined(blocks, i, keep) for i in range(3))
            if not is_unknown(step) and np.isfinite(step).all():
                order = unknown(len(vals))  # the rows' order is never the axis of points that all have a step
                if not keep:
                    for b in blocks:
                        b[3] = None
            else:
                order = _joined(blocks, 3, keep)
            bad = ~((np.isnan(step) | (np.abs(step) < MAX_AXIS)) & (np.isnan(epoch) | (np.abs(epoch) < MAX_AXIS)))
            if bad.any():
                self.bad_axis += int(bad.sum())
                vals, step, epoch, order = vals[~bad], step[~bad], epoch[~bad], order[~bad]
            s = Series(name, vals, step, epoch, label=self._labels.get(name, name), source=self.source, order=order)
            s = self._latest(s)
            out.append(s.sorted(dedupe=False) if _needs_sort(s) else s)
        return out

    def _latest(self, s: Series) -> Series:
        """Keep the later of two rows at one position, and the later segment of a restarted run."""
        x = s.step if np.isfinite(s.step).all() else (s.epoch if np.isfinite(s.epoch).all() else None)
        if x is None or len(x) < 2:
            return s
        d = np.diff(x)
        if not (d <= 0).any() or (d == 0).mean() > COARSE_SHARE:
            return s
        kept: list = []
        for i, v in enumerate(x.tolist()):
            while kept and x[kept[-1]] >= v:
                kept.pop()
                self.superseded += 1
            kept.append(i)
        return s.take(np.array(kept, dtype=np.int64))

    def notes(self) -> list:
        """What building left out, for the source's notes."""
        out = []
        if self.superseded:
            out.append(msg("readers.note.rows_superseded", count=self.superseded))
        if self.bad_axis:
            out.append(msg("readers.note.bad_axis", count=self.bad_axis))
        return out

    def to_run(self, path: str, fmt: str, *, notes: Iterable[str] = ()) -> Run:
        """A Run holding the built series and one SourceInfo for ``path``."""
        run = Run(path=path)
        for s in self.series():
            run.series[s.name] = s
        run.sources.append(
            SourceInfo(
                path=path, format=fmt, points=run.points, series=sorted(run.series), notes=list(notes) + self.notes()
            )
        )
        return run


class Naming:
    """How the labels of one source are named, knowing all of them.

    - A score without a split word (`accuracy`, `fast_rcnn/cls_accuracy`) is the training score when the source
      also logs the held-out one (`val_accuracy`) or an unmarked loss beside it (Keras' `loss,accuracy`, detectron2's
      `total_loss`); otherwise it is what people measure on held-out data (an evaluator's `cosine_pearson`).
    - `test_X` beside `val_X` is a second eval set, `eval/test/X`, not a second spelling of `eval/X`.
    - `eval_<name>_<metric>` names an eval set when the source logs `eval_<name>_loss` (the Trainer does, per set).
    """

    def __init__(self, labels: set) -> None:
        parsed = {lab: parse_metric_name(lab, default_split=_NO_SPLIT) for lab in labels}
        self.unmarked_loss = any(p.split == _NO_SPLIT and p.is_loss for p in parsed.values())
        self.held_out = {p.metric for lab, p in parsed.items() if p.split == "eval" and _first_split(lab) != "test"}
        self.evalsets = frozenset(
            p.evalset or _qualifier(lab)
            for lab, p in parsed.items()
            if p.split == "eval" and p.metric == "loss" and (p.evalset or _qualifier(lab))
        )

    def name(self, label: str, default_split: Optional[str]) -> Optional[str]:
        """The normalised name of ``label`` in this source (None for bookkeeping columns)."""
        low = label.strip().lower()
        if not low or low.startswith("_") or low in ("timestamp", "time", "wall_time", "walltime", "date", "datetime"):
            return None
        parsed = parse_metric_name(label, default_split=default_split or _NO_SPLIT, evalsets=self.evalsets)
        if is_bookkeeping(parsed.metric):
            return None
        if parsed.split == _NO_SPLIT:
            train = parsed.metric in self.held_out or self.unmarked_loss or not parsed.higher_is_better
            parsed = MetricName(
                split="train" if train else "eval", metric=parsed.metric, group=parsed.group, evalset=parsed.evalset
            )
        elif (
            parsed.split == "eval"
            and _first_split(label) == "test"
            and parsed.metric in self.held_out
            and parsed.evalset is None
        ):
            parsed = MetricName(split="eval", metric=parsed.metric, group=parsed.group, evalset="test")
        return parsed.canonical


def _first_split(label: str) -> Optional[str]:
    for tok in label.replace("/", "_").replace("-", "_").lower().split("_"):
        if tok in SPLIT_WORDS:
            return tok
    return None


def _qualifier(label: str) -> Optional[str]:
    """`g0` of `eval_g0_loss`."""
    low = label.lower()
    for head in ("eval_", "eval/"):
        if low.startswith(head) and low.endswith("_loss") and len(low) > len(head) + len("_loss"):
            return low[len(head) : -len("_loss")]
    return None


class _Rows:
    """The row numbers of a block's points, kept as the block's first row and its mask of present cells until they
    are needed: when every point has a step (the usual case) the rows' order is never built, 8 bytes a point fewer
    while a large file is read."""

    __slots__ = ("start", "present", "n")

    def __init__(self, start: int, present: Optional[np.ndarray], n: int) -> None:
        self.start, self.present, self.n = start, present, n

    def __len__(self) -> int:
        return self.n

    @property
    def span(self) -> int:
        """How many rows the block covers (its points and the rows where the metric was missing)."""
        return self.n if self.present is None else len(self.present)

    def array(self) -> np.ndarray:
        """The row numbers (from 1) of the block's points."""
        if self.present is None:
            return np.arange(self.start + 1, self.start + self.n + 1, dtype=np.float64)
        return np.flatnonzero(self.present).astype(np.float64) + (self.start + 1)

    @staticmethod
    def joined(rows: list) -> Optional[_Rows]:
        """The rows of consecutive blocks as one, or None when they are not consecutive."""
        for a, b in zip(rows, rows[1:]):
            if b.start != a.start + a.span:
                return None
        n = sum(r.n for r in rows)
        if all(r.present is None for r in rows):
            return _Rows(rows[0].start, None, n)
        masks = [np.ones(r.n, dtype=bool) if r.present is None else r.present for r in rows]
        return _Rows(rows[0].start, np.concatenate(masks), n)


# A file read in chunks adds one small block per metric and chunk (2048 rows: 16 KB a column). This many small
# blocks in a row are merged into one: freed small arrays are reused by the next chunks instead of fragmenting the
# heap, and the merged blocks are large enough to be given back to the system when freed (a million-row table peaked
# 15 MB higher with every chunk's blocks kept apart).
MERGE_BLOCKS = 64
SMALL_BLOCK = 16384  # points: a block this large or larger is left as it is


def _merge_small(blocks: list) -> None:
    """Merge the trailing small blocks of one metric once there are :data:`MERGE_BLOCKS` of them."""
    k = 0
    while k < len(blocks) and len(blocks[-1 - k][0]) < SMALL_BLOCK:
        k += 1
        if k >= MERGE_BLOCKS:
            break
    if k < MERGE_BLOCKS:
        return
    blocks[-k:] = [_merged(blocks[-k:])]


def _merged(tail: list) -> list:
    """Consecutive blocks of one metric as one block (their row numbers kept unbuilt when they can be)."""
    rows = [b[3] for b in tail]
    order = _Rows.joined(rows) if all(isinstance(r, _Rows) for r in rows) else None
    merged = [_joined(tail, i) for i in range(3)]
    merged.append(order if order is not None else _joined(tail, 3))
    return merged


def _joined(blocks: list, i: int, keep: bool = False) -> np.ndarray:
    """Column ``i`` of every block in one array, each block's part released once copied (the peak stays near one
    copy of the column) unless ``keep``."""
    parts = [b[i].array() if isinstance(b[i], _Rows) else b[i] for b in blocks]
    if not keep:
        for b in blocks:
            b[i] = None
    if all(is_unknown(p) for p in parts):
        return unknown(sum(len(p) for p in parts))
    return np.concatenate([np.asarray(p) for p in parts]) if len(parts) > 1 else parts[0]


def _needs_sort(s: Series) -> bool:
    x = s.x
    if len(x) < 2:
        return False
    d = np.diff(x)
    return bool((d <= 0).any() or np.isnan(d).any())


def default_rename(label: str, default_split: Optional[str] = None) -> Optional[str]:
    """``normalise`` a metric label on its own, dropping bookkeeping columns (runtime, throughput, FLOPs,
    timestamps); see :class:`Naming` for the rules, here applied without the source's other labels.
    ``default_split`` overrides the split of a label that names none."""
    return Naming({label}).name(label, default_split)


_NO_SPLIT = "\x00"
