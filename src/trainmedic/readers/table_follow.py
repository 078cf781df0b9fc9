"""The rows a CSV/TSV table or a JSON Lines history gained since the last look, as the points they add.

``trainmedic watch`` reads the header once and then only the new rows, through the same :class:`~.table.TableBuilder`
and :class:`~.columns.SeriesBuilder` that reading the whole file uses: each poll's rows go to a builder that keeps
every row (for a build of the whole history when one is needed) and to a builder of their own, named as the first
names them. Building a history's series decides over all its rows which axis a series has (steps when every row
has one; whole epochs each larger than the last; else the row order) and keeps the later of two rows at one
position. While each series' positions only rise and its axis stays, the new rows are built alone; otherwise the
whole history is built again from the kept rows, in memory. A JSON Lines history whose new keys would rename a
column named before (``accuracy`` is the training score once a ``val_accuracy`` is logged) cannot be continued and
is read again whole (:attr:`NewRows.renamed`).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Optional

import numpy as np

from ..run import Series
from .columns import Naming, SeriesBuilder
from .table import CHUNK_ROWS, TableBuilder, _columns, _flatten, _full_columns, _is_number, delimiter

STEP, EPOCH, INDEX, UNSTABLE = "step", "epoch", "index", "unstable"


class SeriesCounts:
    """What the axis of one series of a table depends on, over every row it has so far."""

    __slots__ = (
        "n",
        "with_step",
        "steps_rising",
        "last_step",
        "epochs_finite",
        "epochs_rising",
        "epochs_whole",
        "last_epoch",
    )

    def __init__(self) -> None:
        self.n = self.with_step = 0
        self.steps_rising = self.epochs_finite = self.epochs_rising = self.epochs_whole = True
        self.last_step = self.last_epoch = -np.inf

    def add(self, s: Series) -> None:
        """Count the points of ``s``, the next rows of the series."""
        step, epoch = s.step, s.epoch
        has = np.isfinite(step)
        self.n += len(s)
        self.with_step += int(has.sum())
        if has.all():
            self.steps_rising = self.steps_rising and bool(
                (np.diff(np.concatenate(([self.last_step], step))) > 0).all()
            )
            self.last_step = float(step[-1])
        if self.epochs_finite and not np.isfinite(epoch).all():
            self.epochs_finite = False
        if self.epochs_finite:
            self.epochs_rising = self.epochs_rising and bool(
                (np.diff(np.concatenate(([self.last_epoch], epoch))) > 0).all()
            )
            self.epochs_whole = self.epochs_whole and bool((epoch == np.round(epoch)).all())
            self.last_epoch = float(epoch[-1])

    def axis(self) -> Optional[str]:
        """The axis of the whole series, or UNSTABLE when a build of the whole history may move earlier rows."""
        if not self.n:
            return None
        if self.with_step == self.n:
            return STEP if self.steps_rising else UNSTABLE
        if self.with_step:
            return UNSTABLE
        if not self.epochs_finite:
            return INDEX
        if not self.epochs_rising:
            return UNSTABLE
        return EPOCH if self.epochs_whole else INDEX


class NewRows:
    """Rows of one growing table (``csv``, ``lightning-csv`` or ``jsonl``), fed as text of complete lines."""

    def __init__(self, source: str, fmt: str, rename=None) -> None:
        self.source = source
        self.fmt = fmt
        self.rename = rename  # lightning-csv: a function of the header (see lightning._renamer)
        self.header: Optional[list] = None
        self.delim = ","
        self.full: Optional[SeriesBuilder] = None
        self.counts: dict = {}
        self.keys: list = []  # JSON Lines: the keys of the rows of the current chunk of CHUNK_ROWS
        self.named: dict = {}  # JSON Lines: label -> name given, for the labels first met in the current chunk
        self.renamed = False  # JSON Lines: a new key renamed an earlier column: read the file again whole
        self.rows = 0

    def feed(self, text: str) -> tuple:
        """(series of the new rows, whether they are the whole series) for the complete lines ``text``."""
        if self.fmt == "jsonl":
            chunks = self._json_chunks(text)
        else:
            chunks = self._csv_chunks(text)
        if not chunks or self.full is None:
            return [], False
        delta = SeriesBuilder(self.source, rename=self.full.name_for)
        delta.rows = self.full.rows
        for header, columns in chunks:
            TableBuilder(self.full).add_chunk(header, columns)
            TableBuilder(delta).add_chunk(header, columns)
        self.full.compact()
        new = delta.series()
        unstable = bool(delta.superseded)
        for s in new:
            counts = self.counts.setdefault(s.name, SeriesCounts())
            before = counts.axis()
            counts.add(s)
            after = counts.axis()
            unstable = unstable or after == UNSTABLE or (before is not None and before != after)
        if unstable:
            return self.full.series(keep=True), True
        return [_on_axis(s, self.counts[s.name].axis()) for s in new], False

    # --- CSV/TSV ------------------------------------------------------------------------------------------------
    def _csv_chunks(self, text: str) -> list:
        lines = list(io.StringIO(text, newline=""))  # split as reading the file splits it
        if self.header is None:
            while lines and not lines[0].strip():
                lines.pop(0)
            if not lines:
                return []
            first = lines.pop(0)
            self.delim = delimiter(first)
            header = [h.strip().strip("\ufeff") for h in next(csv.reader([first], delimiter=self.delim), [])]
            if not header or all(_is_number(h) for h in header if h.strip()):
                return []  # no table yet: reading it would fail too
            self.header = header
            self.full = SeriesBuilder(self.source, rename=self.rename(header) if self.rename else None)
        try:
            rows = list(csv.reader(lines, delimiter=self.delim))
        except csv.Error:
            return []
        columns = (_full_columns(rows, self.header) or _columns(rows, self.header)) if rows else None
        return [(self.header, columns)] if columns else []

    # --- JSON Lines ---------------------------------------------------------------------------------------------
    def _json_chunks(self, text: str) -> list:
        if self.full is None:
            self.full = SeriesBuilder(self.source)
        chunks: list = []
        rows: list = []
        for line in io.StringIO(text, newline=""):
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if not isinstance(obj, dict):
                continue
            rows.append(_flatten(obj))
            self.rows += 1
            if self.rows % CHUNK_ROWS == 0:  # where reading the whole file starts a new chunk
                chunks.append(self._json_chunk(rows))
                self.keys, self.named, rows = [], {}, []
        if rows:
            chunks.append(self._json_chunk(rows))
        return [c for c in chunks if c is not None]

    def _json_chunk(self, rows: list) -> Optional[tuple]:
        self.keys = list(dict.fromkeys(self.keys + [k for r in rows for k in r]))
        header = list(dict.fromkeys(k for r in rows for k in r))
        self.full.know(self.keys)
        naming = Naming(set(self.full._known))
        for label, name in self.named.items():
            base = name.split("~")[0] if name else name
            if naming.name(label, None) != base:
                self.renamed = True  # reading the whole file now would name this column otherwise
        for label in header:
            if label not in self.full._names:
                self.named[label] = self.full.name_for(label)
        return header, [[r.get(k) for r in rows] for k in header]


def _on_axis(s: Series, axis: Optional[str]) -> Series:
    """New points on the axis the whole series has (only that axis is kept: the alarms read nothing else)."""
    if axis == STEP:
        return Series(s.name, s.values, s.step, None, label=s.label, source=s.source)
    if axis == EPOCH:
        return Series(s.name, s.values, None, s.epoch, label=s.label, source=s.source)
    return Series(s.name, s.values, None, None, label=s.label, source=s.source, order=s.order)
