"""Degenerate evaluation: an eval accuracy that can only come from a one-class eval set or a broken metric.

An accuracy of exactly 0 or 1 is not suspicious by itself: an easy task is legitimately solved, and a solved task
keeps scoring 1.0. It becomes evidence when the numbers beside it cannot belong to a model that the metric measures:
a flip between exactly 0 and exactly 1 (a one-class predictor on a one-class eval set), a NaN eval loss beside it,
an eval loss no model with that accuracy can have (all right with a loss above ln K, all wrong with a loss below
ln 2), or a perfect score with an eval loss far below the train loss (the eval set is easier than anything the model
trains on: one class). An accuracy that does not move by a single example over many evaluations while the model
trains is the same story.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts, Severity
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import as_fraction, eval_losses, evidence, make_finding, series_of, train_loss
from .never_scored import never_scored

EVIDENCE_NOTES = {"extreme": "rule.TM701.ev_extreme", "frozen": "rule.TM701.ev_frozen"}


@dataclass(frozen=True)
class DegenerateEvalParams(Params):
    """Thresholds of TM701: when exact 0s and 1s say the eval set, not the model, decides the score."""

    min_extreme_evals: int = param(2, "exact-extreme values need this many evaluations in the series")
    all_wrong_max_loss: float = param(
        round(math.log(2) * 0.9, 4),
        "every example wrong means a mean cross-entropy "
        "above ln 2; below it (with a margin) an accuracy "
        "of exactly 0 is not the model's",
    )
    perfect_ceiling_fallback: float = param(
        round(math.log(4), 4), "every example right means a loss of at most ln K; without K, ln 4"
    )
    easier_than_train: float = param(
        0.6,
        "a perfect score whose eval loss is below this share of the train loss "
        "(healthy runs sit at 0.7-1.3x, a one-class eval set at 0.4-0.5x)",
    )
    easier_min_evals: int = param(3, "perfect evaluations needed for the easier-than-train test")
    constant_points: int = param(
        4, "an accuracy identical to the last digit over this many evaluations in a row while training moves is frozen"
    )
    train_moves: float = param(0.1, "training moves: the train loss changed by this share of its level and range")
    zero_min_evals: int = param(
        3, "a metric exactly 0 at every one of this many evaluations or more, beside losses exactly 0 every step"
    )
    zero_alone_evals: int = param(
        6,
        "... and without such losses: a detector can score 0 for its first few evaluations; this many without a "
        "single match is not a slow start",
    )
    zero_loss_points: int = param(3, "a train loss component exactly 0 on every one of this many points or more")


@dataclass(frozen=True)
class DegenerateEvalFacts(Facts):
    """Which evaluations are degenerate (point indices) and why: ``kind`` "extreme" or "frozen"."""

    kind: str
    points: tuple
    both: bool = False
    nan_loss: bool = False
    impossible_loss: bool = False
    eval_below_train: Optional[float] = None


DEGENERATE = DegenerateEvalParams()


def _at_eval(s: Series, i: int, series: list) -> Optional[float]:
    """The value of the first of ``series`` logged at the position of point ``i`` of ``s`` (None when none is)."""
    for ls in series:
        if ls.axis != s.axis:
            continue
        j = int(np.searchsorted(ls.x, s.x[i], side="right")) - 1  # eval_losses are sorted along their axis
        if j >= 0 and ls.x[j] == s.x[i]:
            return float(ls.values[j])
    return None


def _eval_loss_at(run: Run, s: Series, i: int) -> Optional[float]:
    same = [ls for ls in eval_losses(run, s.parsed.group) if ls.parsed.evalset == s.parsed.evalset]
    return _at_eval(s, i, same)


def _train_loss_at(run: Run, s: Series, i: int) -> Optional[float]:
    """The last finite train loss logged at or before point ``i`` of ``s``."""
    tr = train_loss(run, s.parsed.group)
    if tr is None or tr.axis != s.axis:
        return None
    if not math.isfinite(s.x[i]):
        return None
    upto = int(np.searchsorted(tr.x, s.x[i], side="right"))  # points at or before: tr is sorted along its axis
    if upto and math.isfinite(tr.values[upto - 1]):
        return float(tr.values[upto - 1])
    ok = np.flatnonzero(np.isfinite(tr.values[:upto]))
    return float(tr.values[ok[-1]]) if ok.size else None


def _perfect_ceiling(run: Run, p: DegenerateEvalParams) -> float:
    try:
        k = int(run.config.get("num_classes") or 0)
    except (TypeError, ValueError):
        k = 0
    return math.log(k) if k >= 2 else p.perfect_ceiling_fallback


def extreme_evaluation(run: Run, s: Series, p: DegenerateEvalParams = DEGENERATE) -> Optional[dict]:
    """Exact 0/1 accuracies that cannot be a working model's: facts or None."""
    y = as_fraction(s.values)
    fin = np.flatnonzero(np.isfinite(y))
    ext = fin[(y[fin] == 0.0) | (y[fin] == 1.0)].tolist()
    if len(fin) < p.min_extreme_evals or not ext:
        return None
    both = {float(y[i]) for i in ext} == {0.0, 1.0}
    losses = {i: _eval_loss_at(run, s, i) for i in ext}
    nan_loss = [i for i in ext if losses[i] is not None and not math.isfinite(losses[i])]
    ceiling = _perfect_ceiling(run, p)
    impossible = [
        i
        for i in ext
        if losses[i] is not None
        and math.isfinite(losses[i])
        and ((y[i] == 0.0 and losses[i] < p.all_wrong_max_loss) or (y[i] == 1.0 and losses[i] > ceiling))
    ]
    ratios = []
    for i in ext:
        tl = _train_loss_at(run, s, i)
        if y[i] == 1.0 and losses[i] is not None and math.isfinite(losses[i]) and tl and tl > 0:
            ratios.append(losses[i] / tl)
    easier = len(ratios) >= p.easier_min_evals and float(np.median(ratios)) < p.easier_than_train
    if not (both or nan_loss or impossible or easier):
        return None
    if both or easier:
        points = ext
    else:
        points = sorted(set(nan_loss) | set(impossible))
    return {
        "points": points,
        "both": both,
        "nan_loss": bool(nan_loss),
        "impossible_loss": bool(impossible),
        "eval_below_train": round(float(np.median(ratios)), 3) if easier else None,
        "kind": "extreme",
    }


