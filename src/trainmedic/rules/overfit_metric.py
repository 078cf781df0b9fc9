"""An eval loss that rises while the task metric of the same eval set keeps improving.

A cross-entropy eval loss also measures confidence: late in a fine-tune the model grows over-confident on the few
held-out examples it gets wrong, and the eval loss climbs while the task metric (accuracy, F1, BLEU, mAP, or an error
rate such as WER) still improves: eval loss 0.31 -> 0.47 while WER falls 34.6 -> 32.0 at every evaluation. While the
metric is at its best at the last evaluation, the checkpoint at the eval-loss minimum is worse at the task than the
last one, so the rise is not the loss of generalisation that overfitting means; TM501 says it at info level and names
the metric. Once the metric has peaked and fallen back, it is overfitting again, however small the fall.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..names import ERROR_RATES
from ..run import Run, Series
from .curves import series_of


def metric_direction(s: Series) -> int:
    """+1 when a higher value of the series is better, -1 for an error rate, 0 for anything else (a loss, a
    perplexity computed from the loss, bookkeeping)."""
    p = s.parsed
    if p.is_loss:
        return 0
    if p.higher_is_better:
        return 1
    return -1 if p.metric in ERROR_RATES else 0


def task_metric_improves(run: Run, group: Optional[str], loss: Series, at_min: int, last: int) -> Optional[dict]:
    """The task metric of ``loss``'s eval set when it still improves: better at the last evaluation up to ``last``
    than at the eval-loss minimum (position ``at_min``) and at its best there, while no other task metric of that
    eval set ends worse than at the minimum; as ``{"series", "at_min", "last"}``, else None. A metric that peaked
    and fell back, even a little, says the later checkpoints are worse: that stays overfitting."""
    x_min, x_last = float(loss.x[at_min]), float(loss.x[last])
    found = None
    for m in series_of(run, split="eval", group=group):
        sign = metric_direction(m)
        if not sign or m.parsed.evalset != loss.parsed.evalset or m.axis != loss.axis:
            continue
        fin = np.isfinite(m.values)
        before = np.flatnonzero(fin & (m.x <= x_min))
        after = np.flatnonzero(fin & (m.x > x_min) & (m.x <= x_last))
        if not before.size or not after.size:
            continue
        ref, end = float(m.values[before[-1]]), float(m.values[after[-1]])
        if sign * (end - ref) < 0:
            return None  # one task metric got worse: the rise of the loss costs the task
        if found is None and sign * (end - ref) > 0 and sign * end >= float(np.max(sign * m.values[after])):
            found = {"series": m, "at_min": ref, "last": end}
    return found
