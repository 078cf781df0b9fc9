"""Generic metric histories: CSV/TSV tables and JSON Lines, one row per step or epoch.

Wide tables have one column per metric (``epoch,train_loss,val_acc``); long tables one row per value
(``step,metric,value`` or ``name``/``key``/``tag`` + ``value``). A ``step``/``global_step``/``iter``/``batch`` column
is the step axis and an ``epoch`` column the epoch axis. One file may hold several models (``cnn2_test_acc``,
``rnn_test_acc`` -> series groups ``cnn2`` and ``rnn``). Rows stream through the csv module in chunks; blank lines,
repeated header lines, percent signs, quoted numbers, NaN/inf spellings and byte-order marks are handled.
"""

from __future__ import annotations

import csv
import io
import json
from itertools import islice
from pathlib import Path
from typing import Optional

import numpy as np

from ..run import Run
from . import Reader, register
from .checks import fail, read_text_head
from .columns import SeriesBuilder, float_column, parse_number

# Rows held as Python lists before their columns become arrays: few enough that they stay in the processor's cache and
# the garbage collector does not walk them again and again (50000 made a million rows 1.6x slower).
CHUNK_ROWS = 2048

STEP_COLUMNS = {
    "step",
    "steps",
    "global_step",
    "globalstep",
    "iter",
    "iters",
    "iteration",
    "iterations",
    "it",
    "batch",
    "batch_idx",
    "_step",
    "trainer/global_step",
    "train/global_step",
    "update",
    "updates",
    "current_steps",
    "num_updates",
}
# Columns that state a setting of the run on every row (LLaMA-Factory's `total_steps`), by config key.
CONFIG_COLUMNS = {"total_steps": "max_steps"}
EPOCH_COLUMNS = {"epoch", "epochs", "ep", "train/epoch", "trainer/epoch"}
NAME_COLUMNS = ("metric", "name", "key", "tag", "series")
VALUE_COLUMNS = ("value", "val", "scalar")
DELIMITERS = (",", "\t", ";", "|")


def _axis_kind(column: str) -> Optional[str]:
    low = column.strip().lower()
    if low in STEP_COLUMNS:
        return "step"
    if low in EPOCH_COLUMNS:
        return "epoch"
    return None


class TableBuilder:
    """Turns chunks of rows (a header and one list of cells per column) into series, wide or long."""

    def __init__(self, builder: SeriesBuilder) -> None:
        self.builder = builder
        self.settings: dict = {}  # config key -> value, from CONFIG_COLUMNS

    def add_chunk(self, header: list, columns: list) -> None:
        """Add a chunk of rows, given column by column under ``header``: wide tables one series per column, long tables
        one per name."""
        if not columns or not columns[0]:
            return
        n = len(columns[0])
        self.builder.know(header)
        step = epoch = None
        metrics = []
        for name, cells in zip(header, columns):
            kind = _axis_kind(name)
            if kind == "step" and step is None:
                step = _axis(cells)
                step[step < 0] = np.nan  # sentence-transformers writes -1 for "the end of the epoch"
            elif kind == "epoch" and epoch is None:
                epoch = _axis(cells)
            elif name.strip().lower() in CONFIG_COLUMNS:
                values, present = float_column(cells)
                if present.any() and np.isfinite(values[present]).any():
                    self.settings[CONFIG_COLUMNS[name.strip().lower()]] = float(values[present][-1])
            elif kind is None:
                metrics.append((name, cells))
        lower = [h.strip().lower() for h in header]
        name_col = next((lower.index(c) for c in NAME_COLUMNS if c in lower), None)
        value_col = next((lower.index(c) for c in VALUE_COLUMNS if c in lower), None)
        if name_col is not None and value_col is not None:
            self._add_long(columns[name_col], columns[value_col], step, epoch, n)
        else:
            for name, cells in metrics:
                values, present = float_column(cells)
                if present.any():
                    self.builder.add(name, values, step, epoch, present)
        self.builder.next_rows(n)

    def _add_long(self, names: list, cells: list, step, epoch, n: int) -> None:
        values, present = float_column(cells)
        labels = np.array([str(x) if x is not None else "" for x in names], dtype=object)
        step = np.full(n, np.nan) if step is None else step
        epoch = np.full(n, np.nan) if epoch is None else epoch
        order = np.arange(self.builder.rows + 1, self.builder.rows + n + 1, dtype=np.float64)
        names = [lab for lab in dict.fromkeys(labels.tolist()) if lab]
        self.builder.know(names)
        for label in names:
            mask = (labels == label) & present
            if mask.any():
                self.builder.add(label, values[mask], step[mask], epoch[mask], order=order[mask])


def _axis(cells: list) -> np.ndarray:
    values, present = float_column(cells)
    return np.where(present, values, np.nan)


def _open_text(path: Path, head: bytes) -> io.TextIOBase:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    return open(path, encoding=encoding, errors="replace", newline="")


def delimiter(line: str) -> str:
    """The delimiter a header line uses (comma, tab, semicolon or bar)."""
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _full_columns(rows: list, header: list) -> Optional[list]:
    """The columns of ``rows`` when every row is a data row of the header's width (the usual chunk, checked without
    a loop over the rows in Python); None otherwise."""
    if set(map(len, rows)) != {len(header)}:
        return None
    columns = list(zip(*rows))
    first = set(map(str.strip, columns[0]))
    if "" in first or header[0] in first:
        return None  # blank lines or a repeated header: row by row
    return columns


