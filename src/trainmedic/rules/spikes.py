"""Loss spikes: a loss that jumps far above its local level for a few points and comes back.

One spike is weather (a hard batch, a loss-scale overflow); repeated or huge spikes are the signature of steps that
are too large for the curvature: the same mechanism that, a little stronger, diverges or produces NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..findings import Facts, Severity
from ..i18n import Msg
from ..run import Run
from . import Params, param, rule
from .curves import eval_losses, evidence, make_finding, median_of_rows, train_loss


@dataclass(frozen=True)
class SpikeParams(Params):
    min_points: int = param(10, "points needed")
    local_window: int = param(10, "the local level is the median of up to this many points before (a spike of a "
                                  "few points cannot move it)")
    local_min_points: int = param(3, "points before needed, so the high loss at the start is not a spike")
    ratio: float = param(3.0, "a spike is this many times the local level ...")
    z: float = param(6.0, "... and this many robust standard deviations above it: batch noise reaches neither")
    recover_points: int = param(5, "the loss is back under recovered_ratio x the level within this many points "
                                   "(else it is divergence)")
    recovered_ratio: float = param(1.5, "back to the ordinary range")
    warn_count: int = param(3, "spikes matter (warning, not info) when there are this many ...")
    warn_ratio: float = param(10.0, "... or one is this many times the local level")


@dataclass(frozen=True)
class SpikeFacts(Facts):
    """The spikes of one loss: their positions (point indices) and the worst ratio to the local level."""

    spikes: tuple
    worst_ratio: float


SPIKE = SpikeParams()
# The smallest noise a log-loss is credited with (1%): a loss printed to 3-4 digits and flat otherwise.
LOG_NOISE_FLOOR = 0.01


def find_spikes(values: np.ndarray, p: SpikeParams = SPIKE) -> list:
    """(index, ratio to local level) of each recovered spike."""
    fin = np.isfinite(values)
    if fin.sum() < p.min_points:
        return []
    # The median of the LOCAL_WINDOW points before each point (the point itself excluded), from the finite ones.
    before = sliding_window_view(np.concatenate([np.full(p.local_window, np.nan), values[:-1]]), p.local_window)
    local = median_of_rows(before)
    finite_so_far = np.concatenate([[0], np.cumsum(fin)])
    at = np.arange(len(values))
    local[finite_so_far[at] - finite_so_far[np.maximum(at - p.local_window, 0)] < p.local_min_points] = np.nan
    ok = fin & np.isfinite(local)
    if not ok.any():
        return []
    with np.errstate(divide="ignore", invalid="ignore"):
        if (values[fin] > 0).all():
            # A positive loss is judged on a log scale: per-batch losses of a converged model spread over decades
            # (0.0002 to 0.35 in one healthy epoch), so "far above" is a ratio, and the noise is that of log(loss).
            resid = np.log(values) - np.log(local)
            floor = LOG_NOISE_FLOOR
        else:
            resid = values - local
            floor = float(np.median(np.abs(local[ok]))) * 1e-3
        mad = float(np.median(np.abs(resid[ok])))
        scale = max(1.4826 * mad, floor)
        jump = ok & (local > 0) & (values >= p.ratio * local) & (resid / scale >= p.z)
    out = []
    resume = 0  # a spike's recovery points are not judged again
    for i in np.flatnonzero(jump):
        if i < resume:
            continue
        lv = local[i]
        after = values[i + 1: i + 1 + p.recover_points]
        back = np.flatnonzero(np.isfinite(after) & (after <= p.recovered_ratio * lv))
        if back.size:
            out.append((int(i), float(values[i] / lv)))
            resume = int(i) + int(back[0]) + 1
    return out


@rule("TM402", "loss-spike", symptom="spike", severity="warning", params=SpikeParams)
def check_spikes(run: Run, p: SpikeParams) -> list:
    """Loss jumps far above its local level and comes back.

    What it does:
        Compares every point with the median of the {local_window} points before it; a spike is {ratio}x that
        level and {z} robust standard deviations above it (of the log-loss, whose batch-to-batch spread the run
        itself shows), and recovers within {recover_points} points. A warning
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
            sp = find_spikes(s.values, p)
            if not sp:
                continue
            worst = max(r for _, r in sp)
            severity = Severity.WARNING if len(sp) >= p.warn_count or worst >= p.warn_ratio else Severity.INFO
            ev = [evidence(s, i, Msg("rule.TM402.ev_spike", {"ratio": round(r, 1)})) for i, r in sp[:6]]
            out.append(make_finding("TM402", s, sp[0][0], ev=ev, until=sp[-1][0], severity=severity,
                                    params={"count": len(sp), "worst": round(worst, 1)},
                                    facts=SpikeFacts(spikes=tuple(i for i, _ in sp), worst_ratio=worst)))
    return out
