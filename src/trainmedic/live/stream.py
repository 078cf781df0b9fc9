"""The alarms ``trainmedic watch`` raises while a run is still writing: the streaming detectors of
:mod:`trainmedic.rules.streaming`, fed only the points that are new since the last poll (each detector keeps its own
window), so that judging a poll costs what the poll added.

An alarm is raised only for a rule whose offline definition is that same detector (:data:`SHARED_CODES`): the final
diagnosis then finds what the alarm said, at the same point, by construction. No torch.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Optional

import numpy as np

from ..names import parse_metric_name
from ..observations import LiveAlarm
from ..rules.streaming import (
    FrozenMetric,
    GradientExplosion,
    GradientGrowth,
    GradientSpike,
    NonFinite,
    Spike,
    ZeroGradient,
    aligned,
)

# Rules whose offline check runs the detector named here: TM101 (the first non-finite point), TM402 (loss spikes),
# TM404, TM801 (gradient explosions), TM804, TM805, TM703. A rule joins when its offline check calls the detector's
# ``scan``.
SHARED_CODES = {
    "TM101": NonFinite,
    "TM402": Spike,
    "TM404": GradientSpike,
    "TM801": GradientExplosion,
    "TM804": GradientGrowth,
    "TM805": ZeroGradient,
    "TM703": FrozenMetric,
}
# The train-loss level an evaluation is compared with: the median of the last 10 train losses.
TRAIN_LEVEL_POINTS = 10
LOSS, GRAD_NORM = "train/loss", "train/grad_norm"


def _codes_for(name: str) -> list:
    """The shared detectors that judge a series of this name."""
    p = parse_metric_name(name)
    if p.metric in ("lr", "loss_scale", "step_time", "epoch", "step"):
        return []
    codes = ["TM101"]
    if name == GRAD_NORM:
        codes += ["TM404", "TM801", "TM804", "TM805"]
    if name == LOSS or (p.split == "eval" and p.metric == "loss"):
        codes.append("TM402")
    if p.split == "eval" and p.higher_is_better:
        codes.append("TM703")
    return codes


class StreamAlarms:
    """The detectors of one run, keyed by (series, code); each new point goes to the detectors of its series."""

    def __init__(self) -> None:
        self.detectors: dict = {}
        self.last_x: dict = {}  # series -> position of the last point fed
        self.recent_loss: deque = deque(maxlen=TRAIN_LEVEL_POINTS)
        self.loss_at: Optional[tuple] = None  # (x, value) of the last train loss fed
        self.nonfinite_said = False
        self.chance = math.nan  # 1/K when the run's config gives K (accuracies at chance are degenerate)
        self.loss_before: Optional[tuple] = None  # (x, value, axis) of the last train loss of the last run fed

    def feed(self, name: str, x: float, value: float, loss: Optional[float] = None) -> list:
        """Alarms confirmed by one new point of series ``name`` (``loss``: the train loss at ``x``, when known)."""
        if name == LOSS:
            self.loss_at = (x, value)
            if math.isfinite(value):
                self.recent_loss.append(value)
        if loss is None and self.loss_at is not None and self.loss_at[0] <= x:
            loss = self.loss_at[1]
        level = float(np.median(self.recent_loss)) if self.recent_loss else math.nan
        out = []
        for code in _codes_for(name):
            det = self.detectors.get((name, code))
            if det is None:
                det = self.detectors[(name, code)] = SHARED_CODES[code]()
            chance = self.chance if parse_metric_name(name).metric == "acc" else math.nan
            alarm = det.update(
                float(x), float(value), loss=math.nan if loss is None else loss, train_loss=level, chance=chance
            )
            if alarm is None or (code == "TM101" and self.nonfinite_said):
                continue
            self.nonfinite_said = self.nonfinite_said or code == "TM101"
            out.append(
                LiveAlarm(
                    step=int(x) if float(x).is_integer() else None,
                    code=code,
                    detector=alarm.detector,
                    series=name,
                    at=alarm.x,
                    value=alarm.value,
                    ratio=alarm.ratio,
                )
            )
        self.last_x[name] = x
        return out

    def know_classes(self, k) -> None:
        """Take the number of classes from the run's configuration (once it is read)."""
        try:
            k = int(k)
        except (TypeError, ValueError):
            return
        if k >= 2:
            self.chance = 1.0 / k

    def feed_run(self, run, *, continues: bool = False) -> list:
        """Alarms from the points of ``run`` beyond those already fed: a run re-read from files that grew, or, with
        ``continues``, only the points a followed file added (the train loss at a position is then the last one
        fed at or before it when the new points hold none)."""
        self.know_classes(run.config.get("num_classes"))
        out = []
        loss = run.get(LOSS)
        loss = loss.sorted() if loss is not None else None
        loss_x, loss_v = (loss.x, loss.values) if loss is not None else (None, None)
        if loss is not None and continues and self.loss_before is not None and self.loss_before[2] == loss.axis:
            loss_x = np.concatenate(([self.loss_before[0]], loss_x))
            loss_v = np.concatenate(([self.loss_before[1]], loss_v))
        if loss is not None and len(loss):
            self.loss_before = (float(loss.x[-1]), float(loss.values[-1]), loss.axis)
        names = sorted(run.series, key=lambda n: (n != LOSS, n))  # the loss first: the gradient detectors read it
        for name in names:
            s = run.series[name].sorted()
            last = self.last_x.get(name, -math.inf)
            new = np.flatnonzero(s.x > last)
            if not new.size:
                continue
            beside = aligned(s.x[new], loss_x, loss_v) if loss is not None and loss.axis == s.axis else None
            for j, i in enumerate(new):
                lv = None if beside is None or not math.isfinite(beside[j]) else float(beside[j])
                out += self.feed(name, float(s.x[i]), float(s.values[i]), lv)
        return out
