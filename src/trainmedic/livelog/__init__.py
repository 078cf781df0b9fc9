"""The ``trainmedic-live`` log format, and the one way of turning its records into a :class:`Run`.

The Monitor writes records (:mod:`trainmedic.live.records`) and feeds them to a :class:`RunBuilder`; the
``trainmedic-live`` reader and ``watch`` read the same records back through the same builder, so a run diagnosed live
and from its log is the same Run. Memory stays bounded however long the run (:mod:`trainmedic.livelog.history`).

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
    detectors from it). ``history`` holds keyword arguments for :class:`~trainmedic.livelog.history.SeriesHistory`.
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
        v = value if type(value) is float else number(value)
        col.append(step, epoch, v)
        if self.listener is not None:
            self.listener(name, step, v)

    def add_steps(self, rows: list) -> None:
        """Many steps at once: ``(step, epoch, loss, grad_norm, lrs, loss_scale, step_time, layers)`` rows of host
        values (None: not measured), as :meth:`add_step` on each would add them, column by column."""
        if self.listener is not None or not rows:
            for step, epoch, loss, norm, lrs, scale, step_time, layers in rows:
                self.add_step(
                    step,
                    epoch,
                    loss=loss,
                    grad_norm=norm,
                    lrs=lrs,
                    loss_scale=scale,
                    step_time=step_time,
                    layers=layers,
                )
            return
        steps = [r[0] for r in rows]
        epochs = [r[1] for r in rows]
        for step, _, _, _, _, _, _, layers in rows:
            if layers is not None:
                self.layers.append((step, {str(k): number(v) for k, v in layers.items()}))
        columns = [(LOSS, 2), (GRAD_NORM, 3), (LOSS_SCALE, 5), (STEP_TIME, 6)]
        width = max(len(r[4]) for r in rows)
        for name, at in columns:
            self._extend(name, steps, epochs, [r[at] for r in rows])
        for g in range(width):
            lrs = [r[4][g] if g < len(r[4]) else None for r in rows]
            self._extend(LR if g == 0 else f"{LR}_group{g}", steps, epochs, lrs)

    def _extend(self, name: str, steps: list, epochs: list, values: list) -> None:
        if None in values:
            kept = [i for i, v in enumerate(values) if v is not None]
            if not kept:
                return
            steps, epochs, values = [steps[i] for i in kept], [epochs[i] for i in kept], [values[i] for i in kept]
        col = self.columns.get(name)
        if col is None:
            col = self.columns[name] = SeriesHistory(**self._history)
        col.extend(steps, epochs, [v if type(v) is float else number(v) for v in values])

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
        lrs = rec.get("lr")
        if lrs is not None and not isinstance(lrs, (list, tuple)):
            lrs = (lrs,)
        self.add_step(
            number(rec.get("step")),
            number(rec.get("epoch")),
            loss=rec.get("loss"),
            grad_norm=rec.get("grad_norm"),
            lrs=lrs or (),
            loss_scale=rec.get("loss_scale"),
            step_time=rec.get("step_time"),
            layers=rec.get("layers") if isinstance(rec.get("layers"), dict) else None,
        )

    def add_step(
        self,
        step: float,
        epoch: float,
        *,
        loss: Any = None,
        grad_norm: Any = None,
        lrs: Any = (),
        loss_scale: Any = None,
        step_time: Any = None,
        layers: Optional[dict] = None,
    ) -> None:
        """One step's values (the Monitor's per-step path: no record dict to parse). A value that is None was not
        measured at this step and is absent, not NaN (NaN means non-finite)."""
        if layers is not None:
            # Kept beside the Run, not as series: a series per layer would be a "model group" to every rule.
            self.layers.append((step, {str(k): number(v) for k, v in layers.items()}))
        put = self._append
        if loss is not None:
            put(LOSS, step, epoch, loss)
        if grad_norm is not None:
            put(GRAD_NORM, step, epoch, grad_norm)
        if loss_scale is not None:
            put(LOSS_SCALE, step, epoch, loss_scale)
        if step_time is not None:
            put(STEP_TIME, step, epoch, step_time)
        for i, lr in enumerate(lrs):
            if lr is not None:
                put(LR if i == 0 else f"{LR}_group{i}", step, epoch, lr)

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
