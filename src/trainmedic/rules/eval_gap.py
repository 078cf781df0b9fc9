"""An evaluation that does not follow training: the eval accuracy far below the train accuracy at every evaluation,
and the eval loss a multiple of the train loss, from the first evaluation the run shows.

Overfitting opens that gap gradually: the eval curve first follows training, then parts from it. An eval that sits far
below training from its first point, and does not move when training improves, measures something else than what
the model learns: labels shuffled apart from their inputs, a preprocessing or normalisation that differs between the
two paths, BatchNorm or dropout in the wrong mode, a one-class or mislabelled eval split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import as_fraction, eval_losses, evidence, make_finding, series_of, train_loss
from .learning import configured_classes


@dataclass(frozen=True)
class EvalGapParams(Params):
    """Thresholds of TM702: how far below the train accuracy an eval accuracy must stay."""

    min_evals: int = param(2, "evaluations needed (every one of them must show the gap)")
    acc_ratio: float = param(
        0.65,
        "eval accuracy at most this share of the train accuracy at the same point (an "
        "overfit model's eval accuracy stays far closer)",
    )
    min_train_acc: float = param(0.6, "training must have learnt something: its accuracy at least this high")
    loss_ratio: float = param(
        2.0, "the eval loss at least this many times the train loss at the same points, when both are logged"
    )


@dataclass(frozen=True)
class EvalGapFacts(Facts):
    """The worst (highest) eval/train accuracy ratio over the evaluations, the loss ratio, and chance when known."""

    acc_ratio: float
    loss_ratio: Optional[float]
    evaluations: int
    chance: Optional[float] = None
    at_chance: bool = False


def _at(train: Series, x: float) -> Optional[float]:
    """The train value logged at (or last before) position ``x`` on the same axis."""
    sel = np.flatnonzero((train.x <= x) & np.isfinite(train.values))
    return float(train.values[sel[-1]]) if sel.size else None


def eval_gap(run: Run, group: Optional[str], p: EvalGapParams) -> Optional[dict]:
    """Facts when the eval accuracy sits far below the train accuracy at every evaluation, else None."""
    tr_acc = next(iter(series_of(run, split="train", metric="acc", group=group)), None)
    ev_acc = next(iter(series_of(run, split="eval", metric="acc", group=group)), None)
    if tr_acc is None or ev_acc is None or tr_acc.axis != ev_acc.axis:
        return None
    idx = np.flatnonzero(np.isfinite(ev_acc.values))
    if idx.size < p.min_evals:
        return None
    e = as_fraction(ev_acc.values)
    t_all = as_fraction(tr_acc.values)
    tr_frac = Series(tr_acc.name, t_all, tr_acc.step, tr_acc.epoch, tr_acc.label)
    ratios = []
    for i in idx:
        t = _at(tr_frac, float(ev_acc.x[i]))
        if t is None or t < p.min_train_acc:
            return None
        ratios.append(float(e[i]) / t)
    if max(ratios) > p.acc_ratio:
        return None
    loss_ratio = None
    tl, el = train_loss(run, group), next(iter(eval_losses(run, group)), None)
    if tl is not None and el is not None and tl.axis == el.axis:
        lr = []
        for i in np.flatnonzero(np.isfinite(el.values)):
            t = _at(tl, float(el.x[i]))
            if t is not None and t > 0:
                lr.append(float(el.values[i]) / t)
        if lr:
            loss_ratio = min(lr)
            if loss_ratio < p.loss_ratio:
                return None  # the losses say the eval set is scored about as well as the train set
    k, _ = configured_classes(run)
    chance = 1.0 / k if k else None
    at_chance = chance is not None and float(np.median(e[idx])) <= chance * 1.3
    return {
        "series": ev_acc,
        "train": tr_acc,
        "points": idx,
        "acc_ratio": max(ratios),
        "loss_ratio": loss_ratio,
        "chance": chance,
        "at_chance": at_chance,
    }


@rule("TM702", "eval-not-tracking-train", symptom="degenerate_eval", severity="warning", params=EvalGapParams)
def check_eval_gap(run: Run, p: EvalGapParams) -> list:
    """Eval accuracy far below the train accuracy at every evaluation, from the first one shown.

    What it does:
        Compares the eval accuracy with the train accuracy logged at the same point: at every evaluation (at least
        {min_evals}) the eval accuracy is at most {acc_ratio} of a train accuracy of {min_train_acc} or more, and
        the eval loss is at least {loss_ratio}x the train loss when both are logged. With the number of classes
        known it says whether the eval accuracy is at chance.
    Why it matters:
        Overfitting opens the gap gradually, after the eval curve has followed training. An eval far below training
        from its first point measures something other than what the model learns: labels shuffled apart from their
        inputs, preprocessing or normalisation that differs between the train and eval paths, BatchNorm or dropout
        in the wrong mode, a mislabelled or one-class eval split. The eval numbers cannot guide training.
    Example:
        train accuracy 0.98 while val accuracy is 0.16-0.50 and val loss 3-11 (train loss 0.05) from epoch 0.
    Fix:
        Evaluate the train set through the eval path (same transforms, model.eval()): if its accuracy also drops,
        the eval path is broken; otherwise check the eval labels against their inputs, and the split.
    """
    out = []
    for group in run.groups:
        f = eval_gap(run, group, p)
        if f is None:
            continue
        s, pts = f["series"], f["points"]
        ev = [evidence(s, int(i), Msg("rule.TM702.ev_eval")) for i in pts[:4]]
        tr = f["train"]
        ev.append(evidence(tr, int(np.flatnonzero(np.isfinite(tr.values))[-1]), Msg("rule.TM702.ev_train")))
        key = "rule.TM702.message_chance" if f["at_chance"] else "rule.TM702.message"
        out.append(
            make_finding(
                "TM702",
                s,
                int(pts[0]),
                ev=ev,
                until=int(pts[-1]),
                message_key=key,
                params={
                    "ratio": round(f["acc_ratio"], 2),
                    "n": len(pts),
                    "train": tr.label,
                    "loss_ratio": round(f["loss_ratio"], 1) if f["loss_ratio"] else "?",
                    "chance": f["chance"] or "",
                },
                facts=EvalGapFacts(
                    acc_ratio=f["acc_ratio"],
                    loss_ratio=f["loss_ratio"],
                    evaluations=len(pts),
                    chance=f["chance"],
                    at_chance=f["at_chance"],
                ),
            )
        )
    return out