def _moves(values: np.ndarray, whole: np.ndarray, p: DegenerateEvalParams) -> bool:
    """Whether a loss changed over a window by TRAIN_MOVES of its level and of its range over the whole run."""
    v, w = values[np.isfinite(values)], whole[np.isfinite(whole)]
    if v.size < 2:
        return False
    change = float(np.max(v) - np.min(v))
    level = abs(float(np.median(v))) or 1.0
    span = float(np.max(w) - np.min(w)) if w.size else 0.0
    return change >= p.train_moves * level and change >= p.train_moves * span


def frozen_evaluation(run: Run, s: Series, p: DegenerateEvalParams = DEGENERATE) -> Optional[dict]:
    """The longest run of identical accuracies (>= CONSTANT_POINTS) while the model demonstrably changes.

    A score held at exactly 0 or 1 is left to :func:`extreme_evaluation` (a solved task keeps scoring 1.0), and a
    model whose losses are non-finite there is broken rather than unmeasured (the non-finite rule reports it).
    """
    fin = np.flatnonzero(np.isfinite(s.values))
    v = s.values[fin]
    edges = np.flatnonzero(v[1:] != v[:-1]) + 1  # where a new value starts
    starts, ends = np.r_[0, edges], np.r_[edges, len(v)]
    longest = int(np.argmax(ends - starts))  # the first of the longest
    a, b = int(starts[longest]), int(ends[longest])
    if b - a < p.constant_points or as_fraction(s.values)[fin[a]] in (0.0, 1.0):
        return None
    lo, hi = s.x[fin[a]], s.x[fin[b - 1]]
    losses = [_eval_loss_at(run, s, int(i)) for i in fin[a:b]]
    if any(v is not None and not math.isfinite(v) for v in losses):
        return None
    train = train_loss(run, s.parsed.group)
    if train is not None and train.axis == s.axis:
        sel = (train.x >= lo) & (train.x <= hi)
        if not np.isfinite(train.values[sel]).all() or not _moves(train.values[sel], train.values, p):
            return None
    else:
        known = np.array([v for v in losses if v is not None], dtype=float)
        if not _moves(known, known, p):
            return None  # nothing says the model changed between these evaluations
    return {"points": [int(i) for i in fin[a:b]], "kind": "frozen"}


