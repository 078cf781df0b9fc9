"""The ``trainmedic-live`` log format, and the one way of turning its records into a :class:`Run`.

The Monitor writes records (:mod:`trainmedic.live.records`) and feeds them to a :class:`RunBuilder`; the
``trainmedic-live`` reader and ``watch`` read the same records back through the same builder, so a run diagnosed live
and from its log is the same Run. Memory stays bounded however long the run (:mod:`.history`).

Format ``trainmedic-live``, version 1 (non-finite numbers are the strings ``"nan"``, ``"inf"``, ``"-inf"``)::

    {"format": "trainmedic-live", "version": 1, "type": "header", "time": ..., "policy": "skip", "config": {...}}
    {"type": "step", "step": 12, "epoch": 0.1, "loss": 0.69, "grad_norm": 1.3, "lr": [0.001], "loss_scale": 65536.0,
     "step_time": 0.021, "action": "step", "batch": 11, "layers": {"encoder.0": 0.4, ...}}
    {"type": "eval", "step": 100, "epoch": 1.0, "metrics": {"acc": 0.81, "loss": 0.52}}
    {"type": "event", "kind": "skip" | "rollback" | "stop" | "provenance" | "snapshot" | "end", "step": 12,
     "message": "...", "data": {...}}
    {"type": "observation", "kind": "parameters" | "inputs" | "labels" | "gradient_flow" | ..., "step": 12, ...}

No torch here.
"""

from __future__ import annotations

import json
import math
from collections import Counter, deque
from collections.abc import Iterable
from typing import Any, Callable, Optional

from ..names import normalise
from ..observations import from_record
from ..run import Event, Run, Series, SourceInfo
from .history import SeriesHistory

FORMAT = "trainmedic-live"
VERSION = 1

# Series names shared with the offline readers, so that the same rules judge both.
LOSS, GRAD_NORM, LR, LOSS_SCALE, STEP_TIME = (
    "train/loss",
    "train/grad_norm",
    "train/lr",
    "train/loss_scale",
    "train/step_time",
)


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


# Events and observations of one kind kept at most (a guard that skips every step of a long run must not grow the
# run without bound): the first ones say where it began; the end event and the counters carry the totals.
MAX_PER_KIND = 1000
# Per-layer gradient norms kept: the last 200 samples (every 50 steps by default: the last 10k steps).
LAYER_SAMPLES = 200
GUARD_EVENTS = ("skip", "rollback", "stop")


