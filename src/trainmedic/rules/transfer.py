"""Learning that does not transfer: the train loss falls while every evaluation stays at chance.

A model that fits its training batches better and better but never predicts the held-out set better than chance is
learning something that holds only for the training examples: labels that do not belong to their inputs (shuffled
or misaligned by a join), or an evaluation that feeds it different inputs than training did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts
from ..i18n import Msg
from ..observations import LabelStats
from ..run import Run
from . import Params, param, rule
from .curves import as_fraction, evidence, make_finding, series_of, train_loss


@dataclass(frozen=True)
class ChanceParams(Params):
    """Thresholds of TM306: how close to chance an eval accuracy must stay while the train loss falls."""

    min_evals: int = param(3, "evaluations needed to say an accuracy never left chance")
    train_fall: float = param(0.3, "the train loss fell by at least this share of where it started: it learns")
    margin: float = param(
        0.1,
        "the typical accuracy (the median) within this much above chance (1/K, or the share "
        "of the eval set's largest class when it is known), and the best within twice it: an "
        "eval set of a hundred examples varies that much from one evaluation to the next",
    )


@dataclass(frozen=True)
class EvalAtChanceFacts(Facts):
    """Chance level, the best accuracy reached, and how far the train loss fell."""

    chance: float
    best: float
    train_first: float
    train_last: float


def chance_of(run: Run) -> Optional[float]:
    """The accuracy of always answering the most common class: the eval set's largest share when the live guard saw
    its labels, else 1/K from the number of classes."""
    shares = [o.majority_share for o in run.observed(LabelStats) if o.split == "eval" and o.majority_share]
    if shares:
        return float(shares[-1])
    try:
        k = int(run.config.get("num_classes") or 0)
    except (TypeError, ValueError):
        return None
    return 1.0 / k if k >= 2 else None


@rule("TM306", "eval-at-chance", symptom="stuck_at_chance", severity="warning", params=ChanceParams)
def check_eval_at_chance(run: Run, p: ChanceParams) -> list:
    """Train loss falls while every evaluation stays at chance.

    What it does:
        Flags an eval accuracy whose median over at least {min_evals} evaluations is within {margin} of chance
        (and whose best stays within twice that) while the train loss falls by {train_fall} or more of where it
        started.
    Why it matters:
        The model fits the training batches but predicts held-out examples no better than a constant: what it
        learns holds only for the training examples. Labels that do not belong to their inputs (shuffled, or
        misaligned by a join or a sort) do exactly this.
    Example:
        train loss 1.39 -> 0.35 while val_acc stays at 0.24-0.27 for a 4-class task.
    Fix:
        Check that each example keeps its own label through loading, shuffling and joins (print a few decoded
        examples with their labels); check that evaluation preprocesses inputs as training does.
    """
    chance = chance_of(run)
    loss = train_loss(run, None)
    if chance is None or loss is None:
        return []
    v = loss.values[np.isfinite(loss.values)]
    if v.size < 8:
        return []
    q = max(2, v.size // 4)
    first, last = float(np.median(v[:q])), float(np.median(v[-q:]))
    if first <= 0 or last > (1 - p.train_fall) * first:
        return []
    out = []
    for s in series_of(run, split="eval", metric="acc", group=None):
        a = as_fraction(s.values)
        fin = np.flatnonzero(np.isfinite(a))
        if (
            fin.size < p.min_evals
            or float(np.median(a[fin])) > chance + p.margin
            or float(np.max(a[fin])) > chance + 2 * p.margin
        ):
            continue
        best = int(fin[np.argmax(a[fin])])
        ev = [
            evidence(s, int(fin[0]), Msg("rule.TM306.ev_first")),
            evidence(s, best, Msg("rule.TM306.ev_best")),
            evidence(loss, int(np.flatnonzero(np.isfinite(loss.values))[-1]), Msg("rule.TM306.ev_train")),
        ]
        out.append(
            make_finding(
                "TM306",
                s,
                int(fin[0]),
                ev=ev,
                until=int(fin[-1]),
                params={
                    "chance": round(chance, 3),
                    "best": float(a[best]),
                    "first": first,
                    "last": last,
                    "n": int(fin.size),
                },
                facts=EvalAtChanceFacts(chance=chance, best=float(a[best]), train_first=first, train_last=last),
            )
        )
    return out
