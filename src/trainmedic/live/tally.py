"""Evaluation metrics judged as they arrive (a metric frozen while training moves), and which observations are
worth a line during training. No torch."""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from ..i18n import Msg, msg
from ..names import normalise, parse_metric_name
from ..observations import LiveAlarm, StaleGradients
from ..rules.spikes import SPIKE
from ..rules.streamed import TRAIN_LEVEL_POINTS, GradientSpikeParams
from ..rules.streaming import FrozenMetric

# What is said during training when a rule's detector raises an alarm (full catalog keys).
ALARM_ANNOUNCEMENTS = {
    "TM101": "live.announce.alarm.TM101",
    "TM402": "live.announce.alarm.TM402",
    "TM404": "live.announce.alarm.TM404",
    "TM801": "live.announce.alarm.TM801",
    "TM804": "live.announce.alarm.TM804",
    "TM805": "live.announce.alarm.TM805",
    "TM703": "live.announce.alarm.TM703",
}
# The train-loss level an evaluation is compared with: the median of the last 10 applied steps (the rule's own).
TRAIN_LEVEL_STEPS = TRAIN_LEVEL_POINTS


class EvalWatch:
    """One frozen-metric detector per higher-is-better evaluation metric."""

    def __init__(self) -> None:
        self.detectors: dict = {}

    def update(self, step: int, metrics: dict, train_losses, chance: Optional[float] = None) -> list:
        """Alarms (:class:`LiveAlarm`, code TM703) confirmed by this evaluation; ``chance``: the accuracy of always
        answering the most common class, when known."""
        recent = list(train_losses)[-TRAIN_LEVEL_STEPS:]
        level = float(np.median(recent)) if recent else math.nan
        out = []
        for raw, value in metrics.items():
            name = normalise(raw, default_split="eval")
            if not parse_metric_name(name).higher_is_better:
                continue
            det = self.detectors.setdefault(name, FrozenMetric())
            at_chance = chance if chance is not None and parse_metric_name(name).metric == "acc" else math.nan
            alarm = det.update(float(step), float(value), train_loss=level, chance=at_chance)
            if alarm is not None:
                out.append(
                    LiveAlarm(
                        step=step,
                        code="TM703",
                        detector=alarm.detector,
                        series=name,
                        at=alarm.x,
                        value=alarm.value,
                        ratio=alarm.ratio,
                    )
                )
        return out

    def state_dict(self) -> dict:
        """JSON-safe state of the frozen-metric detectors, by metric."""
        return {name: d.state_dict() for name, d in self.detectors.items()}

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        for name, st in state.items():
            self.detectors.setdefault(name, FrozenMetric()).load_state_dict(st)


def announcement(obs, step: int, *, said_where: bool = False) -> Optional[Msg]:
    """The line to say during training for an observation, or None when it is not worth interrupting for (alarms
    below warning level, clipping, statistics). ``said_where``: the line is printed after its position already (as
    ``watch`` does), so it does not start with the step again."""
    if isinstance(obs, StaleGradients):
        return msg("live.announce.stale", step=step, ratio=round(obs.ratio, 1))
    if not isinstance(obs, LiveAlarm):
        return None
    at = int(obs.at) if obs.at is not None and math.isfinite(obs.at) else step
    params = {
        "step": None if said_where else step,
        "at": at,
        "series": obs.series,
        "value": obs.value,
        "ratio": round(obs.ratio, 1),
    }
    if obs.code == "TM404" and obs.ratio < GradientSpikeParams().warn_ratio:
        return None
    if obs.code == "TM402" and obs.ratio < SPIKE.warn_ratio:
        return None
    key = ALARM_ANNOUNCEMENTS.get(obs.code)
    return msg(key, **params) if key else None
