"""Overfitting: the train loss keeps falling while the eval loss climbs away from its minimum and stays up.

A bump that comes back down (the eval loss ends near its minimum) is noise of a small eval set, not overfitting;
an eval loss that explodes while the train loss stays flat is divergence (TM201), not overfitting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts, Severity
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import as_fraction, eval_losses, evidence, make_finding, series_of, smoothed, train_loss
from .divergence import eval_divergence, train_kept
from .eval_gap import EvalGapParams, eval_gap
from .overfit_few import few_evals_overfit, fin_count
from .overfit_metric import task_metric_improves


@dataclass(frozen=True)
class OverfitParams(Params):
    """Thresholds of TM501: how far the eval loss must climb from its minimum while the train loss falls."""

    min_eval_points: int = param(3, "evaluations needed")
    min_rise: float = param(
        0.10,
        "the last eval loss must stay this far above its minimum: a small set's noise is "
        "a few percent, and a bump that ends near the minimum is not overfitting",
    )
    min_points_after: int = param(2, "evaluations after the minimum: one high point is a bump")
    min_train_drop: float = param(
        0.03,
        "over the same span the train loss must not have risen and have fallen this "
        "share (late in training it falls slowly while the eval loss climbs)",
    )
    few_max_evals: int = param(
        3, "with this many evaluations or fewer the eval loss cannot be watched climbing away from its minimum"
    )
    few_eval_noise: float = param(
        0.01,
        "an eval loss averaged over a held-out set moves about this share between two evaluations of nearly "
        "the same weights: the noise floor of a move seen in two or three evaluations",
    )
    few_noise_z: float = param(2.0, "a move between few evaluations counts when this many times its noise")
    few_gap: float = param(
        2.0,
        "... and the eval loss ends at least this many times the train loss: the model fits its train set far "
        "better than held-out data (healthy runs sit near 1-1.5x)",
    )


@dataclass(frozen=True)
class OverfitFacts(Facts):
    """The eval loss's minimum and how far it rose while the train loss kept falling."""

    minimum: float
    last: float
    rise: float
    train_kept: float
    series_all: tuple = ()


OVERFIT = OverfitParams()
EVAL_GAP = EvalGapParams()


@dataclass(frozen=True)
class MemoriseParams(Params):
    """Thresholds of TM502: a train set fitted while the eval loss, far above it, stopped improving."""

    loss_ratio: float = param(
        20.0,
        "the eval loss at the end at least this many times the train loss: the model "
        "is far surer of the examples it trained on than of any other",
    )
    train_fall: float = param(
        0.05,
        "the train loss fell to this share of its first value (or the train accuracy "
        "reached 1.0): it has fitted its train set",
    )
    min_evals: int = param(4, "evaluations needed to say the eval side stopped improving")
    stall: float = param(
        0.01, "no improvement: the best eval loss of the later half within 1% of the earlier half's best"
    )


@dataclass(frozen=True)
class MemoriseFacts(Facts):
    """A train set fitted almost perfectly while the eval side stopped improving."""

    train_loss: float
    eval_loss: float
    ratio: float
    train_acc: Optional[float] = None
    eval_acc_best: Optional[float] = None
    eval_acc_last: Optional[float] = None


def overfit_onset(run: Run, group: Optional[str], s: Series, p: OverfitParams = OVERFIT) -> dict | None:
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
    if _not_overfitting(run, group, s):
        return None
    return {"min": m, "onset": int(after[0]), "last": last, "rise": float(v[last]) / vmin, "train_kept": kept}


def _not_overfitting(run: Run, group: Optional[str], s: Series) -> bool:
    """An eval that explodes while training is flat is divergence; one that never followed training from its first
    point cannot overfit (TM702 says so)."""
    return eval_divergence(run, group, s) is not None or eval_gap(run, group, EVAL_GAP) is not None


