"""A model whose output no longer depends on its input: the per-batch loss at chance is the same number on every batch.

Different batches give different losses as long as the prediction depends on the example. A classifier whose loss
is ln K to the last printed digit on batch after batch gives every input the same logits: the features reaching its
last layer carry nothing (units that died after a too-large update, ReLUs that never fire again, or weights decayed
to zero). A frozen backbone under a trainable head, or an optimizer that misses part of the model, would still give
different losses on different batches, so a loss this constant argues for dead units and against those suspects.
"""

from __future__ import annotations

from ..findings import Diagnosis, Fix
from ..i18n import Msg
from . import provider
from .context import Context, round_lr
from .live import explains_not_learning, parameters_counted

# Above the frozen-backbone suspect (0.45): the constant loss is the evidence that tells the two apart.
SUSPECT_DEAD = 0.5
# The lr to restart with: a tenth of the one that killed the units.
LR_CUT = 10.0


@provider("collapse")
def candidates(ctx: Context) -> list:
    """Dead units, ranked first among the suspects of a run at chance whose loss is ln K on every batch
    (:attr:`Context.uniform_output`)."""
    if (
        ctx.has("nonfinite", "divergence", "gradient_explosion")
        or parameters_counted(ctx)
        or explains_not_learning(ctx)
    ):
        return []
    found = ctx.uniform_output
    if found is None:
        return []
    f, level, n, k = found
    lr = ctx.lr if ctx.lr is not None else ctx.logged_peak_lr()
    params = {"value": f"{level:.6g}", "n": n, "where": f.where(), "k": k, "lr": lr}
    fixes = [Fix(action=Msg("cause.fix.preflight_dead.action"), why=Msg("cause.fix.preflight_dead.why"))]
    if lr is not None and lr > 0:
        to = round_lr(lr / LR_CUT)
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
