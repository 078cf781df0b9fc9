"""One class for every input: an eval accuracy frozen at one value from the first evaluation while every loss is
flat. The accuracy is then the share of the class the model answers (the majority share, not 1/K, when the classes
are imbalanced), and the loss the entropy of the class prior, which no constant prediction can beat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import as_fraction, evidence, make_finding, series_of, train_loss
from .prior import printed_decimals, stuck_groups


@dataclass(frozen=True)
class MajorityParams(Params):
    """Thresholds of TM308: an accuracy that does not change while nothing else does either."""

    min_evals: int = param(4, "evaluations in a row, from the first, with exactly the same accuracy")
    flat: float = param(
        0.1,
        "every loss (train and eval) changes by less than this share of its level over the run: the complement of "
        "TM701's 'training moves', so that a frozen accuracy is either one or the other",
    )
    min_decimals: int = param(
        3, "the accuracy is printed with at least this many decimals (as a fraction): 0.80 repeats by rounding"
    )
    train_acc_flat: float = param(0.05, "a logged train accuracy moves by less than this (absolute) over the run")
    floor_tol: float = param(0.05, "the losses sit at least at the constant-prediction floor, less this share")


@dataclass(frozen=True)
class MajorityFacts(Facts):
    """The frozen accuracy (the share of the class the model answers), over how many evaluations, and the losses."""

    share: float
    evaluations: int
    loss: float
    floor: float


def constant_floor(share: float) -> float:
    """A floor under the mean cross-entropy of a model that outputs one distribution for every example: at least
    the entropy of the labels, which (when the class it answers is the largest, as the prior's argmax is, with
    ``share`` of the examples) is at least that of this class against the rest, and at least -ln(share)."""
    binary = -(share * math.log(share) + (1 - share) * math.log(1 - share))
    return max(binary, -math.log(share))


def level_and_range(s: Series) -> Optional[tuple]:
    """(median, max - min) of a series' finite values, None with fewer than two; one copy of the values at most."""
    ok = np.isfinite(s.values)
    v = s.values.copy() if ok.all() else s.values[ok]
    del ok
    if v.size < 2:
        return None
    spread = float(v.max() - v.min())
    mid = [(v.size - 1) // 2, v.size // 2]
    v.partition(mid)  # in place: the copy is ours
    return float(v[mid].mean()), spread


def _flat(measured: Optional[tuple], share: float) -> Optional[bool]:
    """Whether a (level, range) pair changes by less than ``share`` of its level (None when unknown)."""
    if measured is None:
        return None
    level, spread = abs(measured[0]), measured[1]
    return bool(level > 0 and spread < share * level)


def majority_only(run: Run, group: Optional[str], acc: Series, p: MajorityParams) -> Optional[dict]:
    """Facts when an eval accuracy is one value from its first evaluation on while every loss and the train accuracy
    stay flat, at or above the floor of a constant prediction."""
    a = as_fraction(acc.values)
    fin = np.flatnonzero(np.isfinite(a))
    if fin.size < p.min_evals or not np.all(acc.values[fin] == acc.values[fin[0]]):
        return None
    share = float(a[fin[0]])
    if not 0.0 < share < 1.0:
        return None  # exactly 0 or 1 is TM701's matter
    accs = [as_fraction(s.values) for s in series_of(run, split=None, metric="acc", group=group)]
    if max(printed_decimals(x[np.isfinite(x)]) for x in accs) < p.min_decimals:
        return None  # printed too coarsely for four equal values to mean equal predictions
    loss = train_loss(run, group)
    evals = series_of(run, split="eval", metric="loss", group=group)
    measured = [level_and_range(s) for s in ([loss] if loss is not None else []) + evals]
    if loss is None or _flat(measured[0], p.flat) is not True or any(_flat(m, p.flat) is False for m in measured[1:]):
        return None  # a loss that moves is a model that changes: a frozen accuracy is then the eval side's
    for t in series_of(run, split="train", metric="acc", group=group):
        ta = as_fraction(t.values)
        ta = ta[np.isfinite(ta)]
        if ta.size and float(ta.max() - ta.min()) >= p.train_acc_flat:
            return None
    floor = constant_floor(share)
    levels = [m[0] for m in measured if m is not None]
    if min(levels) < (1 - p.floor_tol) * floor:
        return None  # below what any constant prediction scores: the model tells examples apart
    return {
        "share": share,
        "points": (int(fin[0]), int(fin[-1])),
        "count": int(fin.size),
        "loss": levels[0],
        "floor": floor,
    }


@rule(
    "TM308",
    "majority-class-only",
    symptom="stuck_at_chance",
    severity="warning",
    params=MajorityParams,
    after_findings=True,
)
def check_majority_class_only(run: Run, p: MajorityParams, findings: list) -> list:
    """Eval accuracy identical at every evaluation while every loss is flat: the model answers one class.

    What it does:
        Flags an eval accuracy that keeps exactly one value (neither 0 nor 1, printed with {min_decimals} or more
        decimals) from the first of {min_evals} or more evaluations, while the train loss and every eval loss change by less than {flat} of their level over the
        run, a logged train accuracy by less than {train_acc_flat}, and the losses sit at or above the lowest loss a
        constant prediction can score for that accuracy (within {floor_tol}). The accuracy is then the share of the
        class the model always answers.
    Why it matters:
        When nothing moves, neither loss nor accuracy, the model has learnt the class frequencies and nothing else:
        it predicts the majority class for every input, and its loss is the entropy of the class prior. Unlike
        TM301 it needs no class count and holds for imbalanced classes, where chance is not 1/K.
    Example:
        4 imbalanced classes: val_acc 0.4455 at each of 4 epochs (98 of 220 examples in the largest class), loss
        1.25-1.34 and val_loss 1.26-1.28, the entropy of the class prior.
    Fix:
        Check the inputs (normalised? shuffled with their labels?) and that the gradient reaches every layer; lower
        the lr by 10x; weight the loss or resample if one class dominates; overfit one batch.
    """
    out = []
    skip = stuck_groups(run, findings)
    claimed = {f.series for f in findings}
    for group in run.groups:
        if group in skip:
            continue
        for acc in series_of(run, split="eval", metric="acc", group=group):
            if acc.name in claimed:
                continue
            f = majority_only(run, group, acc, p)
            if f is None:
                continue
            first, last = f["points"]
            loss = train_loss(run, group)
            ev = [
                evidence(acc, first, Msg("rule.TM308.ev_first")),
                evidence(acc, last, Msg("rule.TM308.ev_last")),
                evidence(loss, int(np.flatnonzero(np.isfinite(loss.values))[-1]), Msg("rule.TM308.ev_loss")),
            ]
            params = {
                "value": float(acc.values[first]),
                "n": f["count"],
                "loss": round(f["loss"], 4),
                "floor": round(f["floor"], 3),
            }
            out.append(
                make_finding(
                    "TM308",
                    acc,
                    first,
                    ev=ev,
                    until=last,
                    params=params,
                    facts=MajorityFacts(share=f["share"], evaluations=f["count"], loss=f["loss"], floor=f["floor"]),
                )
            )
            break
    return out
