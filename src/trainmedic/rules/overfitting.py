"""Overfitting: the train loss keeps falling while the eval loss climbs away from its minimum and stays up.

A bump that comes back down (the eval loss ends near its minimum) is noise of a small eval set, not overfitting;
an eval loss that explodes while the train loss stays flat is divergence (TM201), not overfitting.
"""

from __future__ import annotations

import numpy as np

from ..i18n import Msg
from ..run import Run
from . import rule
from .curves import eval_losses, evidence, make_finding, smoothed, train_loss
from .divergence import eval_divergence, train_kept

MIN_EVAL_POINTS = 3
# The last eval loss must stay 10% above the minimum: a small set's noise is a few percent, and a bump that recovers
# (ends near the minimum) is not overfitting.
MIN_RISE = 0.10
# At least two evaluations after the minimum: one high point is a bump.
MIN_POINTS_AFTER = 2
# Over the same span the train loss must have fallen at least 10%: the model is still fitting the train set.
MIN_TRAIN_DROP = 0.10


def overfit_onset(run: Run, group, s) -> dict | None:
    """Facts about an eval loss that turned up while training went on, or None."""
    v = smoothed(s.values)
    fin = np.flatnonzero(np.isfinite(v))
    if fin.size < MIN_EVAL_POINTS:
        return None
    m = int(fin[np.argmin(v[fin])])
    after = fin[fin > m]
    if after.size < MIN_POINTS_AFTER:
        return None
    vmin, last = float(v[m]), int(after[-1])
    if vmin <= 0 or float(v[last]) < (1 + MIN_RISE) * vmin:
        return None
    kept = train_kept(train_loss(run, group), s, m, last)
    if kept is None or kept > 1 - MIN_TRAIN_DROP:
        return None
    if eval_divergence(run, group, s) is not None:
        return None
    return {"min": m, "onset": int(after[0]), "last": last, "rise": float(v[last]) / vmin, "train_kept": kept}


@rule("TM501", "overfitting", symptom="overfitting", severity="warning",
      thresholds={"MIN_RISE": MIN_RISE, "MIN_POINTS_AFTER": MIN_POINTS_AFTER, "MIN_TRAIN_DROP": MIN_TRAIN_DROP})
def check_overfitting(run: Run) -> list:
    """One finding per model group, at the first evaluation after the eval loss's minimum (all eval sets judged)."""
    out = []
    for group in run.groups:
        hits = []
        for s in eval_losses(run, group):
            o = overfit_onset(run, group, s)
            if o is not None:
                hits.append((float(s.x[o["onset"]]), -o["rise"], s, o))
        if not hits:
            continue
        hits.sort(key=lambda h: (h[0], h[1]))
        _, _, s, o = hits[0]
        train = train_loss(run, group)
        ev = [evidence(s, o["min"], Msg("rule.TM501.ev_min")), evidence(s, o["onset"], Msg("rule.TM501.ev_onset")),
              evidence(s, o["last"], Msg("rule.TM501.ev_last"))]
        ev += [evidence(h[2], h[3]["last"], Msg("rule.TM501.ev_other", {"rise": round(h[3]["rise"], 2)}))
               for h in hits[1:6]]
        params = {"min": float(s.values[o["min"]]), "last": float(s.values[o["last"]]), "rise": round(o["rise"], 2),
                  "train": train.label if train is not None else "", "train_drop": round(100 * (1 - o["train_kept"])),
                  "sets": len(hits)}
        out.append(make_finding("TM501", s, o["onset"], ev=ev, until=o["last"], params=params,
                                data={**o, "series_all": [h[2].name for h in hits]}))
    return out