@rule("TM701", "degenerate-eval", symptom="degenerate_eval", severity="warning", params=DegenerateEvalParams)
def check_degenerate_eval(run: Run, p: DegenerateEvalParams) -> list:
    """Eval accuracy exactly 0 or 1 (or frozen) in a way only a one-class eval set or a broken metric explains.

    What it does:
        Flags eval accuracies of exactly 0 or exactly 1 (with at least {min_extreme_evals} evaluations) when the
        numbers beside them cannot belong to a model the metric measures: exact 0 and exact 1 both occur; the eval
        loss beside them is NaN; the eval loss is impossible for that accuracy (all wrong with a loss below
        {all_wrong_max_loss}, all right with a loss above ln K, or {perfect_ceiling_fallback} without
        num_classes); or perfect scores whose eval loss is below {easier_than_train}x the train loss. Also flags an
        accuracy identical to the last digit over {constant_points}+ evaluations in a row while the train loss
        moves by {train_moves} of its level and of its range. Flags every evaluation metric (mAP, F1, IoU,
        accuracy) exactly 0 at each of {zero_alone_evals}+ evaluations while a train loss moves by {train_moves}
        of its level, or at {zero_min_evals}+ as an error when train loss components are exactly 0 on every one
        of {zero_loss_points}+ points (no prediction was ever matched to a target).
    Why it matters:
        A model that predicts a single class scores exactly 0 or exactly 1 only if every validation label is the
        same class; otherwise the accuracy code is wrong. Either way the eval numbers cannot tell good models from
        bad.
    Example:
        Val Acc 0.0000 at epoch 1, then 1.0000 with Val Loss nan.
    Fix:
        Count the labels of the validation set (one class only?), check the split and the metric code (argmax over
        the right axis, labels vs predictions).
    """
    out = []
    for s in series_of(run, split="eval", metric="acc"):
        f = extreme_evaluation(run, s, p) or frozen_evaluation(run, s, p)
        if f is None:
            continue
        pts = f["points"]
        ev = [evidence(s, i, Msg(EVIDENCE_NOTES[f["kind"]])) for i in pts[:6]]
        values = ", ".join(f"{s.values[i]:.4f}" for i in pts[:6])
        key = "rule.TM701.message" if f["kind"] == "extreme" else "rule.TM701.message_frozen"
        facts = DegenerateEvalFacts(
            kind=f["kind"],
            points=tuple(pts),
            both=f.get("both", False),
            nan_loss=f.get("nan_loss", False),
            impossible_loss=f.get("impossible_loss", False),
            eval_below_train=f.get("eval_below_train"),
        )
        out.append(
            make_finding(
                "TM701",
                s,
                pts[0],
                ev=ev,
                until=pts[-1],
                message_key=key,
                facts=facts,
                params={"values": values, "n": len(pts)},
            )
        )
    reported = {f.series for f in out}
    for group in run.groups:
        z = never_scored(
            run,
            group,
            min_evals=p.zero_min_evals,
            alone_evals=p.zero_alone_evals,
            zero_points=p.zero_loss_points,
            train_moves=p.train_moves,
        )
        if z is not None and not any(s.name in reported for s in z["metrics"]):
            out.append(_never_scored_finding(z))
    return out


def _never_scored_finding(z: dict):
    """The finding of metrics exactly 0 at every evaluation: an error when loss components say nothing matched."""
    s = z["metrics"][0]
    pts = [int(i) for i in np.flatnonzero(np.isfinite(s.values))]
    ev = [evidence(s, pts[0], Msg("rule.TM701.ev_zero")), evidence(s, pts[-1], Msg("rule.TM701.ev_zero"))]
    ev += [evidence(m, int(np.flatnonzero(np.isfinite(m.values))[-1])) for m in z["metrics"][1:4]]
    ev += [
        evidence(zl, int(np.flatnonzero(np.isfinite(zl.values))[-1]), Msg("rule.TM701.ev_zero_loss"))
        for zl in z["zero_losses"][:3]
    ]
    moving = z["moving"]
    fin = np.flatnonzero(np.isfinite(moving.values))
    ev += [evidence(moving, int(fin[0])), evidence(moving, int(fin[-1]), Msg("rule.TM701.ev_moving"))]
    return make_finding(
        "TM701",
        s,
        pts[0],
        ev=ev,
        until=pts[-1],
        message_key="rule.TM701.message_unmatched" if z["zero_losses"] else "rule.TM701.message_zero",
        severity=Severity.ERROR if z["zero_losses"] else Severity.WARNING,
        facts=DegenerateEvalFacts(kind="zero", points=tuple(pts)),
        params={
            "n": len(pts),
            "metrics": [m.label or m.name for m in z["metrics"]],
            "moving": moving.label or moving.name,
            "zero_losses": [zl.label or zl.name for zl in z["zero_losses"]] or None,
        },
    )
