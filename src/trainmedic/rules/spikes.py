"""Loss spikes: a loss that jumps far above its local level for a few points and comes back.

One spike is weather (a hard batch, a loss-scale overflow); repeated or huge spikes are the signature of steps that
are too large for the curvature: the same mechanism that, a little stronger, diverges or produces NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts, Severity
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import eval_losses, evidence, make_finding, train_loss
from .streaming import Spike


@dataclass(frozen=True)
class SpikeParams(Params):
    """Thresholds of TM402: how far above its local level a loss must jump, and how soon it recovers."""

    min_points: int = param(Spike.MIN_POINTS, "points needed")
    local_window: int = param(
        Spike.LOCAL_WINDOW,
        "the local level is the median of up to this many points before (a spike of a few points cannot move it)",
    )
    local_min_points: int = param(
        Spike.LOCAL_MIN_POINTS, "points before needed, so the high loss at the start is not a spike"
    )
    spike_ratio: float = param(Spike.SPIKE_RATIO, "a spike is this many times the local level ...")
    spike_z: float = param(
        Spike.SPIKE_Z,
        "... and this many robust deviations of the recent log-residuals above it: batch noise reaches neither",
    )
    recover_points: int = param(
        Spike.RECOVER_POINTS,
        "the loss is back under recovered_ratio x the level within this many points (else it is divergence)",
    )
    recovered_ratio: float = param(Spike.RECOVERED_RATIO, "back to the ordinary range")
    warn_count: int = param(3, "spikes matter (warning, not info) when there are this many ...")
    warn_ratio: float = param(10.0, "... or one is this many times the local level")


@dataclass(frozen=True)
class SpikeFacts(Facts):
    """The spikes of one loss: their positions (point indices) and the worst ratio to the local level."""

    spikes: tuple
    worst_ratio: float


SPIKE = SpikeParams()


def find_spikes(values: np.ndarray, p: SpikeParams = SPIKE, x: Optional[np.ndarray] = None) -> list:
    """(index, ratio to local level) of each recovered spike: the streaming :class:`Spike` detector over the array,
    the same definition the live guard and ``watch`` use."""
    return [(a.index, a.ratio) for a in Spike.scan(values, x, thresholds=Spike.thresholds_of(p))]


def live_alarms(run: Run, code: str, s: Series) -> list:
    """(index, ratio) of the alarms the live guard's detectors raised on series ``s`` while training, at full
    resolution (a long run's history is kept decimated: these are the points it judged one by one)."""
    out = []
    for o in getattr(run, "observations", ()):
        if getattr(o, "kind", "") != "alarm" or getattr(o, "code", "") != code or getattr(o, "series", "") != s.name:
            continue
        hit = np.flatnonzero(s.x == o.at) if o.at is not None else np.array([], dtype=int)
        if hit.size:
            out.append((int(hit[0]), float(o.ratio)))
    return out


@rule("TM402", "loss-spike", symptom="spike", severity="warning", params=SpikeParams)
def check_spikes(run: Run, p: SpikeParams) -> list:
    """Loss jumps far above its local level and comes back.

    What it does:
        Compares every point with the median of the {local_window} points before it; a spike is {spike_ratio}x that
        level and {spike_z} robust deviations above it (of the log-loss, whose batch-to-batch spread the run itself
        shows), and recovers within {recover_points} points. A warning
        when there are {warn_count} or more, or one is {warn_ratio}x the level; else info.
    Why it matters:
        One spike is a hard batch; repeated or huge ones are steps too large for the curvature, the same mechanism
        that, a little stronger, diverges or produces NaN.
    Example:
        loss 0.4, 0.41, 3.9, 0.45, 0.42.
    Fix:
        Enable gradient clipping; lower the lr or lengthen warmup; look for bad samples in the batches at the
        spike steps.
    """
    out = []
    for group in run.groups:
        for s in [train_loss(run, group), *eval_losses(run, group)]:
            if s is None:
                continue
            sp = find_spikes(s.values, p, s.x)
            seen = {i for i, _ in sp}
            sp = sorted(sp + [a for a in live_alarms(run, "TM402", s) if a[0] not in seen])
            if not sp:
                continue
            worst = max(r for _, r in sp)
            severity = Severity.WARNING if len(sp) >= p.warn_count or worst >= p.warn_ratio else Severity.INFO
            ev = [evidence(s, i, Msg("rule.TM402.ev_spike", {"ratio": round(r, 1)})) for i, r in sp[:6]]
            out.append(
                make_finding(
                    "TM402",
                    s,
                    sp[0][0],
                    ev=ev,
                    until=sp[-1][0],
                    severity=severity,
                    params={"count": len(sp), "worst": round(worst, 1)},
                    facts=SpikeFacts(spikes=tuple(i for i, _ in sp), worst_ratio=worst),
                )
            )
    return out
