"""A train loss that rises epoch after epoch: slower than a divergence, but the same failure.

A per-epoch train loss averages the whole train set, so it does not go up four epochs in a row by noise. When it
does while the train accuracy falls, the updates make the model worse at the data it sees: the step size has grown
too large for where the model is (an adaptive optimizer whose denominator has shrunk, a schedule that went up, an
effective batch that fell). A loss that doubles is TM201; this rule reads the slow version before it gets there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import as_fraction, evidence, make_finding, series_of
from .divergence import divergence_point
from .swings import per_epoch


@dataclass(frozen=True)
class DriftParams(Params):
    """Thresholds of TM202: how many epochs and how far a train loss must rise."""

    min_rises: int = param(3, "consecutive epochs of rising train loss: two in a row happen, three rarely do")
    min_rise: float = param(0.08, "the rise over the stretch, as a share of where it began")
    alone_rises: int = param(4, "without a train accuracy to confirm it, this many consecutive rises ...")
    alone_rise: float = param(0.12, "... and this share")


@dataclass(frozen=True)
class DriftFacts(Facts):
    """The stretch of rising train loss: how many epochs, how much, and what the train accuracy did meanwhile."""

    rises: int
    start: float
    end: float
    acc_start: Optional[float] = None
    acc_end: Optional[float] = None


def _last_rise(v: np.ndarray) -> tuple:
    """(start index, number of consecutive rises) of the longest run of strictly rising values."""
    best = (0, 0)
    start = 0
    for i in range(1, len(v) + 1):
        if i == len(v) or not v[i] > v[i - 1]:
            if i - 1 - start > best[1]:
                best = (start, i - 1 - start)
            start = i
    return best


def _acc_at(acc: Optional[Series], x: float) -> Optional[float]:
    if acc is None or not len(acc):
        return None
    sel = np.flatnonzero((acc.x == x) & np.isfinite(acc.values))
    return float(as_fraction(acc.values)[sel[0]]) if sel.size else None


@rule("TM202", "train-loss-rising", symptom="divergence", severity="warning", params=DriftParams)
def check_rising(run: Run, p: DriftParams) -> list:
    """Per-epoch train loss rising epoch after epoch while the train accuracy falls.

    What it does:
        Reads train losses logged once per epoch and finds the longest run of consecutive rises: at least
        {min_rises} in a row, by {min_rise} or more of where it began, with the train accuracy (when logged) lower at
        the end of the stretch than at its start; without an accuracy, {alone_rises} rises and {alone_rise}. A loss
        that already doubled is left to TM201.
    Why it matters:
        An average over the whole train set does not rise for several epochs by chance: each epoch of updates leaves
        the model worse at the data it trains on. The step has become too large (an adaptive optimizer whose
        denominator shrank, an lr schedule going up), and it ends in a divergence if nothing changes.
    Example:
        RMSprop on CIFAR-10: train loss 1.093 -> 1.132 -> 1.171 -> 1.208 -> 1.237 from epoch 5 while train accuracy
        falls 0.629 -> 0.595.
    Fix:
        Resume from the checkpoint where the rise began with a lower lr (2-3x), or use Adam/AdamW with a decaying
        schedule; clip gradients.
    """
    out = []
    for s in series_of(run, split="train", metric="loss"):
        s = per_epoch(s)
        if s is None or divergence_point(s) is not None:
            continue
        fin = np.flatnonzero(np.isfinite(s.values))
        v = s.values[fin]
        start, rises = _last_rise(v)
        if rises < p.min_rises or v[start] <= 0:
            continue
        end = start + rises
        rise = float(v[end] / v[start] - 1)
        acc = next(iter(series_of(run, split="train", metric="acc", group=s.parsed.group)), None)
        a0, a1 = _acc_at(acc, float(s.x[fin[start]])), _acc_at(acc, float(s.x[fin[end]]))
        if a0 is not None and a1 is not None:
            if rise < p.min_rise or a1 >= a0:
                continue
        elif rises < p.alone_rises or rise < p.alone_rise:
            continue
        ev = [
            evidence(s, int(fin[start]), Msg("rule.TM202.ev_start")),
            evidence(s, int(fin[end]), Msg("rule.TM202.ev_end")),
        ]
        key = "rule.TM202.message_acc" if a0 is not None and a1 is not None else "rule.TM202.message"
        out.append(
            make_finding(
                "TM202",
                s,
                int(fin[start]),
                ev=ev,
                until=int(fin[end]),
                message_key=key,
                params={
                    "rises": rises,
                    "start": float(v[start]),
                    "end": float(v[end]),
                    "rise": round(100 * rise),
                    "acc_start": a0 or "",
                    "acc_end": a1 or "",
                },
                facts=DriftFacts(rises=rises, start=float(v[start]), end=float(v[end]), acc_start=a0, acc_end=a1),
            )
        )
    return out
