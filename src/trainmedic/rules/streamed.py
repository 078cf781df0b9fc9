"""Rules whose definition is a streaming detector (:mod:`trainmedic.rules.streaming`): what the live guard and
``watch`` raise during training is what ``diagnose`` finds afterwards, because both run the same detector.

- TM403 gradient-spike: a gradient norm far above its local level for a few points (an RNN's burst, a bad batch).
- TM804 gradient-growth: a gradient norm that climbs steadily to 20x: gradients never zeroed.
- TM702 frozen-metric: an evaluation metric (F1, recall, precision ...) identical over several evaluations while
  training moves. Accuracy is judged by TM701, which knows what a frozen accuracy means for the eval set.
"""

from __future__ import annotations

import numpy as np

from ..i18n import Msg
from ..run import Run
from . import rule
from .curves import evidence, make_finding, series_of, sorted_series, train_loss
from .streaming import FrozenMetric, GradientGrowth, GradientSpike, aligned

# A gradient-norm spike (10x its local level at least) is a warning at 50x (a hard batch moves the norm 3-5x, never
# 50x) or when it repeats three times; a single one below that is information.
GRAD_SPIKE_WARN_RATIO = 50.0
GRAD_SPIKE_WARN_COUNT = 3
# Evidence lists at most this many spikes (the JSON finding holds the count and the worst).
MAX_LISTED = 6


def _loss_beside(run: Run, s) -> np.ndarray:
    """The train loss at each point of series ``s`` (same group, same axis), NaN where unknown."""
    loss = train_loss(run, s.parsed.group)
    if loss is None or loss.axis != s.axis:
        return np.full(len(s), np.nan)
    return aligned(s.x, loss.x, loss.values)


@rule(
    "TM403",
    "gradient-spike",
    symptom="spike",
    severity="info",
    thresholds={
        "SPIKE_RATIO": GradientSpike.SPIKE_RATIO,
        "SPIKE_Z": GradientSpike.SPIKE_Z,
        "RECOVER_POINTS": GradientSpike.RECOVER_POINTS,
        "GRAD_SPIKE_WARN_RATIO": GRAD_SPIKE_WARN_RATIO,
        "GRAD_SPIKE_WARN_COUNT": GRAD_SPIKE_WARN_COUNT,
    },
)
def check_gradient_spikes(run: Run) -> list:
    """Gradient-norm spikes that come back; a warning when one is 50x its level or they repeat."""
    out = []
    for s in series_of(run, split="train", metric="grad_norm"):
        alarms = GradientSpike.scan(s.values, s.x)
        if not alarms:
            continue
        worst = max(a.ratio for a in alarms)
        warn = worst >= GRAD_SPIKE_WARN_RATIO or len(alarms) >= GRAD_SPIKE_WARN_COUNT
        ev = [
            evidence(s, a.index, Msg("rule.TM403.ev_spike", {"ratio": round(a.ratio, 1), "level": a.reference}))
            for a in alarms[:MAX_LISTED]
        ]
        out.append(
            make_finding(
                "TM403",
                s,
                alarms[0].index,
                ev=ev,
                until=alarms[-1].index,
                severity="warning" if warn else None,
                params={"count": len(alarms), "worst": round(worst, 1)},
                data={"spikes": [a.index for a in alarms], "worst_ratio": worst},
            )
        )
    return out


@rule(
    "TM804",
    "gradient-growth",
    symptom="gradient_explosion",
    severity="warning",
    thresholds={
        "GROWTH_RATIO": GradientGrowth.GROWTH_RATIO,
        "MIN_POINTS": GradientGrowth.MIN_POINTS,
        "RISE_SHARE": GradientGrowth.RISE_SHARE,
        "DIVERGED": GradientGrowth.DIVERGED,
    },
)
def check_gradient_growth(run: Run) -> list:
    """A gradient norm climbing steadily to 20x where it started while the loss has not diverged."""
    out = []
    for s in series_of(run, split="train", metric="grad_norm"):
        alarms = GradientGrowth.scan(s.values, s.x, loss=_loss_beside(run, s))
        if not alarms:
            continue
        a = alarms[0]
        ev = [
            evidence(s, a.index, Msg("rule.TM804.ev_start")),
            evidence(s, a.confirmed, Msg("rule.TM804.ev_now", {"ratio": round(a.ratio, 1)})),
        ]
        out.append(
            make_finding(
                "TM804",
                s,
                a.index,
                ev=ev,
                until=a.confirmed,
                params={
                    "start": a.reference,
                    "now": a.value,
                    "ratio": round(a.ratio, 1),
                    "points": a.confirmed - a.index + 1,
                },
                data={"ratio": a.ratio, "start": a.reference, "now": a.value},
            )
        )
    return out


@rule(
    "TM702",
    "frozen-metric",
    symptom="degenerate_eval",
    severity="warning",
    thresholds={"CONSTANT_POINTS": FrozenMetric.CONSTANT_POINTS, "TRAIN_MOVES": FrozenMetric.TRAIN_MOVES},
)
def check_frozen_metric(run: Run) -> list:
    """An eval metric other than accuracy identical over several evaluations while the train loss moves."""
    out = []
    for s in run.series.values():
        p = s.parsed
        if p.split != "eval" or not p.higher_is_better or p.metric == "acc":
            continue
        s = sorted_series(s)
        alarms = FrozenMetric.scan(s.values, s.x, train_loss=_loss_beside(run, s))
        if not alarms:
            continue
        a = alarms[0]
        end = a.confirmed
        while end + 1 < len(s) and s.values[end + 1] == a.value:
            end += 1
        ev = [evidence(s, a.index, Msg("rule.TM702.ev_first")), evidence(s, end, Msg("rule.TM702.ev_last"))]
        out.append(
            make_finding(
                "TM702",
                s,
                a.index,
                ev=ev,
                until=end,
                params={"value": a.value, "n": end - a.index + 1},
                data={"value": a.value, "points": end - a.index + 1},
            )
        )
    return out
