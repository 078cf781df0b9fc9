"""The live run log: one JSON object per line, and the one way of turning those records into a :class:`Run`.

The Monitor writes records and feeds them to a :class:`RunBuilder`; the ``trainmedic-live`` reader and ``watch``
read the same records back through the same builder, so a run diagnosed live and from its log is the same Run.

Format ``trainmedic-live``, version 1 (non-finite numbers are the strings ``"nan"``, ``"inf"``, ``"-inf"``)::

    {"format": "trainmedic-live", "version": 1, "type": "header", "time": ..., "policy": "skip", "config": {...}}
    {"type": "step", "step": 12, "epoch": 0.1, "loss": 0.69, "grad_norm": 1.3, "lr": [0.001], "loss_scale": 65536.0,
     "step_time": 0.021, "action": "step", "batch": 11, "layers": {"encoder.0": 0.4, ...}}
    {"type": "event", "kind": "skip" | "rollback" | "stop" | "provenance" | "snapshot" | "end", "step": 12,
     "message": "...", "data": {...}}

This module does not import torch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any, Optional

from ..report.model import json_number
from ..run import Event, Run, Series, SourceInfo

FORMAT = "trainmedic-live"
VERSION = 1

# Series names shared with the offline readers, so that the same rules judge both.
LOSS, GRAD_NORM, LR, LOSS_SCALE, STEP_TIME = (
    "train/loss", "train/grad_norm", "train/lr", "train/loss_scale", "train/step_time")


def plain(v: Any) -> Any:
    """A value made strict-JSON-safe: non-finite floats become ``"nan"`` / ``"inf"`` / ``"-inf"``."""
    if isinstance(v, float):
        return json_number(v)
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if v is None or isinstance(v, (str, int, bool)):
        return v
    try:  # numpy scalars, 0-d tensors
        return plain(v.item())
    except (AttributeError, ValueError):
        return str(v)


def number(v: Any) -> float:
    """A logged number back as a float (``"nan"`` -> nan, missing -> nan)."""
    if v is None:
        return math.nan
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def dumps(record: dict) -> str:
    """One log line (without the newline)."""
    return json.dumps(plain(record), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def parse_lines(lines: Iterable[str]) -> Iterable[dict]:
    """Records from log lines; blank lines and a line cut off by a crash are skipped."""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
        except ValueError:  # cut off by a crash, or damaged (a 5000-digit number is past json's integer limit)
            continue
        if isinstance(rec, dict):
            yield rec


class RunBuilder:
    """Grows a :class:`Run` record by record. Cheap to append; :meth:`run` builds the numpy series on demand."""

    def __init__(self, path: str = "") -> None:
        self.path = path
        self.header: Optional[dict] = None
        self.steps: list = []
        self.columns: dict = {}  # series name -> (steps, epochs, values)
        self.events: list = []
        self.layers: list = []  # (step, {layer: gradient norm}) every few steps
        self.ended = False

    def _append(self, name: str, step: float, epoch: float, value: Any) -> None:
        col = self.columns.get(name)
        if col is None:
            col = self.columns[name] = ([], [], [])
        col[0].append(step)
        col[1].append(epoch)
        col[2].append(number(value))

    def add(self, rec: dict) -> None:
        """Consume one record (header, step or event)."""
        kind = rec.get("type")
        if kind == "header" or rec.get("format") == FORMAT:
            self.header = rec
        elif kind == "step":
            self._add_step(rec)
        elif kind == "event":
            ev = Event(kind=str(rec.get("kind", "")), step=rec.get("step"), epoch=rec.get("epoch"),
                       message=str(rec.get("message", "")), data=dict(rec.get("data") or {}), source=self.path)
            self.events.append(ev)
            if ev.kind in ("end", "stop"):
                self.ended = True

    def _add_step(self, rec: dict) -> None:
        values = {LOSS: rec.get("loss"), GRAD_NORM: rec.get("grad_norm"), LOSS_SCALE: rec.get("loss_scale"),
                  STEP_TIME: rec.get("step_time")}
        lrs = rec.get("lr")
        if isinstance(lrs, (list, tuple)):
            for i, lr in enumerate(lrs):
                values[LR if i == 0 else f"{LR}_group{i}"] = lr
        elif lrs is not None:
            values[LR] = lrs
        if rec.get("layers"):
            # Kept beside the Run, not as series: a series per layer would be a "model group" to every rule.
            self.layers.append((number(rec.get("step")), {k: number(v) for k, v in rec["layers"].items()}))
        step, epoch = number(rec.get("step")), number(rec.get("epoch"))
        self.steps.append(step)
        for name, v in values.items():
            if v is not None:  # a quantity not measured at this step is absent, not NaN (NaN means non-finite)
                self._append(name, step, epoch, v)

    def run(self, *, fmt: str = FORMAT) -> Run:
        """The Run so far (series, events and the config from the header)."""
        run = Run(path=self.path)
        for name, (steps, epochs, values) in self.columns.items():
            run.series[name] = Series.build(name, values, step=steps, epoch=epochs, source=self.path)
        run.events = list(self.events)
        header = self.header or {}
        for key, value in (header.get("config") or {}).items():
            run.config.set(key, value, self.path, 1)
        run.config.derive()
        run.sources.append(SourceInfo(path=self.path, format=fmt, points=sum(len(s) for s in run.series.values()),
                                      series=list(run.series)))
        return run


class LogWriter:
    """Appends records to the run log and flushes each line, so that a crash loses at most the line being written."""

    def __init__(self, path: str) -> None:
        import os

        self.path = str(path)
        parent = os.path.dirname(self.path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        self._fh = open(self.path, "a", encoding="utf-8")

    def write(self, record: dict) -> None:
        if self._fh.closed:
            return
        self._fh.write(dumps(record) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()
