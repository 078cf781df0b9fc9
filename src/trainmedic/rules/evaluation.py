"""Degenerate evaluation: an eval accuracy that can only come from a one-class eval set or a broken metric.

A model that predicts one class scores exactly 0 or exactly 1 only if every validation label is the same class; an
accuracy that flips between exactly 0 and exactly 1, or reads exactly 1 while the eval loss is NaN, says more about
the eval set (or the metric code) than about the model. An accuracy that does not move by a single example over
many evaluations while the model trains is the same story.
"""

from __future__ import annotations

import numpy as np

from ..i18n import Msg
from ..run import Run, Series
from . import rule
from .curves import as_fraction, eval_losses, evidence, make_finding, series_of, train_loss

# Exact-extreme values need corroboration (both extremes seen, a NaN eval loss beside them, or nothing else ever
# seen) in at least this many evaluations in all.
MIN_EXTREME_EVALS = 2
# An accuracy identical to the last digit over this many evaluations in a row while training moves is frozen.
CONSTANT_POINTS = 4
# "Training moves": the train loss changed by at least 10% over those evaluations (a nearly converged model may
# well score the same count of a small eval set a few times in a row).
TRAIN_MOVES = 0.1


def _loss_nonfinite_at(run: Run, s: Series, i: int) -> bool:
    for ls in eval_losses(run, s.parsed.group):
        if ls.parsed.evalset != s.parsed.evalset or ls.axis != s.axis:
            continue
        j = np.flatnonzero(ls.x == s.x[i])
        if j.size and not np.isfinite(ls.values[j[0]]):
            return True
    return False


def extreme_evaluation(run: Run, s: Series) -> dict | None:
    """Exact 0/1 accuracies that cannot be a working model's: facts or None."""
    y = as_fraction(s.values)
    fin = np.flatnonzero(np.isfinite(y))
    ext = [int(i) for i in fin if y[i] in (0.0, 1.0)]
    if len(fin) < MIN_EXTREME_EVALS or not ext:
        return None
    both = {float(y[i]) for i in ext} == {0.0, 1.0}
    nan_loss = any(_loss_nonfinite_at(run, s, i) for i in ext)
    only = len(ext) == len(fin)
    if not (both or nan_loss or only):
        return None
    return {"points": ext, "both": both, "nan_loss": nan_loss, "kind": "extreme"}


def frozen_evaluation(run: Run, s: Series) -> dict | None:
    """The longest run of identical accuracies (>= CONSTANT_POINTS) while the train loss moves."""
    fin = np.flatnonzero(np.isfinite(s.values))
    best: tuple = (0, 0)
    start = 0
    for j in range(1, len(fin) + 1):
        if j == len(fin) or s.values[fin[j]] != s.values[fin[start]]:
            if j - start > best[1] - best[0]:
                best = (start, j)
            start = j
    a, b = best
    if b - a < CONSTANT_POINTS:
        return None
    train = train_loss(run, s.parsed.group)
    if train is not None and train.axis == s.axis:
        sel = (train.x >= s.x[fin[a]]) & (train.x <= s.x[fin[b - 1]]) & np.isfinite(train.values)
        tv = train.values[sel]
        if tv.size >= 2 and (np.max(tv) - np.min(tv)) < TRAIN_MOVES * abs(float(np.median(tv)) or 1.0):
            return None  # the model hardly changes: an unchanged score is no surprise
    return {"points": [int(i) for i in fin[a:b]], "kind": "frozen"}


@rule("TM701", "degenerate-eval", symptom="degenerate_eval", severity="warning",
      thresholds={"MIN_EXTREME_EVALS": MIN_EXTREME_EVALS, "CONSTANT_POINTS": CONSTANT_POINTS,
                  "TRAIN_MOVES": TRAIN_MOVES})
def check_degenerate_eval(run: Run) -> list:
    """Eval accuracy exactly 0 or 1 with corroboration, or frozen to the last digit over many evaluations."""
    out = []
    for s in series_of(run, split="eval", metric="acc"):
        f = extreme_evaluation(run, s) or frozen_evaluation(run, s)
        if f is None:
            continue
        pts = f["points"]
        ev = [evidence(s, i, Msg(f"rule.TM701.ev_{f['kind']}")) for i in pts[:6]]
        values = ", ".join(f"{s.values[i]:.4f}" for i in pts[:6])
        key = "rule.TM701.message" if f["kind"] == "extreme" else "rule.TM701.message_frozen"
        out.append(make_finding("TM701", s, pts[0], ev=ev, until=pts[-1], message_key=key, data=f,
                                params={"values": values, "n": len(pts)}))
    return out
