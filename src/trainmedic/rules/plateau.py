"""Plateaus: a loss that never moves from where training started, a loss floor a perfect classifier would pass, an
lr that has reached zero, and an lr cut by ReduceLROnPlateau because the monitored metric stopped improving.

A flat stretch of a loss is not a plateau by itself: late in a run, after the lr has decayed, a flat loss is what a
converged model looks like, and an excerpt of the late epochs says nothing about whether the run ever learnt. A
warning needs the flat loss to start where training starts, or a reason the run itself gives (an lr of zero, a
scheduler that says the metric stopped improving).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts, Position, Severity
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import (
    as_fraction,
    eval_losses,
    evidence,
    finite_min,
    first_finite,
    longest_true_run,
    make_finding,
    series_of,
    smoothed,
    train_loss,
)
from .learning import _accuracy, chance_level, configured_classes


@dataclass(frozen=True)
class PlateauParams(Params):
    """Thresholds of TM302: how little a train loss may fall to be flat, and what makes a floor."""

    min_drop: float = param(0.02, "a smoothed train loss that never falls this share below its start has not moved")
    min_points: int = param(10, "points needed to call a loss flat")
    start_share: float = param(
        0.05,
        "the window starts where training starts when its first step (or epoch) is within this share of its last one",
    )
    floor_acc: float = param(0.99, "an accuracy this high normally drives the cross-entropy towards 0")
    floor_min_level: float = param(0.1, "a floor below this is convergence, not a floor")
    floor_flat: float = param(0.03, "the last third within 3% of one level is a floor")


@dataclass(frozen=True)
class LrZeroParams(Params):
    """Thresholds of TM304: how many logged zeros of the lr, with the loss not falling."""

    min_points: int = param(3, "consecutive logged lr values of exactly 0 (to the printed precision)")
    loss_fall: float = param(0.05, "over those points the loss must not fall by more than this share")
    end_share: float = param(
        0.15,
        "zeros only in this last share of a log whose lr decayed into them are the schedule ending as planned (info)",
    )


@dataclass(frozen=True)
class PlateauFacts(Facts):
    """A flat loss (``kind`` "flat"), a loss floor under a perfect accuracy ("floor"), an lr at zero ("lr_zero") or
    an lr cut by a plateau scheduler ("lr_cut")."""

    kind: str
    start: float = 0.0
    low: float = 0.0
    floor: float = 0.0
    acc: float = 0.0
    k: Optional[int] = None
    lr: Optional[float] = None
    from_start: bool = True


PLATEAU = PlateauParams()
# ReduceLROnPlateau's message (PyTorch, Keras) and its equivalents in other frameworks.
PLATEAU_CUT = re.compile(r"reduc\w* learning rate|ReduceLROnPlateau|reducing lr|lr reduced", re.IGNORECASE)


def starts_at_beginning(s: Series, share: float) -> bool:
    """Whether a series' first logged point is where training starts (not an excerpt of a later stretch)."""
    x = s.x[np.isfinite(s.x)]
    if not x.size:
        return True
    first, last = float(np.min(x)), float(np.max(x))
    if s.axis == "index":
        return True  # a log without counters: its first line is all we know of the start
    if s.axis == "epoch":
        return first <= 1.0 or (last > 0 and first <= share * last)
    return first <= max(1.0, share * last)


@rule("TM302", "loss-plateau", symptom="plateau", severity="warning", params=PlateauParams)
def check_plateau(run: Run, p: PlateauParams) -> list:
    """Train loss never falls below where training started, or settles on a floor a perfect classifier would pass.

    What it does:
        Smooths the train loss and checks whether it ever fell {min_drop} below its starting level over at least
        {min_points} points. A warning only when the log starts where training starts (its first step within
        {start_share} of its last); a flat excerpt of a later stretch is info. Also finds a loss floor: an eval
        accuracy of {floor_acc} or more while the train loss's last third stays within {floor_flat} of one level
        above {floor_min_level}.
    Why it matters:
        A loss that does not move from its first value means the updates do not change the model's predictions: lr
        too small, frozen weights, a detached graph, or data that carries no signal. A floor under a perfect
        accuracy means the loss and the model's output disagree (probabilities fed to a loss that applies softmax
        itself).
    Example:
        loss 2.31, 2.30, 2.31, 2.30 ... for 2000 steps from step 0.
    Fix:
        Check the trainable parameters and the optimizer's parameter list, the lr schedule (not stuck at 0), and
        that the loss is computed from the model's output (logits, not probabilities).
    """
    out = []
    for group in run.groups:
        loss = train_loss(run, group)
        if loss is None or np.isfinite(loss.values).sum() < p.min_points or chance_level(run, group):
            continue
        v = smoothed(loss.values)
        start = float(np.median(loss.values[first_finite(loss.values, 3)]))  # NaNs are TM101's
        low = finite_min(v)
        if start <= 0 or low < (1 - p.min_drop) * start:
            floor = loss_floor(run, group, p)
            if floor is not None:
                out.append(_floor_finding(loss, floor))
            continue
        fin = np.flatnonzero(np.isfinite(v))
        ev = [evidence(loss, fin[0]), evidence(loss, fin[-1])]
        from_start = starts_at_beginning(loss, p.start_share)
        key = "rule.TM302.message" if from_start else "rule.TM302.message_excerpt"
        out.append(
            make_finding(
                "TM302",
                loss,
                fin[min(len(fin) - 1, 2)],
                ev=ev,
                until=int(fin[-1]),
                message_key=key,
                severity=None if from_start else Severity.INFO,
                params={"start": start, "low": low, "n": int(fin.size)},
                facts=PlateauFacts(kind="flat", start=start, low=low, from_start=from_start),
            )
        )
    return out


