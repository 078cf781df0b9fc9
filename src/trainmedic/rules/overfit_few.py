"""Overfitting seen in two or three evaluations: too few to watch the eval loss climb away from its minimum.

With so few evaluations the evidence is the three things that can still be measured: the eval loss rose between
two of them, the train loss fell over the same span, and the eval loss sits far above the train loss. Each move is
judged against its noise: the train loss's own (its level at an evaluation is the median of the losses logged just
before it), and for an evaluation the floor of a loss averaged over a held-out set. When all three hold it is a
warning; when the eval loss rose while training improved but the moves are within noise or the gap is small, it is
said at info level.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from ..run import Series
from .curves import point_noise

# The train loss's level at an evaluation: the median of at most this many train losses logged since the evaluation
# before (per-batch losses are noisy; their median is a level), and its noise that median's standard error.
TRAIN_LEVEL_POINTS = 10
# The standard error of a median of n points is about 1.2533 / sqrt(n) times the noise of one point.
MEDIAN_SE = 1.2533


def train_level(train: Series, xs: np.ndarray, j: int) -> tuple:
    """(level, points) of the train loss at evaluation ``j`` (positions ``xs``), or (nan, 0) when none is logged."""
    lo = float(xs[j - 1]) if j > 0 else -math.inf
    sel = np.flatnonzero((train.x > lo) & (train.x <= xs[j]) & np.isfinite(train.values))
    if not sel.size:
        return math.nan, 0
    take = train.values[sel[-TRAIN_LEVEL_POINTS:]]
    return float(np.median(take)), int(take.size)


def fin_count(s: Series) -> int:
    """How many finite values a series holds (its evaluations, for an eval loss)."""
    return int(np.isfinite(s.values).sum())


def few_evals_overfit(train: Optional[Series], s: Series, p: Any) -> Optional[dict]:
    """Facts about an eval loss that rose over its last evaluations (at most ``p.few_max_evals``) while the train
    loss fell at least ``p.min_train_drop``, with ``"strong"`` True when both moves are ``p.few_noise_z`` times
    their noise and the eval loss ends ``p.few_gap`` times the train loss; None when the eval loss did not rise or
    the train loss did not fall (``p``: TM501's parameters)."""
    max_evals, eval_noise, z, gap = p.few_max_evals, p.few_eval_noise, p.few_noise_z, p.few_gap
    min_train_drop = p.min_train_drop
    fin = np.flatnonzero(np.isfinite(s.values))
    if not 2 <= fin.size <= max_evals or train is None or train.axis != s.axis:
        return None
    v = s.values[fin]
    m, last = int(np.argmin(v[:-1])), fin.size - 1
    vmin, vlast = float(v[m]), float(v[last])
    if vmin <= 0 or vlast <= vmin or vlast < float(np.max(v[m:])):
        return None  # no rise, or the eval loss has already come back from its highest point
    xs = s.x[fin]
    t_first, n_first = train_level(train, xs, m)
    t_last, n_last = train_level(train, xs, last)
    if not (n_first and n_last) or t_first <= 0 or t_last >= (1 - min_train_drop) * t_first:
        return None
    sigma = point_noise(train.values)
    sigma = 0.0 if math.isnan(sigma) else sigma

    def se(level: float, n: int) -> float:
        return max(MEDIAN_SE * sigma / math.sqrt(n), eval_noise * level)

    train_beyond = t_first - t_last >= z * math.hypot(se(t_first, n_first), se(t_last, n_last))
    eval_beyond = vlast - vmin >= z * math.hypot(eval_noise * vmin, eval_noise * vlast)
    ratio = vlast / t_last if t_last > 0 else math.inf
    return {
        "min": int(fin[m]),
        "onset": int(fin[m + 1]),
        "last": int(fin[last]),
        "rise": vlast / vmin,
        "train_kept": t_last / t_first,
        "train_first": t_first,
        "train_last": t_last,
        "gap": ratio,
        "strong": bool(train_beyond and eval_beyond and ratio >= gap),
    }
