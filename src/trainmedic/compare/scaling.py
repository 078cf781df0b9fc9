"""How the learning rate should follow the effective batch, which depends on how the loss is reduced over the batch.

- Summed loss (``reduction="sum"``, or a loss in the hundreds): the gradient is a sum over the batch, so it already
  grows with the batch; the step ``lr x gradient`` grows with it. Keep ``lr x effective batch`` constant.
- Mean loss: the gradient is an average and its size does not grow with the batch, only its noise falls. The linear
  rule (lr proportional to the batch) *raises* the lr for a bigger batch; the square-root rule is the conservative
  alternative. Neither says that a bigger batch at the same lr takes bigger steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..run import Run

# A mean-reduced loss is bounded by a few times ln(K): cross-entropy at init is ln(K) <= 12 even for a 150k-token
# vocabulary, and regression losses on normalised targets are O(1). A typical loss above 25 is a sum over the batch.
SUMMED_LOSS_MIN = 25.0
# lr ratios within 20% of the rule's value count as "following the rule" (people round learning rates).
RULE_TOLERANCE = 1.2


@dataclass
class Reduction:
    """The loss reduction of a run and the evidence for it."""

    value: str  # "sum" | "mean" | "unknown"
    source: str  # "config" | "loss_magnitude" | ""
    typical_loss: Optional[float] = None


def loss_reduction(run: Run) -> Reduction:
    """Explicit config first (``loss_reduction``); else the typical size of the loss values."""
    explicit = run.config.get("loss_reduction")
    if isinstance(explicit, str) and explicit.lower() in ("sum", "mean", "none"):
        value = "mean" if explicit.lower() == "none" else explicit.lower()
        return Reduction(value, "config")
    values = []
    for s in run.series.values():
        if s.parsed.is_loss:
            v = s.values[np.isfinite(s.values)]
            if len(v):
                values.append(v)
    if not values:
        return Reduction("unknown", "")
    typical = float(np.median(np.concatenate(values)))
    if typical > SUMMED_LOSS_MIN:
        return Reduction("sum", "loss_magnitude", typical)
    return Reduction("mean", "loss_magnitude", typical)


@dataclass
class Scaling:
    """What the lr of the changed run should be, from the reference run's lr and the batch ratio."""

    ratio: float  # effective batch changed / reference
    keep_product: float  # lr x batch constant (summed loss)
    linear: float  # lr proportional to batch (mean loss)
    sqrt: float  # lr proportional to sqrt(batch) (mean loss, conservative)
    recommended: float
    rule: str  # "keep_product" | "sqrt" | "linear"
    mismatch: bool  # the changed run's lr is too high for the rule that applies
    warmup_steps: Optional[int] = None  # warmup steps that keep the reference warmup length in samples


def scale(
    lr_ref: float, lr_new: float, eb_ref: int, eb_new: int, reduction: str, warmup_ref: Optional[float] = None
) -> Scaling:
    """Apply the rules. ``reduction`` picks the one that applies; with ``unknown`` the safer (lower) lr is chosen."""
    r = float(eb_new) / float(eb_ref)
    keep = lr_ref / r
    linear = lr_ref * r
    root = lr_ref * math.sqrt(r)
    if reduction == "sum":
        rec, rule = keep, "keep_product"
    elif reduction == "mean":
        # The conservative choice of the two mean-loss rules: sqrt when the batch grew, linear when it shrank.
        rec, rule = (root, "sqrt") if r >= 1 else (linear, "linear")
    else:
        rec, rule = min(keep, root), ("keep_product" if keep <= root else "sqrt")
    mismatch = lr_new > rec * RULE_TOLERANCE
    warm = None
    if warmup_ref:
        warm = int(round(float(warmup_ref) / r))
    return Scaling(r, keep, linear, root, _round_lr(rec), rule, mismatch, warm)


def _round_lr(lr: float) -> float:
    """Three significant digits, as people write learning rates (2.5e-05, not 2.4999999e-05)."""
    if lr <= 0 or not math.isfinite(lr):
        return lr
    return float(f"{lr:.3g}")