@rule("TM501", "overfitting", symptom="overfitting", severity="warning", params=OverfitParams)
def check_overfitting(run: Run, p: OverfitParams) -> list:
    """Train loss falls while eval loss climbs from its minimum and stays up.

    What it does:
        Finds the eval loss's minimum and checks that it then stays up (at least {min_points_after} evaluations,
        ending {min_rise} above the minimum) while the train loss fell at least {min_train_drop} over the same
        span; every eval set is judged and the earliest onset reported. With {few_max_evals} evaluations or
        fewer, a rise between them while the train loss (its median over the points logged before each) fell is a
        warning when both moves are {few_noise_z}x their noise (the train loss's own, at least {few_eval_noise} of
        the level for an evaluation) and the eval loss ends {few_gap}x the train loss or more; info otherwise.
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
            if o is None and fin_count(s) <= p.few_max_evals and not _not_overfitting(run, group, s):
                o = few_evals_overfit(train_loss(run, group), s, p)
            if o is not None:
                hits.append((not o.get("strong", True), float(s.x[o["onset"]]), -o["rise"], s, o))
        if not hits:
            continue
        hits.sort(key=lambda h: h[:3])
        hits = [h[3:] for h in hits]
        s, o = hits[0]
        train = train_loss(run, group)
        ev = [
            evidence(s, o["min"], Msg("rule.TM501.ev_min")),
            evidence(s, o["onset"], Msg("rule.TM501.ev_onset")),
            evidence(s, o["last"], Msg("rule.TM501.ev_last")),
        ]
        ev += [
            evidence(h[0], h[1]["last"], Msg("rule.TM501.ev_other", {"rise": round(h[1]["rise"], 2)}))
            for h in hits[1:6]
        ]
        params = {
            "min": float(s.values[o["min"]]),
            "last": float(s.values[o["last"]]),
            "rise": round(o["rise"], 2),
            "train": train.label if train is not None else "",
            "train_drop": round(100 * (1 - o["train_kept"])),
            "sets": len(hits),
            "evals": fin_count(s),
            "train_first": o.get("train_first"),
            "train_last": o.get("train_last"),
            "gap": round(o.get("gap", 0.0), 1),
            "strong": "yes" if o.get("strong") else "no",
        }
        facts = OverfitFacts(
            minimum=float(s.values[o["min"]]),
            last=float(s.values[o["last"]]),
            rise=o["rise"],
            train_kept=o["train_kept"],
            series_all=tuple(h[0].name for h in hits),
        )
        few = "strong" in o
        key = "rule.TM501.message_few" if few else None
        severity = (Severity.WARNING if o["strong"] else Severity.INFO) if few else None
        held = task_metric_improves(run, group, s, o["min"], o["last"])
        if held is not None:  # the loss rose, the task did not suffer: confidence, not generalisation (info)
            key, severity = "rule.TM501.message_metric", Severity.INFO
            params.update(metric=held["series"].label, metric_min=held["at_min"], metric_last=held["last"])
        out.append(
            make_finding(
                "TM501",
                s,
                o["onset"],
                ev=ev,
                until=o["last"],
                params=params,
                facts=facts,
                message_key=key,
                severity=severity,
            )
        )
    return out


def memorisation(run: Run, group: Optional[str], p: MemoriseParams) -> Optional[dict]:
    """Facts when the train set is fitted almost perfectly while the eval loss stopped improving, else None."""
    tl = train_loss(run, group)
    el = next(iter(eval_losses(run, group)), None)
    if tl is None or el is None or tl.axis != el.axis:
        return None
    tv, ev_idx = tl.values[np.isfinite(tl.values)], np.flatnonzero(np.isfinite(el.values))
    if tv.size < 3 or ev_idx.size < p.min_evals or tv[0] <= 0:
        return None
    train_end = float(np.median(tv[-3:]))
    eval_end = float(el.values[ev_idx[-1]])
    tr_acc = next(iter(series_of(run, split="train", metric="acc", group=group)), None)
    acc_end = None
    if tr_acc is not None and np.isfinite(tr_acc.values).sum() >= 3:
        acc_end = float(np.min(as_fraction(tr_acc.values[np.isfinite(tr_acc.values)])[-3:]))
    fitted = train_end <= p.train_fall * float(tv[0]) or (acc_end is not None and acc_end >= 0.999)
    if not fitted or train_end <= 0 or eval_end < p.loss_ratio * train_end:
        return None
    half = ev_idx.size // 2
    first_best = float(np.min(el.values[ev_idx[:half]]))
    if float(np.min(el.values[ev_idx[half:]])) < (1 - p.stall) * first_best:
        return None  # the eval loss still improves: the model still generalises better
    out = {
        "train": tl,
        "eval": el,
        "train_end": train_end,
        "eval_end": eval_end,
        "ratio": eval_end / train_end,
        "train_acc": acc_end,
        "at": int(ev_idx[half]),
    }
    ea = next(iter(series_of(run, split="eval", metric="acc", group=group)), None)
    if ea is not None and np.isfinite(ea.values).sum() >= 2:
        a = as_fraction(ea.values[np.isfinite(ea.values)])
        if a[-1] >= float(np.max(a)):
            return None  # the eval accuracy is at its best now: nothing says generalisation suffers
        out.update(eval_acc_best=float(np.max(a)), eval_acc_last=float(a[-1]))
    return out


@rule("TM502", "memorisation", symptom="overfitting", severity="warning", params=MemoriseParams)
def check_memorisation(run: Run, p: MemoriseParams) -> list:
    """Train set fitted almost perfectly while the eval side stopped improving.

    What it does:
        Finds a train loss that fell to {train_fall} of its first value (or a train accuracy of 1.0) while the eval
        loss at the end is {loss_ratio}x the train loss or more, the eval loss of the later half of the evaluations
        no better than the earlier half's best (within {stall}), and the eval accuracy, when logged, below its best.
    Why it matters:
        The model is certain about the examples it trained on and not about any other: extra epochs memorise the
        train set. This is the overfitting that a rising eval loss does not show when the eval loss only stalls.
    Example:
        train loss 0.0005 and train accuracy 1.0 from epoch 95 while val loss stays at 0.13 (260x) and val accuracy
        fell from 0.9733 to 0.96.
    Fix:
        Keep the best checkpoint (early stopping on the eval metric); add regularisation (weight decay, dropout,
        augmentation), train fewer epochs, or get more data.
    """
    out = []
    rising = {run.get(f.series).parsed.group for f in check_overfitting(run, OVERFIT) if run.get(f.series) is not None}
    for group in run.groups:
        if group in rising:
            continue  # the eval loss already rises: TM501 tells it
        m = memorisation(run, group, p)
        if m is None:
            continue
        el, tl = m["eval"], m["train"]
        ev = [
            evidence(el, m["at"], Msg("rule.TM502.ev_eval")),
            evidence(el, int(np.flatnonzero(np.isfinite(el.values))[-1]), Msg("rule.TM502.ev_eval")),
            evidence(tl, int(np.flatnonzero(np.isfinite(tl.values))[-1]), Msg("rule.TM502.ev_train")),
        ]
        out.append(
            make_finding(
                "TM502",
                el,
                m["at"],
                ev=ev,
                until=int(np.flatnonzero(np.isfinite(el.values))[-1]),
                params={
                    "train": tl.label,
                    "train_loss": m["train_end"],
                    "eval_loss": m["eval_end"],
                    "ratio": round(m["ratio"]),
                    "acc_best": m.get("eval_acc_best") or "",
                    "acc_last": m.get("eval_acc_last") or "",
                },
                message_key="rule.TM502.message_acc" if m.get("eval_acc_best") else None,
                facts=MemoriseFacts(
                    train_loss=m["train_end"],
                    eval_loss=m["eval_end"],
                    ratio=m["ratio"],
                    train_acc=m["train_acc"],
                    eval_acc_best=m.get("eval_acc_best"),
                    eval_acc_last=m.get("eval_acc_last"),
                ),
            )
        )
    return out
