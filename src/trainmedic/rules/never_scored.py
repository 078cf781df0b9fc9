"""An evaluation metric that is exactly 0 at every evaluation while the model trains: nothing was ever matched.

A detector's mAP (or a segmenter's IoU, a tagger's F1) of exactly 0.0 at its first evaluation or two is a slow
start; the same exact 0.0 at every evaluation of a run whose losses move is a model that never produced one match
with a target. Loss components that are exactly 0 at every step beside it (a box regression or IoU loss needs a
matched target to be anything else) say why: no target was ever assigned, typically labels that are missing or
not read.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..run import Run, Series
from .curves import series_of


def _train_losses(run: Run, group: Optional[str]) -> list:
    """Every train loss of a model group (total and components), ordered along their axis."""
    return [s for s in series_of(run, split="train", group=group) if s.parsed.is_loss and s.parsed.evalset is None]


def _moves(values: np.ndarray, share: float) -> bool:
    """Whether finite ``values`` changed by ``share`` of their level over the series."""
    v = values[np.isfinite(values)]
    if v.size < 2:
        return False
    level = abs(float(np.median(v)))
    return level > 0 and float(np.max(v) - np.min(v)) >= share * level


def never_scored(
    run: Run, group: Optional[str], *, min_evals: int, alone_evals: int, zero_points: int, train_moves: float
) -> Optional[dict]:
    """``{"metrics", "zero_losses", "moving"}`` when every higher-is-better eval metric of ``group`` that was ever
    logged ``min_evals`` times or more is exactly 0.0 at each of its evaluations while a train loss moves by
    ``train_moves`` of its level, or None. Without train losses exactly 0 on ``zero_points`` points or more (no
    target matched), ``alone_evals`` evaluations are needed: a detector may score 0 for its first few."""
    metrics = [
        s for s in series_of(run, split="eval", group=group) if s.parsed.higher_is_better and not s.parsed.is_loss
    ]
    zero_metrics: list[Series] = []
    for s in metrics:
        v = s.values[np.isfinite(s.values)]
        if v.size and np.any(v != 0.0):
            return None  # one metric scored something: the evaluation works
        if v.size >= min_evals:
            zero_metrics.append(s)
    if not zero_metrics:
        return None
    eval_losses = [s for s in series_of(run, split="eval", group=group) if s.parsed.is_loss]
    if any(np.isfinite(s.values).any() and np.all(s.values[np.isfinite(s.values)] == 0.0) for s in eval_losses):
        return None  # a results table's zeros for evaluations that did not run, not scores
    losses = _train_losses(run, group)
    zero_losses = [
        s
        for s in losses
        if np.isfinite(s.values).sum() >= zero_points and np.all(s.values[np.isfinite(s.values)] == 0.0)
    ]
    moving = [s for s in losses if s not in zero_losses and _moves(s.values, train_moves)]
    if not moving:
        return None  # nothing says the model changed between the evaluations
    evals = max(int(np.isfinite(s.values).sum()) for s in zero_metrics)
    if not zero_losses and evals < alone_evals:
        return None
    return {"metrics": zero_metrics, "zero_losses": zero_losses, "moving": moving[0]}
