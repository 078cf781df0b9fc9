"""A model whose output no longer depends on its input: the per-batch loss at chance is the same number on every batch.

Different batches give different losses as long as the prediction depends on the example. A classifier whose loss
is ln K to the last printed digit on batch after batch gives every input the same logits: the features reaching its
last layer carry nothing (units that died after a too-large update, ReLUs that never fire again, or weights decayed
to zero). A frozen backbone under a trainable head, or an optimizer that misses part of the model, would still give
different losses on different batches, so a loss this constant argues for dead units and against those suspects.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from ..findings import Diagnosis, Finding, Fix
from ..i18n import Msg
from ..rules.learning import ChanceFacts, FrozenLossFacts
from . import provider
from .context import Context
from .live import explains_not_learning, parameters_counted

# Every point of the pin within this share of its median: per-batch losses of a model whose output depends on its
# input differ by far more (a percent or more between batches); printed to 4-6 digits, a dead network's do not move.
CONSTANT_SPREAD = 1e-4
# Three batches with one loss is no accident (two could be).
MIN_CONSTANT_POINTS = 3
# The largest class count a loss is read as (ln K up to 11.5).
MAX_CLASSES = 100000
# ln K to the last digit of a loss printed with three decimals or more (2.303 for ln 10 = 2.302585); a loss shown
# with fewer digits, or flattened by a running mean (4.600 on a progress bar for ln 100 = 4.605), cannot say that
# the output is uniform.
LN_K_TOLERANCE = 5e-4
# Above the frozen-backbone suspect (0.45): the constant loss is the evidence that tells the two apart.
SUSPECT_DEAD = 0.5
# The lr to restart with: a tenth of the one that killed the units.
LR_CUT = 10.0


def constant_at_chance(ctx: Context) -> Optional[tuple]:
    """(finding, loss value, points, K) when a stuck-at-chance or frozen-loss finding's loss is one number on every
    logged batch of its span, and that number is ln K; None otherwise."""
    for f in ctx.by_symptom.get("stuck_at_chance", []):
        if not isinstance(f.facts, (ChanceFacts, FrozenLossFacts)):
            continue
        values = _span(ctx, f)
        if values is None or len(values) < MIN_CONSTANT_POINTS:
            continue
        level = float(np.median(values))
        if not (level > 0 and float(values.max() - values.min()) <= CONSTANT_SPREAD * level):
            continue
        # ln K to the digits printed: a uniform output. (An output that ignores the input but is not uniform, the
        # class prior, gives a loss that moves with each batch's labels; a level merely flattened by a running mean
        # or by rounding sits off ln K.)
        k = round(math.exp(level)) if level < math.log(MAX_CLASSES) else 0
        if k >= 2 and abs(level - math.log(k)) <= LN_K_TOLERANCE:
            return f, level, len(values), k
    return None


def _span(ctx: Context, f: Finding) -> Optional[np.ndarray]:
    """The finite values of the finding's series from where it starts to where it ends, when the series is a train
    loss whose points come from other batches (logged by step, or several times within an epoch). An eval loss, or
    a train loss averaged over whole epochs, is computed on the same examples each time: a constant one says the
    model did not change, not that it ignores its input."""
    s = ctx.run.get(f.series)
    if s is None or f.until is None or s.parsed.split != "train" or getattr(s, "running_mean", False):
        return None  # (a running mean flattens what it averages)
    axis = s.axis
    if axis == "epoch":
        return None  # one point per epoch
    if axis == "index" and s.epoch is not None:
        epochs = s.epoch[np.isfinite(s.epoch)]
        if len(epochs) and np.all(epochs == np.round(epochs)):
            return None  # whole epochs, logged in order
    lo, hi = (f.at.step, f.until.step) if axis == "step" else (f.at.index, f.until.index)
    if lo is None or hi is None:
        return None
    x, v = s.x, s.values
    keep = (x >= lo) & (x <= hi) & np.isfinite(v)
    return v[keep]


@provider("collapse")
def candidates(ctx: Context) -> list:
    """Dead units, ranked first among the suspects of a run at chance whose loss does not move from batch to batch."""
    if (
        ctx.has("nonfinite", "divergence", "gradient_explosion")
        or parameters_counted(ctx)
        or explains_not_learning(ctx)
    ):
        return []
    found = constant_at_chance(ctx)
    if found is None:
        return []
    f, level, n, k = found
    lr = ctx.lr if ctx.lr is not None else ctx.logged_peak_lr()
    params = {"value": f"{level:.6g}", "n": n, "where": f.where(), "k": k, "lr": lr}
    fixes = [Fix(action=Msg("cause.fix.preflight_dead.action"), why=Msg("cause.fix.preflight_dead.why"))]
    if lr is not None and lr > 0:
        to = float(f"{lr / LR_CUT:.2g}")
        fixes.append(
            Fix(param="lr", from_=lr, to=to, why=Msg("cause.fix.lr_restart_dead.why", {"factor": int(LR_CUT)}))
        )
    return [
        Diagnosis(
            cause="dead_units",
            confidence=SUSPECT_DEAD,
            title=Msg("cause.dead_units.title_suspect"),
            explanation=Msg("cause.dead_units.constant_loss", params),
            findings=ctx.codes("stuck_at_chance"),
            fixes=fixes,
            facts={"suspect": True, "loss": level, "points": n},
        )
    ]