def _columns(rows: list, header: list) -> list:
    """The columns of the data rows: blank rows and repeated header lines left out, short rows padded."""
    width = len(header)
    kept = []
    for row in rows:
        if not row or not (row[0].strip() or any(c.strip() for c in row)):
            continue
        if row[0].strip() == header[0] and [c.strip() for c in row[:width]] == header:
            continue  # a header repeated by an appending restart
        if len(row) != width:
            row = row[:width] + [""] * (width - len(row))
        kept.append(row)
    return list(zip(*kept))


def read_csv(path: Path, *, builder: Optional[SeriesBuilder] = None, fmt: str = "csv") -> Run:
    """Read a CSV/TSV history (wide or long); ``builder`` names the columns (default: :func:`default_rename`)."""
    head = read_text_head(path)
    builder = builder or SeriesBuilder(str(path))
    table = TableBuilder(builder)
    try:
        with _open_text(path, head) as fh:
            first = ""
            for line in fh:
                if line.strip():
                    first = line
                    break
            delim = delimiter(first)
            header = [h.strip().strip("\ufeff") for h in next(csv.reader([first], delimiter=delim), [])]
            if not header or all(_is_number(h) for h in header if h.strip()):
                raise fail(path, "readers.error.table_no_header")
            reader = csv.reader(fh, delimiter=delim)
            while True:
                rows = list(islice(reader, CHUNK_ROWS))
                if not rows:
                    break
                columns = _full_columns(rows, header) or _columns(rows, header)
                if columns:
                    table.add_chunk(header, columns)
    except csv.Error as exc:
        raise fail(path, "readers.error.unreadable", detail=str(exc)) from None
    except OSError as exc:
        raise fail(path, "readers.error.unreadable", detail=exc.strerror or str(exc)) from None
    return _finish(builder, path, fmt, table)


def _is_number(cell: str) -> bool:
    return parse_number(cell) is not None


def _flatten(obj: dict, prefix: str = "", out: Optional[dict] = None) -> dict:
    out = {} if out is None else out
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            _flatten(v, key + "/", out)
        else:
            out[key] = v
    return out


def read_jsonl(path: Path) -> Run:
    """Read a JSON Lines history: one object per line (nested objects flattened with ``/``)."""
    head = read_text_head(path)
    builder = SeriesBuilder(str(path))
    table = TableBuilder(builder)
    rows: list = []
    try:
        with _open_text(path, head) as fh:
            for line in fh:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    obj = json.loads(line)
                except (ValueError, RecursionError):  # also a number of more than 4300 digits
                    continue  # a line cut by a crash or a concurrent writer
                if isinstance(obj, dict):
                    rows.append(_flatten(obj))
                if len(rows) >= CHUNK_ROWS:
                    _add_dict_rows(table, rows)
                    rows = []
    except OSError as exc:
        raise fail(path, "readers.error.unreadable", detail=exc.strerror or str(exc)) from None
    _add_dict_rows(table, rows)
    return _finish(builder, path, "jsonl", table)


def _add_dict_rows(table: TableBuilder, rows: list) -> None:
    if not rows:
        return
    header = list(dict.fromkeys(k for r in rows for k in r))
    table.add_chunk(header, [[r.get(k) for r in rows] for k in header])


def _finish(builder: SeriesBuilder, path: Path, fmt: str, table: TableBuilder) -> Run:
    run = builder.to_run(str(path), fmt)
    if not run.series:
        raise fail(path, "readers.error.no_numbers")
    for key, value in table.settings.items():
        run.config.set(key, int(value) if value.is_integer() else value, str(path))
    return run


def sniff_csv(path: Path, head: bytes) -> float:
    """A ``.csv``/``.tsv`` file, or a ``.txt``/``.dat`` file whose first lines split into as many cells by one
    delimiter, mostly numbers."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return 0.6
    if suffix in (".txt", ".dat", ""):
        text = head.decode("utf-8", "replace").lstrip("\ufeff")
        lines = [ln for ln in text.splitlines() if ln.strip()][:3]
        if len(lines) >= 2:
            d = delimiter(lines[0])
            if lines[0].count(d) >= 1 and all(ln.count(d) == lines[0].count(d) for ln in lines[1:]):
                cells = next(csv.reader([lines[1]], delimiter=d), [])
                if cells and sum(_is_number(c) for c in cells) >= len(cells) / 2:
                    return 0.3
    return 0.0


def sniff_jsonl(path: Path, head: bytes) -> float:
    """A ``.jsonl``/``.ndjson`` file, or a text file whose first line is a JSON object with more lines after it."""
    suffix = path.suffix.lower()
    text = head.decode("utf-8", "replace").lstrip("\ufeff").lstrip()
    if suffix in (".jsonl", ".ndjson"):
        return 0.6
    first = text.split("\n", 1)[0].strip()
    if first.startswith("{") and first.endswith("}") and "\n" in text:
        try:
            json.loads(first)
        except ValueError:
            return 0.0
        return 0.4
    return 0.0


register(Reader("csv", sniff_csv, read_csv))
register(Reader("jsonl", sniff_jsonl, read_jsonl))
