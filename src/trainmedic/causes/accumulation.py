"""Gradients that accumulate across steps: ``optimizer.zero_grad()`` missing (or called in the wrong place).

Without it every ``backward()`` adds to the gradients of all earlier steps, so the update is the sum of every past
gradient: a heavy ball without friction. The loss first falls fast, overshoots its minimum and climbs back smoothly
towards where it started, and the gradient norm grows step after step.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..findings import Diagnosis, Fix
from ..i18n import Msg
from ..rules.curves import train_loss
from . import provider
from .context import Context

ZERO_GRAD_BASE = 0.5
# The gradient norm logged beside it grows (5x from first to last, rising at most points): the sum of past gradients.
GRAD_GROWTH_BONUS = 0.2
GRAD_GROWTH = 5.0
# The rebound: the loss first fell by at least 80% of its first value, then climbed back monotonically over at least
# 3 points to at least 40% of its first value, without overshooting it by more than half (an explosion is lr).
FELL = 0.8
MIN_CLIMB_POINTS = 3
CLIMBED_BACK = 0.4
OVERSHOOT = 1.5


@provider("accumulation")
def candidates(ctx: Context) -> list:
    """Gradients never zeroed between steps: named when the loss fell, overshot and climbed smoothly back."""
    d = _missing_zero_grad(ctx)
    return [d] if d is not None else []


def rebound(values: np.ndarray) -> Optional[dict]:
    """Facts of a loss that fell and climbed smoothly back towards its start, or None."""
    v = values[np.isfinite(values)]
    if v.size < MIN_CLIMB_POINTS + 2 or v[0] <= 0:
        return None
    m = int(np.argmin(v))
    first, low, last = float(v[0]), float(v[m]), float(v[-1])
    climb = np.diff(v[m:])
    if low > (1 - FELL) * first or climb.size < MIN_CLIMB_POINTS or (climb < 0).any():
        return None
    if last < CLIMBED_BACK * first or last > OVERSHOOT * first:
        return None
    return {"first": first, "low": low, "last": last, "min_index": m}


def _grad_grows(ctx: Context) -> bool:
    for s in ctx.run.find(split="train", metric="grad_norm"):
        g = s.sorted().values
        g = g[np.isfinite(g) & (g > 0)]
        if g.size >= 4 and g[-1] >= GRAD_GROWTH * g[0] and np.mean(np.diff(g) > 0) >= 0.7:
            return True
    return False


def _missing_zero_grad(ctx: Context) -> Optional[Diagnosis]:
    if not ctx.has("divergence"):
        return None
    loss = train_loss(ctx.run, None)
    r = rebound(loss.values) if loss is not None else None
    if r is None:
        return None
    grows = _grad_grows(ctx)
    params = {"first": r["first"], "low": r["low"], "last": r["last"], "series": loss.label}
    fixes = [Fix(action=Msg("cause.fix.zero_grad.action"), why=Msg("cause.fix.zero_grad.why"))]
    parts = [Msg("cause.missing_zero_grad.rebound", params)]
    if grows:
        parts.append(Msg("cause.missing_zero_grad.grad_grows", params))
    return Diagnosis(
        cause="missing_zero_grad",
        confidence=ZERO_GRAD_BASE + (GRAD_GROWTH_BONUS if grows else 0.0),
        title=Msg("cause.missing_zero_grad.title"),
        explanation=Msg("cause.explain", {"parts": parts}),
        findings=ctx.codes("divergence"),
        fixes=fixes,
        facts={"rebound": r, "grad_grows": grows},
    )