def loss_floor(run: Run, group: Optional[str], p: PlateauParams = PLATEAU) -> Optional[dict]:
    """Facts when the train loss has settled on a level it cannot go below while the model classifies perfectly."""
    loss = train_loss(run, group)
    acc = _accuracy(run, group)
    if loss is None or acc is None or float(run.config.get("label_smoothing") or 0.0) > 0:
        return None  # label smoothing puts a floor there on purpose
    a = as_fraction(acc.values)
    a = a[np.isfinite(a)]
    if a.size < 2 or float(np.max(a[-2:])) < p.floor_acc:
        return None  # decided on the accuracy alone, before any index of the loss is built
    fin = np.flatnonzero(np.isfinite(loss.values))
    if fin.size < p.min_points:
        return None
    v = smoothed(loss.values)[fin]
    tail = v[-max(3, len(v) // 3) :]
    level = float(np.median(tail))
    if level < p.floor_min_level or float(np.max(tail) - np.min(tail)) > p.floor_flat * level:
        return None
    first = float(loss.values[fin[0]])
    k, _ = configured_classes(run)
    if k is None and first > 0:
        # The untrained model scores ln K: the first logged loss names K well enough to name the floor's mechanism.
        guess = int(round(np.exp(first)))
        k = guess if 2 <= guess <= 100000 and abs(first - np.log(guess)) <= 0.05 * np.log(guess) else None
    near = np.flatnonzero(v <= level * (1 + p.floor_flat))
    return {
        "floor": level,
        "min": float(np.nanmin(loss.values[fin])),
        "start": first,
        "k": k,
        "acc": float(np.max(a[-2:])),
        "at": int(fin[near[0]]),
        "kind": "floor",
    }


def _floor_finding(loss: Series, f: dict):
    ev = [
        evidence(loss, f["at"], Msg("rule.TM302.ev_floor")),
        evidence(loss, int(np.flatnonzero(np.isfinite(loss.values))[-1]), Msg("rule.TM302.ev_floor")),
    ]
    facts = PlateauFacts(kind="floor", start=f["start"], low=f["min"], floor=f["floor"], acc=f["acc"], k=f["k"])
    return make_finding(
        "TM302",
        loss,
        f["at"],
        ev=ev,
        until=len(loss) - 1,
        facts=facts,
        message_key="rule.TM302.message_floor",
        params={"floor": round(f["floor"], 4), "acc": round(f["acc"], 4), "start": f["start"]},
    )


def _loss_over(run: Run, group: Optional[str], x0: float, x1: float, axis: str) -> Optional[tuple]:
    """(series, first, last) of the train loss logged between two positions, None when it was not logged there."""
    loss = train_loss(run, group)
    if loss is None or loss.axis != axis:
        return None
    sel = np.flatnonzero((loss.x >= x0) & (loss.x <= x1) & np.isfinite(loss.values))
    if sel.size < 2:
        return None
    return loss, float(np.median(loss.values[sel[:2]])), float(np.median(loss.values[sel[-2:]]))


@rule("TM304", "lr-at-zero", symptom="plateau", severity="warning", params=LrZeroParams)
def check_lr_zero(run: Run, p: LrZeroParams) -> list:
    """The learning rate is zero (to its printed precision) while training goes on: nothing can improve.

    What it does:
        Finds {min_points} or more consecutive logged learning rates of exactly 0 (an lr printed as 0.000000 is
        below 5e-7), with the train loss over the same stretch not falling by more than {loss_fall} of its level, and
        no non-finite loss (a dead run is the non-finite rules' matter). Zeros only in the last {end_share} of a log
        whose lr decayed into them are a schedule ending as planned: info.
    Why it matters:
        With lr 0 every step leaves the weights where they are: the loss plateaus because the schedule has already
        decayed it away (a step schedule with too many decays, a scheduler stepped per batch instead of per epoch,
        an lr multiplied by a factor twice), not because the model has converged.
    Example:
        `lr: 0.000000` at every line of epoch 15 while the loss stays at 0.57-0.58.
    Fix:
        Print the lr with enough digits to see it; check the scheduler's steps (milestones, gamma, per-epoch
        stepping); resume from the last checkpoint with the lr the schedule should have had.
    """
    out = []
    for lr in series_of(run, split="train", metric="lr"):
        v = lr.values
        best, length = longest_true_run(v == 0.0)
        if length < p.min_points:
            continue
        i0, i1 = best, best + length - 1
        group = lr.parsed.group
        losses = [s for s in (train_loss(run, group), *eval_losses(run, group)) if s is not None]
        if any((~np.isfinite(s.values)).any() or (s.values == 0).all() for s in losses):
            continue
        span = _loss_over(run, group, float(lr.x[i0]), float(lr.x[i1]), lr.axis)
        if span is None or span[1] <= 0 or span[2] < (1 - p.loss_fall) * span[1]:
            continue
        loss, first, last = span
        ev = [evidence(lr, i0, Msg("rule.TM304.ev_zero")), evidence(lr, i1, Msg("rule.TM304.ev_zero"))]
        # A schedule that decays to 0 at its end (cosine, linear) prints 0 for its last few logs: that is the run
        # finishing as planned, said at info level, not a plateau.
        nonzero = np.flatnonzero(np.isfinite(v) & (v > 0))
        at_end = (
            i1 == len(v) - 1 and nonzero.size >= 3 * length and nonzero[-1] < i0 and (length <= p.end_share * len(v))
        )
        out.append(
            make_finding(
                "TM304",
                lr,
                i0,
                ev=ev,
                until=i1,
                severity=Severity.INFO if at_end else None,
                message_key="rule.TM304.message_end" if at_end else None,
                params={"count": length, "loss": loss.label, "first": first, "last": last},
                facts=PlateauFacts(kind="lr_zero", start=first, low=last, lr=0.0),
            )
        )
    return out


@rule("TM305", "lr-cut-on-plateau", symptom="plateau", severity="warning")
def check_lr_cut(run: Run, p: Params) -> list:
    """A plateau scheduler (ReduceLROnPlateau) cut the learning rate: the metric it monitors stopped improving.

    What it does:
        Reads the scheduler's own message ("reducing learning rate of group 0 to 2e-06") and places it on the run,
        with the eval loss before it. A warning when the eval loss logged after the cut does not reach a new best (or
        nothing is logged after it); info when it does (the cut helped).
    Why it matters:
        The scheduler cuts the lr only after `patience` evaluations without improvement: the run has plateaued at
        that lr. Repeated cuts to a tiny lr mean training has stalled rather than converged.
    Example:
        `Epoch 17: reducing learning rate of group 0 to 2.0000e-06.` after the val loss went 0.30601 -> 0.30648.
    Fix:
        If the metric is still far from where it should be: raise the lr or change the schedule rather than waiting
        for more cuts; check the data and the model capacity; otherwise stop training (early stopping).
    """
    out = []
    cuts = [e for e in run.events if e.kind in ("lr_change", "warning") and PLATEAU_CUT.search(e.message or "")]
    if not cuts:
        return out
    e = cuts[0]
    at = Position.of(e.at())
    ev_losses = [s for s in eval_losses(run, None)]
    anchor: Optional[Series] = ev_losses[0] if ev_losses else train_loss(run, None)
    if anchor is None or not len(anchor):
        return out
    axis = anchor.axis
    x = at.on(axis)
    if x is None:
        return out
    before = np.flatnonzero((anchor.x <= x) & np.isfinite(anchor.values))
    after = np.flatnonzero((anchor.x > x) & np.isfinite(anchor.values))
    if not before.size:
        return out
    best = float(np.min(anchor.values[before]))
    improved = bool(after.size and float(np.min(anchor.values[after])) < best)
    i = int(before[-1])
    ev = [
        evidence(anchor, int(before[np.argmin(anchor.values[before])]), Msg("rule.TM305.ev_best")),
        evidence(anchor, i, Msg("rule.TM305.ev_last")),
    ]
    lr = e.data.get("lr") if isinstance(e.data, dict) else None
    finding = make_finding(
        "TM305",
        anchor,
        i,
        ev=ev,
        severity=Severity.INFO if improved else None,
        params={
            "lr": lr if lr is not None else "?",
            "line": (e.message or "").strip(),
            "best": best,
            "last": float(anchor.values[i]),
            "count": len(cuts),
        },
        facts=PlateauFacts(kind="lr_cut", start=best, low=float(anchor.values[i]), lr=lr),
    )
    out.append(finding)
    return out
