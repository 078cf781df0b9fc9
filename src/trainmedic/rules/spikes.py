"""Loss spikes: a loss that jumps far above its local level for a few points and comes back.

One spike is weather (a hard batch, a loss-scale overflow); repeated or huge spikes are the signature of steps that
are too large for the curvature: the same mechanism that, a little stronger, diverges or produces NaN.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..i18n import Msg
from ..run import Run
from . import rule
from .curves import eval_losses, evidence, make_finding, median_of_rows, train_loss

MIN_POINTS = 10
# Local level: the median of up to 10 points before (a spike of a few points cannot move it); at least 3 of them,
# so that the high loss at the very start of training is not taken for a spike.
LOCAL_WINDOW = 10
LOCAL_MIN_POINTS = 3
# A spike is at least 3x the local level and at least 6 robust standard deviations above it: per-batch noise of a
# healthy run reaches neither.
SPIKE_RATIO = 3.0
SPIKE_Z = 6.0
# ... and it recovers: within 5 points the loss is back under 1.5x the local level (else it is divergence).
RECOVER_POINTS = 5
RECOVERED_RATIO = 1.5
# Spikes matter (warning instead of info) when there are three or more, or one is 10x the local level.
WARN_COUNT = 3
WARN_RATIO = 10.0


def find_spikes(values: np.ndarray) -> list:
    """(index, ratio to local level) of each recovered spike."""
    fin = np.isfinite(values)
    if fin.sum() < MIN_POINTS:
        return []
    # The median of the LOCAL_WINDOW points before each point (the point itself excluded), from the finite ones.
    before = sliding_window_view(np.concatenate([np.full(LOCAL_WINDOW, np.nan), values[:-1]]), LOCAL_WINDOW)
    local = median_of_rows(before)
    finite_so_far = np.concatenate([[0], np.cumsum(fin)])
    at = np.arange(len(values))
    local[finite_so_far[at] - finite_so_far[np.maximum(at - LOCAL_WINDOW, 0)] < LOCAL_MIN_POINTS] = np.nan
    ok = fin & np.isfinite(local)
    if not ok.any():
        return []
    mad = float(np.median(np.abs(values[ok] - local[ok])))
    scale = 1.4826 * mad if mad > 0 else float(np.median(np.abs(local[ok]))) * 1e-3
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = ok & (local > 0) & (values >= SPIKE_RATIO * local) & ((values - local) / scale >= SPIKE_Z)
    out = []
    resume = 0  # a spike's recovery points are not judged again
    for i in np.flatnonzero(jump):
        if i < resume:
            continue
        lv = local[i]
        after = values[i + 1: i + 1 + RECOVER_POINTS]
        back = np.flatnonzero(np.isfinite(after) & (after <= RECOVERED_RATIO * lv))
        if back.size:
            out.append((int(i), float(values[i] / lv)))
            resume = int(i) + int(back[0]) + 1
    return out


@rule("TM402", "loss-spike", symptom="spike", severity="warning",
      thresholds={"SPIKE_RATIO": SPIKE_RATIO, "SPIKE_Z": SPIKE_Z, "RECOVER_POINTS": RECOVER_POINTS,
                  "WARN_COUNT": WARN_COUNT, "WARN_RATIO": WARN_RATIO})
def check_spikes(run: Run) -> list:
    """Transient spikes of a train or eval loss; a warning when they are many or huge, else info."""
    out = []
    for group in run.groups:
        for s in [train_loss(run, group), *eval_losses(run, group)]:
            if s is None:
                continue
            sp = find_spikes(s.values)
            if not sp:
                continue
            worst = max(r for _, r in sp)
            severity = "warning" if len(sp) >= WARN_COUNT or worst >= WARN_RATIO else "info"
            ev = [evidence(s, i, Msg("rule.TM402.ev_spike", {"ratio": round(r, 1)})) for i, r in sp[:6]]
            out.append(make_finding("TM402", s, sp[0][0], ev=ev, until=sp[-1][0], severity=severity,
                                    params={"count": len(sp), "worst": round(worst, 1)},
                                    data={"spikes": [i for i, _ in sp], "worst_ratio": worst}))
    return out
