"""Overfitting: the train loss keeps falling while the eval loss climbs away from its minimum and stays up.

A bump that comes back down (the eval loss ends near its minimum) is noise of a small eval set, not overfitting;
an eval loss that explodes while the train loss stays flat is divergence (TM201), not overfitting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..findings import Facts
from ..i18n import Msg
from ..run import Run
from . import Params, param, rule
from .curves import eval_losses, evidence, make_finding, smoothed, train_loss
from .divergence import eval_divergence, train_kept


@dataclass(frozen=True)
class OverfitParams(Params):
    min_eval_points: int = param(3, "evaluations needed")
    min_rise: float = param(0.10, "the last eval loss must stay this far above its minimum: a small set's noise is "
                                  "a few percent, and a bump that ends near the minimum is not overfitting")
    min_points_after: int = param(2, "evaluations after the minimum: one high point is a bump")
    min_train_drop: float = param(0.10, "over the same span the train loss must have fallen this share")


@dataclass(frozen=True)
class OverfitFacts(Facts):
    """The eval loss's minimum and how far it rose while the train loss kept falling."""

    minimum: float
    last: float
    rise: float
    train_kept: float
    series_all: tuple = ()


OVERFIT = OverfitParams()


def overfit_onset(run: Run, group, s, p: OverfitParams = OVERFIT) -> dict | None:
    """Facts about an eval loss that turned up while training went on, or None."""
    v = smoothed(s.values)
    fin = np.flatnonzero(np.isfinite(v))
    if fin.size < p.min_eval_points:
        return None
    m = int(fin[np.argmin(v[fin])])
    after = fin[fin > m]
    if after.size < p.min_points_after:
        return None
    vmin, last = float(v[m]), int(after[-1])
    if vmin <= 0 or float(v[last]) < (1 + p.min_rise) * vmin:
        return None
    kept = train_kept(train_loss(run, group), s, m, last)
    if kept is None or kept > 1 - p.min_train_drop:
        return None
    if eval_divergence(run, group, s) is not None:
        return None
    return {"min": m, "onset": int(after[0]), "last": last, "rise": float(v[last]) / vmin, "train_kept": kept}


@rule("TM501", "overfitting", symptom="overfitting", severity="warning", params=OverfitParams)
def check_overfitting(run: Run, p: OverfitParams) -> list:
    """Train loss falls while eval loss climbs from its minimum and stays up.

    What it does:
        Finds the eval loss's minimum and checks that it then stays up (at least {min_points_after} evaluations,
        ending {min_rise} above the minimum) while the train loss fell at least {min_train_drop} over the same
        span; every eval set is judged and the earliest onset reported.
    Why it matters:
        From that point on the model learns the train set rather than the task: later checkpoints generalise worse
        than the one at the minimum.
    Example:
        eval loss 1.11 (epoch 1) -> 1.13 -> 1.35 -> ... -> 2.75 while train loss falls 1.11 -> 0.055.
    Fix:
        Keep the checkpoint at the eval minimum (load_best_model_at_end, early stopping on eval loss); add
        regularisation (weight decay, dropout, augmentation), fewer epochs or more data.
    """
    out = []
    for group in run.groups:
        hits = []
        for s in eval_losses(run, group):
            o = overfit_onset(run, group, s, p)
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
        facts = OverfitFacts(minimum=float(s.values[o["min"]]), last=float(s.values[o["last"]]), rise=o["rise"],
                             train_kept=o["train_kept"], series_all=tuple(h[2].name for h in hits))
        out.append(make_finding("TM501", s, o["onset"], ev=ev, until=o["last"], params=params, facts=facts))
    return out
