"""Tables pasted into or printed by a console log.

- Markdown tables, with or without their outer bars, spaced or compact (``epoch | test_accuracy | test_loss`` over
  ``-- | -- | --``: a Keras history pasted into an issue; ``epoch|mem|loss`` over ``-|-|-``), and CSV/TSV rows: a
  header of names, then rows of numbers. A cell may be a count out of a total (YOLO's epoch ``0/299``: the count) or a
  size with its unit (``7.17G``).
- Tables aligned with spaces under a rule of dashes (spaCy's ``E  #  LOSS TOK2VEC  LOSS NER  ENTS_F ... SCORE``):
  ``E`` is the epoch, ``#`` the step, ``LOSS <component>`` a training loss and the other columns scores on the
  development set; or under a header printed before each row whose row is the description of a tqdm bar (YOLO's
  ``Epoch  gpu_mem  box  obj  cls  labels  img_size`` over ``0/99  3.33G  0.045  0.068  0.023  75  640: 100%|███``),
  where ``box``, ``obj``, ``cls`` are the parts of the training loss and ``labels``, ``img_size`` counts.
- Tables with one column per split (AllenNLP's ``Training | Validation`` with one metric per row).
- The rows of a YOLO ``results.txt`` (Ultralytics YOLOv3/YOLOv5), which has no header: its columns are known.
"""

from __future__ import annotations

import math

from ..names import is_bookkeeping, normalise, parse_metric_name
from . import textlog_line as L
from . import textlog_patterns as P
from .textlog_buffer import EXPLICIT

NAN = math.nan
# Column names spaCy gives its epoch and step.
_TABLE_AXES = {"e": "epoch", "#": "step"}
# Cells a split table writes where a split has no value.
_MISSING = {"n/a", "na", "-", "", "none"}
# Columns that count what a row saw (YOLO's `labels`, `Instances`, `targets`) or its input size: no learning signal.
COUNT_COLUMNS = {"labels", "instances", "targets", "img_size", "imgsize", "size", "images"}
# The parts of a detector's training loss, named bare in an epoch table (YOLO's `box obj cls`, YOLOv3's `GIoU`,
# YOLOv8's `dfl`); `total` is their sum.
LOSS_PARTS = {"box", "obj", "cls", "dfl", "seg", "giou", "total"}
# The columns of a YOLO results.txt (YOLOv3 and YOLOv5 write the same fifteen): None for the epoch (read apart), the
# GPU memory, the label count, the image size, and the twelfth column, the F1 score in YOLOv3 but mAP@0.5:0.95 in
# YOLOv5 (a file cannot tell which).
YOLO_RESULTS_COLUMNS = (
    None,
    None,
    ("train/box_loss", "box"),
    ("train/obj_loss", "obj"),
    ("train/cls_loss", "cls"),
    ("train/loss", "total"),
    None,
    None,
    ("eval/precision", "P"),
    ("eval/recall", "R"),
    ("eval/map50", "mAP@0.5"),
    None,
    ("eval/box_loss", "val box"),
    ("eval/obj_loss", "val obj"),
    ("eval/cls_loss", "val cls"),
)


class TablesMixin:
    """The part of :class:`~.textlog_parser.LogParser` that reads tables."""

    table = None  # (kind, cells) of the open table's header: kind is `rows`, `spaced` or `splits`

    def _table(self, text: str, rank: int) -> bool:
        if L.is_table_rule(text):
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
        if kind == "spaced":
            bar = P.ROW_BAR.search(text)
            cells = (text[: bar.start()] if bar else text).split()
        else:
            cells = L.table_cells(text)
        values = None if cells is None or len(cells) != len(names) else [P.CELL_VALUE.match(c) for c in cells]
        if values is None or not all(values):
            self.table = None
            return False
        self._row(names, values, rank)
        return True

    def _row(self, names: list, cells: list, rank: int) -> None:
        """Record one row: ``cells`` are the :data:`~.textlog_patterns.CELL_VALUE` matches of its cells."""
        step = epoch = NAN
        points = []
        roles = [_TABLE_AXES.get(key.lower()) or L.key_role(key) for key in names]
        component_losses = any(n.lower().startswith("loss ") for n in names)
        epochs = "epoch" in roles
        for key, role, m in zip(names, roles, cells):
            count = m.group("count")
            value = float(count) if count is not None else L.parse_number(m.group("num"))
            if role == "epoch":
                epoch = value if "." in m.group(0) else float(self._epoch_index(int(value)))
            elif role == "step":
                step = value
            elif count is None and m.group("unit") is None:
                name = _column_name(key, component_losses, epochs)
                if name is not None:
                    points.append((name, key, value))
        flags = EXPLICIT if step == step or epoch == epoch else 0
        self._record(points, step, epoch, rank, flags=flags)

    def _yolo_results(self, text: str, rank: int) -> None:
        """A row of a YOLO results.txt: its epoch, then the columns of :data:`YOLO_RESULTS_COLUMNS`."""
        cells = text.split()
        epoch = float(self._epoch_index(int(cells[0].partition("/")[0])))
        points = [
            (column[0], column[1], L.parse_number(cell))
            for column, cell in zip(YOLO_RESULTS_COLUMNS, cells)
            if column is not None
        ]
        self._record(points, NAN, epoch, rank, flags=EXPLICIT)

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


def _column_name(key: str, component_losses: bool, epochs: bool):
    words = key.split()
    low = key.strip().lower()
    if low in COUNT_COLUMNS:
        return None
    if epochs and low in LOSS_PARTS:
        return normalise(f"{low}_loss", default_split="train")  # YOLO's `box` is the box loss; `total`, the loss
    if component_losses and words and words[0].lower() == "loss" and len(words) > 1:
        return normalise(" ".join(words[1:]) + " loss", default_split="train")  # spaCy's `LOSS NER`
    split = "eval" if component_losses or parse_metric_name(key).metric in L.EVALUATION_METRICS else None
    name = normalise(key, default_split=split)
    return None if is_bookkeeping(name.split("/")[-1]) else name
