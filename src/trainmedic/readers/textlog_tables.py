"""Tables pasted into or printed by a console log.

- Markdown tables, with or without their outer bars (``epoch | test_accuracy | test_loss`` over ``-- | -- | --``: a
  Keras history pasted into an issue), and CSV/TSV rows: a header of names, then rows of numbers.
- Tables aligned with spaces under a rule of dashes (spaCy's ``E  #  LOSS TOK2VEC  LOSS NER  ENTS_F ... SCORE``):
  ``E`` is the epoch, ``#`` the step, ``LOSS <component>`` a training loss and the other columns scores on the
  development set.
- Tables with one column per split (AllenNLP's ``Training | Validation`` with one metric per row).
"""

from __future__ import annotations

import math

from ..names import is_bookkeeping, normalise
from . import textlog_line as L
from . import textlog_patterns as P
from .textlog_buffer import EXPLICIT

NAN = math.nan
# Column names spaCy gives its epoch and step.
_TABLE_AXES = {"e": "epoch", "#": "step"}
# Cells a split table writes where a split has no value.
_MISSING = {"n/a", "na", "-", "", "none"}


class TablesMixin:
    """The part of :class:`~.textlog_parser.LogParser` that reads tables."""

    table = None  # (kind, cells) of the open table's header: kind is `rows`, `spaced` or `splits`

    def _table(self, text: str, rank: int) -> bool:
        if P.TABLE_RULE.match(text):
            return self.table is not None
        header = L.table_header(text)
        if header is not None:
            splits = [L.split_of(c.split()[0]) if c.split() else None for c in header]
            if all(splits):
                self.table = ("splits", splits)
            else:
                self.table = ("spaced" if "|" not in text and "," not in text and "\t" not in text else "rows", header)
            return True
        if self.table is None:
            return False
        kind, names = self.table
        if kind == "splits":
            return self._split_row(text, names, rank)
        cells = text.split() if kind == "spaced" else L.table_cells(text)
        if cells is None or len(cells) != len(names) or not all(P.CELL_NUM.match(c) for c in cells):
            self.table = None
            return False
        self._row(names, cells, rank)
        return True

    def _row(self, names: list, cells: list, rank: int) -> None:
        step = epoch = NAN
        points = []
        component_losses = any(n.lower().startswith("loss ") for n in names)
        for key, cell in zip(names, cells):
            value = L.parse_number(cell.strip())
            role = _TABLE_AXES.get(key.lower()) or L.key_role(key)
            if role == "epoch":
                epoch = value if "." in cell else float(self._epoch_index(int(value)))
            elif role == "step":
                step = value
            else:
                name = _column_name(key, component_losses)
                if name is not None:
                    points.append((name, key, value))
        flags = EXPLICIT if step == step or epoch == epoch else 0
        self._record(points, step, epoch, rank, flags=flags)

    def _split_row(self, text: str, splits: list, rank: int) -> bool:
        cells = L.table_cells(text)
        if cells is None or len(cells) != len(splits) + 1 or not L.is_name_cell(cells[0]):
            self.table = None
            return False
        key = cells[0]
        for split, cell in zip(splits, cells[1:]):
            if cell.strip().lower() in _MISSING or not P.CELL_NUM.match(cell):
                continue
            name = normalise(key, default_split=split)
            if not is_bookkeeping(name.split("/")[-1]):
                self._record([(name, f"{split} {key}", L.parse_number(cell))], self.last_step, self.last_epoch, rank)
        return True


def _column_name(key: str, component_losses: bool):
    words = key.split()
    if component_losses and words and words[0].lower() == "loss" and len(words) > 1:
        return normalise(" ".join(words[1:]) + " loss", default_split="train")  # spaCy's `LOSS NER`
    name = normalise(key, default_split="eval" if component_losses else None)
    return None if is_bookkeeping(name.split("/")[-1]) else name