class RunBuilder:
    """Grows a :class:`Run` record by record within bounded memory; :meth:`run` builds the numpy series on demand.

    ``listener(name, step, value)``, when given, sees every point as it is added (``watch`` feeds its streaming
    detectors from it). ``history`` holds keyword arguments for :class:`~trainmedic.live.history.SeriesHistory`.
    """

    def __init__(self, path: str = "", *, listener: Optional[Callable] = None, history: Optional[dict] = None) -> None:
        self.path = path
        self.header: Optional[dict] = None
        self.columns: dict = {}  # series name -> SeriesHistory
        self.events: list = []
        self.observations: list = []
        self.counts: Counter = Counter()  # events and observations seen, by kind (kept or not)
        self.layers: deque = deque(maxlen=LAYER_SAMPLES)  # (step, {layer: gradient norm})
        self.ended = False
        self.listener = listener
        self._history = dict(history or {})

    def _append(self, name: str, step: float, epoch: float, value: Any) -> None:
        col = self.columns.get(name)
        if col is None:
            col = self.columns[name] = SeriesHistory(**self._history)
        v = number(value)
        col.append(step, epoch, v)
        if self.listener is not None:
            self.listener(name, step, v)

    def _keep(self, kind: str, item: Any, into: list) -> None:
        self.counts[kind] += 1
        if self.counts[kind] <= MAX_PER_KIND:
            into.append(item)

    def add(self, rec: dict) -> None:
        """Consume one record (header, step, eval, event or observation)."""
        kind = rec.get("type")
        if kind == "header" or rec.get("format") == FORMAT:
            self.header = rec
        elif kind == "step":
            self._add_step(rec)
        elif kind == "eval":
            self._add_eval(rec)
        elif kind == "event":
            self._add_event(rec)
        elif kind == "observation":
            obs = from_record(rec)
            if obs is not None:
                self._keep("obs:" + obs.kind, obs, self.observations)

    def _add_event(self, rec: dict) -> None:
        data = rec.get("data") if isinstance(rec.get("data"), dict) else {}
        ev = Event(
            kind=str(rec.get("kind", "")),
            step=_position(rec.get("step")),
            epoch=_position(rec.get("epoch")),
            message=str(rec.get("message", "")),
            data=dict(data),
            source=self.path,
        )
        self._keep(ev.kind, ev, self.events)
        if ev.kind in GUARD_EVENTS:  # the typed view of the same record
            obs = from_record(
                {
                    "kind": "guard",
                    "step": ev.step,
                    "action": ev.kind,
                    **{k: data[k] for k in ("reason", "batch", "input_nonfinite") if k in data},
                    "to_step": data.get("to_step"),
                }
            )
            if obs is not None:
                self._keep("obs:guard", obs, self.observations)
        elif ev.kind == "provenance":
            obs = from_record(
                {
                    "kind": "provenance",
                    "step": ev.step,
                    "nan_kind": data.get("kind"),
                    **{k: data[k] for k in ("phase", "module", "dtype", "max_abs", "timestep") if k in data},
                }
            )
            if obs is not None:
                self._keep("obs:provenance", obs, self.observations)
        if ev.kind in ("end", "stop"):
            self.ended = True

    def _add_step(self, rec: dict) -> None:
        values = {
            LOSS: rec.get("loss"),
            GRAD_NORM: rec.get("grad_norm"),
            LOSS_SCALE: rec.get("loss_scale"),
            STEP_TIME: rec.get("step_time"),
        }
        lrs = rec.get("lr")
        if isinstance(lrs, (list, tuple)):
            for i, lr in enumerate(lrs):
                values[LR if i == 0 else f"{LR}_group{i}"] = lr
        elif lrs is not None:
            values[LR] = lrs
        step, epoch = number(rec.get("step")), number(rec.get("epoch"))
        if isinstance(rec.get("layers"), dict):
            # Kept beside the Run, not as series: a series per layer would be a "model group" to every rule.
            self.layers.append((step, {str(k): number(v) for k, v in rec["layers"].items()}))
        for name, v in values.items():
            if v is not None:  # a quantity not measured at this step is absent, not NaN (NaN means non-finite)
                self._append(name, step, epoch, v)

    def _add_eval(self, rec: dict) -> None:
        metrics = rec.get("metrics")
        if not isinstance(metrics, dict):
            return
        step, epoch = number(rec.get("step")), number(rec.get("epoch"))
        for name, v in metrics.items():
            if v is not None and not isinstance(v, (dict, list)):
                self._append(normalise(str(name), default_split="eval"), step, epoch, v)

    def run(self, *, fmt: str = FORMAT) -> Run:
        """The Run so far (series, events, observations and the config from the header)."""
        run = Run(path=self.path)
        for name, col in self.columns.items():
            steps, epochs, values = col.arrays()
            run.series[name] = Series.build(name, values, step=steps, epoch=epochs, source=self.path)
        run.events = list(self.events)
        run.observations = list(self.observations)
        header = self.header or {}
        config = header.get("config") if isinstance(header.get("config"), dict) else {}
        for key, value in config.items():
            run.config.set(str(key), value, self.path, 1)
        run.config.derive()
        run.sources.append(
            SourceInfo(
                path=self.path, format=fmt, points=sum(c.count for c in self.columns.values()), series=list(run.series)
            )
        )
        return run


def _position(v: Any) -> Optional[float]:
    """A step or epoch of an event record (None when absent or not a finite number)."""
    x = number(v)
    return x if math.isfinite(x) else None
