"""Numbers as files write them, and metric columns that grow in numpy chunks.

Structured readers (tables, trainer states, event files, run folders) all end the same way: many points of many
named metrics, each at a step and/or an epoch. :class:`SeriesBuilder` collects them as numpy blocks (never as Python
lists of dicts, so that a million points stay cheap) and turns them into :class:`~trainmedic.run.Series`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any, Callable, Optional

import numpy as np

from ..names import BOOKKEEPING, MetricName, parse_metric_name
from ..run import Run, Series, SourceInfo

# Spellings of non-finite numbers that training code prints (Python, numpy, JSON-ish, C printf).
_NONFINITE = {
    "nan": math.nan, "-nan": math.nan, "+nan": math.nan, "nan%": math.nan,
    "inf": math.inf, "+inf": math.inf, "infinity": math.inf, "+infinity": math.inf,
    "-inf": -math.inf, "-infinity": -math.inf,
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
        return float(cell)
    if not isinstance(cell, str):
        return None
    s = cell.strip().strip("'\"").strip()
    if not s:
        return None
    try:
        return float(s)
    except ValueError:
        pass
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


def float_column(cells: list) -> tuple[np.ndarray, np.ndarray]:
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
            present = np.fromiter((c != "" for c in cells), dtype=bool, count=len(cells))
            values = np.full(len(cells), np.nan)
            values[present] = np.array([c for c in cells if c != ""], dtype=np.float64)
            return values, present
        except (ValueError, TypeError, OverflowError):
            pass
    parsed = [parse_number(c) for c in cells]
    present = np.fromiter((p is not None for p in parsed), dtype=bool, count=len(parsed))
    values = np.fromiter((np.nan if p is None else p for p in parsed), dtype=np.float64, count=len(parsed))
    return values, present


class SeriesBuilder:
    """Collects points of named metrics as numpy blocks and builds the Series of one source.

    ``rename`` maps a label as the file wrote it to a normalised series name (or None to drop the column); by default
    :func:`~trainmedic.names.normalise` with bookkeeping columns (runtime, throughput) dropped.
    """

    def __init__(self, source: str, *, rename: Optional[Callable[[str], Optional[str]]] = None,
                 default_split: Optional[str] = None) -> None:
        self.source = source
        self._rename = rename
        self._default_split = default_split
        self._names: dict[str, Optional[str]] = {}
        self._labels: dict[str, str] = {}
        self._blocks: dict[str, list] = {}

    def name_for(self, label: str) -> Optional[str]:
        """The normalised name for a label (cached; None when the column is not a metric)."""
        if label in self._names:
            return self._names[label]
        if self._rename is not None:
            name = self._rename(label)
        else:
            name = default_rename(label, self._default_split)
        if name is not None:
            first = self._labels.setdefault(name, label)
            if first != label:  # two spellings of one metric in one file: keep them apart
                name = f"{name}~{label.strip().lower()}"
                self._labels.setdefault(name, label)
        self._names[label] = name
        return name

    def add(self, label: str, values: np.ndarray, step: Optional[np.ndarray] = None,
            epoch: Optional[np.ndarray] = None, present: Optional[np.ndarray] = None) -> None:
        """Add a block of points of one metric (arrays of equal length; ``present`` masks missing cells)."""
        name = self.name_for(label)
        if name is None:
            return
        values = np.asarray(values, dtype=np.float64)
        n = len(values)
        step = np.full(n, np.nan) if step is None else np.asarray(step, dtype=np.float64)
        epoch = np.full(n, np.nan) if epoch is None else np.asarray(epoch, dtype=np.float64)
        if present is not None and not present.all():
            values, step, epoch = values[present], step[present], epoch[present]
        if len(values):
            self._blocks.setdefault(name, []).append((values, step, epoch))

    def add_point(self, label: str, value: float, step: float = math.nan, epoch: float = math.nan) -> None:
        """Add one point (for sources that yield few points, e.g. one value per file)."""
        self.add(label, np.array([value]), np.array([step]), np.array([epoch]))

    def series(self) -> list:
        """The built Series, each ordered along its axis (a resumed run's later duplicates win)."""
        out = []
        for name, blocks in self._blocks.items():
            vals = np.concatenate([b[0] for b in blocks])
            step = np.concatenate([b[1] for b in blocks])
            epoch = np.concatenate([b[2] for b in blocks])
            s = Series(name, vals, step, epoch, label=self._labels.get(name, name), source=self.source)
            out.append(s.sorted() if _needs_sort(s) else s)
        return out

    def to_run(self, path: str, fmt: str, *, notes: Iterable[str] = ()) -> Run:
        """A Run holding the built series and one SourceInfo for ``path``."""
        run = Run(path=path)
        for s in self.series():
            run.series[s.name] = s
        run.sources.append(SourceInfo(path=path, format=fmt, points=run.points, series=sorted(run.series),
                                      notes=list(notes)))
        return run


def _needs_sort(s: Series) -> bool:
    x = s.x
    if len(x) < 2:
        return False
    d = np.diff(x)
    return bool((d <= 0).any() or np.isnan(d).any())


def default_rename(label: str, default_split: Optional[str] = None) -> Optional[str]:
    """``normalise`` a metric label, dropping bookkeeping columns (runtime, throughput, FLOPs, timestamps).

    A label without a split word (``rare_f1``, ``accuracy``) is a train metric when it is a loss or an optimiser
    quantity, and an eval metric when it is a score (accuracy, F1, ...): scores are what people measure on held-out
    data, and they name the training-set score explicitly (``train_acc``). ``default_split`` overrides this.
    """
    low = label.strip().lower()
    if not low or low.startswith("_") or low in ("timestamp", "time", "wall_time", "walltime", "date", "datetime"):
        return None
    parsed = parse_metric_name(label, default_split=default_split or _NO_SPLIT)
    if parsed.metric in BOOKKEEPING:
        return None
    if parsed.split == _NO_SPLIT:
        split = "eval" if parsed.higher_is_better else "train"
        parsed = MetricName(split=split, metric=parsed.metric, group=parsed.group, evalset=parsed.evalset)
    return parsed.canonical


_NO_SPLIT = "\x00"
