"""Training that oscillates: a train loss or accuracy logged once per epoch (or on one fixed batch) that keeps
reversing by far more than its ordinary change from one point to the next.

A per-epoch train metric averages the whole train set, so its sampling noise is tiny: when it jumps up and down by
several points, epoch after epoch, the weights themselves are jumping (a step too large for the curvature). Per-batch
losses are noisy by nature and are not judged here (the spike rule reads them).
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


@dataclass(frozen=True)
class SwingParams(Params):
    """Thresholds of TM403: how large and how many reversals make a train curve oscillate."""

    min_points: int = param(8, "points needed")
    min_swings: int = param(3, "reversals that make oscillation (one or two are a bump)")
    background_factor: float = param(
        6.0, "a swing's moves are this many times the series' ordinary move (the median of its quieter half)"
    )
    min_log_move: float = param(0.15, "a loss swing moves by at least 16% each way (log 0.15)")
    min_acc_move: float = param(0.03, "an accuracy swing moves by at least 3 points each way")


@dataclass(frozen=True)
class SwingFacts(Facts):
    """How a train curve oscillates: the reversals (point indices), the size of a typical swing, the background."""

    swings: tuple
    typical_move: float
    background: float
    log_scale: bool


SWINGS = SwingParams()
# Epoch values checked for wholeness at a time: the check's float temporaries stay small on a long series.
WHOLE_CHUNK = 1 << 16


def _whole(x: np.ndarray) -> bool:
    """Whether ``x`` holds distinct whole numbers. A per-batch log repeats each epoch on consecutive rows: that is
    seen on a boolean mask before any float copy or sort of a long series is made."""
    if not np.isfinite(x).all() or (x.size > 1 and bool((x[1:] == x[:-1]).any())):
        return False
    for a in range(0, x.size, WHOLE_CHUNK):
        part = x[a : a + WHOLE_CHUNK]
        if not np.all(np.abs(part - np.round(part)) < 1e-9):
            return False
    return len(np.unique(x)) == x.size


def per_epoch(s: Series) -> Optional[Series]:
    """``s`` when it is logged once per epoch (whole-train-set averages, not per batch: its epochs are whole numbers,
    one point each; a step counter beside them does not matter), else None.

    A log that ends inside an epoch (a run still going or killed, a paste cut mid-epoch) adds that epoch's running
    mean at a fractional epoch after the last whole one: the series is still per epoch, without that partial point.
    """
    if not s.has_epoch or s.epoch.size < 2:
        return None
    x = s.epoch
    if _whole(x):
        return s
    if s.epoch.size >= 3 and _whole(x[:-1]) and np.isfinite(x[-1]) and x[-1] > x[-2]:
        return s.take(np.arange(s.epoch.size - 1))
    return None


def swings_of(s: Series, p: SwingParams = SWINGS) -> Optional[dict]:
    """Reversals of a per-epoch train curve that exceed its own ordinary change, or None."""
    s = per_epoch(s)
    if s is None:
        return None
    fin = np.flatnonzero(np.isfinite(s.values))
    if fin.size < p.min_points:
        return None
    v = s.values[fin]
    log_scale = s.parsed.is_loss
    if log_scale:
        if (v <= 0).any():
            return None
        y, floor = np.log(v), p.min_log_move
    else:
        y, floor = as_fraction(v), p.min_acc_move
    d = np.diff(y)
    mag = np.sort(np.abs(d))
    background = float(np.median(mag[: max(1, mag.size // 2)]))
    need = max(floor, p.background_factor * background)
    big = np.abs(d) >= need
    rev = np.flatnonzero(big[:-1] & big[1:] & (np.sign(d[:-1]) != np.sign(d[1:]))) + 1
    if rev.size < p.min_swings:
        return None
    moves = np.abs(d)[np.r_[rev - 1, rev]]
    return {
        "swings": [int(fin[i]) for i in rev],
        "typical": float(np.median(moves)),
        "background": background,
        "log_scale": log_scale,
    }


def train_swings(run: Run, group: Optional[str], p: SwingParams = SWINGS) -> list:
    """(series, facts) for each train loss or accuracy of a model group that oscillates."""
    out = []
    for metric in ("loss", "acc"):
        for s in series_of(run, split="train", metric=metric, group=group):
            f = swings_of(s, p)
            if f is not None:
                out.append((s, f))
    return out


@rule("TM403", "train-oscillation", symptom="oscillation", severity="warning", params=SwingParams)
def check_train_oscillation(run: Run, p: SwingParams) -> list:
    """Train loss or accuracy logged per epoch keeps reversing by far more than its ordinary change.

    What it does:
        Reads train losses and accuracies logged once per epoch (whole-train-set averages, whose sampling noise is
        small) and counts reversals: a move up followed by a move down (or the reverse), both at least
        {background_factor}x the series' ordinary move (the median of its quieter half) and at least
        {min_acc_move} (accuracy) or a factor of e^{min_log_move} (loss). {min_swings} or more make oscillation.
    Why it matters:
        A train curve averaged over the whole train set only jumps up and down when the weights do: each update
        overshoots the valley it is in. It is the step size (lr too high, no clipping, an optimizer epsilon too
        small), and it often ends in divergence.
    Example:
        train accuracy 0.889 -> 0.830 -> 0.763 -> 0.809 -> 0.888 -> 0.809 -> 0.885 at epochs 99-106, after moving
        by under 0.02 per epoch at epochs 25-32.
    Fix:
        Lower the lr (2-3x) or add warmup; clip gradients; check the optimizer's epsilon; resume from the last
        checkpoint before the swings began.
    """
    out = []
    for group in run.groups:
        hits = train_swings(run, group, p)
        if not hits:
            continue
        s, f = min(hits, key=lambda h: float(h[0].x[h[1]["swings"][0]]))
        sw = f["swings"]
        ev = [evidence(s, i, Msg("rule.TM403.ev_swing")) for i in sw[:6]]
        scale = "log" if f["log_scale"] else "abs"
        typical = float(np.expm1(f["typical"])) * 100 if f["log_scale"] else f["typical"]
        out.append(
            make_finding(
                "TM403",
                s,
                max(0, sw[0] - 1),
                ev=ev,
                until=sw[-1],
                message_key=f"rule.TM403.message_{scale}",
                params={
                    "swings": len(sw),
                    "typical": round(typical, 3 if scale == "abs" else 0),
                    "background": round(f["background"] * (100 if f["log_scale"] else 1), 3),
                    "others": [h[0].label for h in hits if h[0] is not s],
                },
                facts=SwingFacts(
                    swings=tuple(sw), typical_move=f["typical"], background=f["background"], log_scale=f["log_scale"]
                ),
            )
        )
    return out
