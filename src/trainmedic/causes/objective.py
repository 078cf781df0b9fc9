"""Objective causes: the loss function and the model's output disagree, so the loss has a floor it cannot pass.

The commonest case is a softmax in ``forward()`` followed by ``CrossEntropyLoss``, which applies log-softmax
itself: the logits it sees are probabilities in [0, 1], so even a model that is certain and right scores
``-log(e / (e + K - 1)) = ln(1 + (K - 1) / e)``. The floor's value names the mechanism.
"""

from __future__ import annotations

import math
from typing import Optional

from ..findings import Diagnosis, Fix
from ..i18n import Msg
from ..rules.plateau import PlateauFacts
from . import provider
from .context import Context

MISMATCH_BASE = 0.5
# The floor within 3% of ln(1 + (K-1)/e): the double softmax, not a coincidence.
DOUBLE_SOFTMAX_TOL = 0.03
DOUBLE_SOFTMAX_BONUS = 0.3
ACTIVATION_BONUS = 0.1  # the config says the model squashes its output
SQUASHING = ("softmax", "sigmoid", "log_softmax")


@provider("objective")
def candidates(ctx: Context) -> list:
    """A loss function that disagrees with the model's output (a softmax before CrossEntropyLoss), named from the floor
    the loss cannot pass."""
    d = _loss_output_mismatch(ctx)
    return [d] if d is not None else []


def double_softmax_floor(k: int) -> float:
    """The lowest cross-entropy a K-class model can reach when softmax is applied to probabilities."""
    return math.log(1 + (k - 1) / math.e)


def _loss_output_mismatch(ctx: Context) -> Optional[Diagnosis]:
    f = next(
        (f for f in ctx.by_symptom.get("plateau", []) if isinstance(f.facts, PlateauFacts) and f.facts.kind == "floor"),
        None,
    )
    if f is None:
        return None
    floor, k = f.facts.floor, f.facts.k
    params = {"floor": round(floor, 4), "acc": round(f.facts.acc, 4), "k": k or None}
    conf = MISMATCH_BASE
    parts = []
    if k and abs(floor - double_softmax_floor(k)) <= DOUBLE_SOFTMAX_TOL * double_softmax_floor(k):
        conf += DOUBLE_SOFTMAX_BONUS
        params["expected"] = round(double_softmax_floor(k), 4)
        parts.append(Msg("cause.loss_output_mismatch.double_softmax", params))
    else:
        parts.append(Msg("cause.loss_output_mismatch.generic", params))
    act = str(ctx.get("output_activation") or "").lower()
    if act in SQUASHING:
        conf += ACTIVATION_BONUS
        parts.append(
            Msg("cause.loss_output_mismatch.config", {"activation": act, "cite": ctx.cite("output_activation")})
        )
    fixes = [Fix(action=Msg("cause.fix.return_logits.action"), why=Msg("cause.fix.return_logits.why"))]
    return Diagnosis(
        cause="loss_output_mismatch",
        confidence=conf,
        title=Msg("cause.loss_output_mismatch.title", params),
        explanation=Msg("cause.explain", {"parts": parts}),
        findings=ctx.codes("plateau"),
        fixes=fixes,
        facts={"floor": floor, "k": k},
    )
