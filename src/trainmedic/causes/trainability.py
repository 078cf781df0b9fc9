"""Trainability causes: almost nothing is trainable (frozen backbone), the optimizer was built from a subset of
the parameters, or the learning rate is too small to move the weights, so a model stuck at chance (or on a plateau)
never receives the updates it needs.

When the run says how many parameters train, or how the optimizer was built, the cause is named with confidence.
When it says neither, the learning rate decides which suspects are ranked: a tiny lr explains a flat loss by itself;
an lr in the usual range leaves the parameters that never reach the optimizer as the likely culprits.
"""

from __future__ import annotations

import math
import re
from typing import Optional

from ..findings import Diagnosis, Fix
from ..i18n import Msg
from ..rules.learning import ChanceFacts
from . import provider
from .context import Context, num, round_lr
from .live import explains_not_learning, parameters_counted

# Below 1% of the parameters trainable, only a head can be learning (a LoRA adapter is about 0.5-2%, and learns
# because its target modules sit inside the backbone).
TINY_TRAINABLE_RATIO = 0.01
FROZEN_BASE = 0.6
FROZEN_STUCK_BONUS = 0.25
OPTIMIZER_SUBSET_BASE = 0.55
# A transformer encoder layer of hidden size h has about 12 h^2 + 13 h parameters (attention 4h^2, feed-forward 8h^2).
# Used to say how many parameters "freeze N of L layers" should have left trainable.
BASE_HIDDEN, BASE_LAYERS = 768, 12
LARGE_HIDDEN, LARGE_LAYERS = 1024, 24
LARGE_MODEL_PARAMS = 250e6
# Fine-tuning lr for a whole pretrained encoder.
ENCODER_LR = 2e-5
# The optimizer was given a submodule's parameters: `model.classifier.parameters()`, `model.fc.parameters()`.
SUBSET_PATTERN = re.compile(r"\.\s*(?!parameters\b)(\w+)\s*\.\s*parameters\s*\(")
# The usual learning rates per optimizer family (low, high): Adam-type optimizers fine-tune at 1e-5 and train small
# models from scratch at up to 1e-2; plain SGD needs 1e-3 to 1.0. Below a fifth of the low end the lr is "far below".
USUAL_LR = {"adam": (1e-5, 1e-2), "sgd": (1e-3, 1.0)}
FAR_BELOW = 5.0
# A raised lr for a run that does not move: x10 at least (a smaller change would not be noticed), x100 at most (a
# bigger jump risks the opposite failure); aimed at the geometric middle of the usual range.
LR_RAISE_MIN, LR_RAISE_MAX = 10.0, 100.0
LR_TOO_LOW_BASE = 0.7
LR_LOWISH = 0.35  # below the usual range but not far below: a suspect, not the answer
# Suspects when nothing says what trains: a loss at ln K from the first evaluation with an ordinary lr means the
# weights that matter are not updated. Frozen layers are the commoner mistake; a subset optimizer the sneakier one.
SUSPECT_FROZEN = 0.45
SUSPECT_OPTIMIZER = 0.4
# Both suspects leave the rest of the model computing something that depends on the input, so the per-batch loss
# still moves; a loss that is one number on every batch (:mod:`.collapse`) halves their weight.
CONSTANT_LOSS_DISCOUNT = 0.5


@provider("trainability")
def candidates(ctx: Context) -> list:
    """A frozen model, an optimizer built from a subset of the parameters, or an lr too small; when the run names none
    of them, the likely suspects ranked by the lr."""
    named = [d for d in (_frozen(ctx) or _frozen_by_switch(ctx), _optimizer_subset_diagnosis(ctx)) if d is not None]
    low = _lr_too_low(ctx)
    out = named + ([low] if low is not None else [])
    if not named and (low is None or low.confidence < LR_TOO_LOW_BASE):
        out.extend(_suspects(ctx))
    return out


def optimizer_family(name: Optional[str]) -> str:
    """``adam`` for Adam-type optimizers (AdamW, adamw_torch_fused, Adafactor, LAMB...), ``sgd`` for SGD."""
    n = str(name or "").lower()
    if "sgd" in n or "momentum" in n:
        return "sgd"
    return "adam"  # the Trainer's default and what nearly every fine-tuning script uses


def _lr_too_low(ctx: Context) -> Optional[Diagnosis]:
    """A flat or stuck loss with an lr below the usual range of its optimizer."""
    lr = ctx.lr
    if lr is None or lr <= 0 or not ctx.has("stuck_at_chance", "plateau"):
        return None
    fam = optimizer_family(ctx.get("optimizer"))
    low, high = USUAL_LR[fam]
    if lr >= low:
        return None
    far = lr < low / FAR_BELOW
    target = math.sqrt(low * high)
    factor = min(LR_RAISE_MAX, max(LR_RAISE_MIN, 10 ** math.ceil(math.log10(target / lr) - 1e-9)))
    to = round_lr(lr * factor)
    params = {
        "lr": lr,
        "cite": ctx.cite("lr"),
        "optimizer": ctx.get("optimizer") or fam,
        "low": low,
        "high": high,
        "factor": int(factor),
        "to": to,
    }
    key = "cause.lr_too_low.far" if far else "cause.lr_too_low.lowish"
    fixes = [
        Fix(param="lr", from_=lr, to=to, why=Msg("cause.fix.lr_raise.why", params)),
        Fix(action=Msg("cause.fix.lr_range_test.action"), why=Msg("cause.fix.lr_range_test.why")),
    ]
    return Diagnosis(
        cause="lr_too_low",
        confidence=LR_TOO_LOW_BASE if far else LR_LOWISH,
        title=Msg("cause.lr_too_low.title", params),
        explanation=Msg(key, params),
        findings=ctx.codes("stuck_at_chance", "plateau"),
        fixes=fixes,
        facts={"lr": lr, "usual": [low, high], "factor": factor},
    )


def _suspects(ctx: Context) -> list:
    """Frozen layers and a subset optimizer as ranked suspects for a run at chance with nothing that names either."""
    stuck = [g for g in ctx.by_symptom.get("stuck_at_chance", []) if isinstance(g.facts, ChanceFacts)]
    f = min(stuck, key=lambda g: g.at.key) if stuck else None
    if f is None or ctx.has("nonfinite", "divergence", "gradient_explosion"):
        return []  # a model knocked back to chance by a NaN or a divergence is not one whose weights never move
    if parameters_counted(ctx) or explains_not_learning(ctx):
        return []  # the live guard counted the parameters, or saw the real reason: no guessing
    chance = f.facts if isinstance(f.facts, ChanceFacts) else None
    params = {
        "lr": ctx.lr,
        "k": chance.k if chance else "?",
        "ln_k": round(chance.ln_k, 3) if chance else "?",
        "where": f.where(),
        "encoder_lr": ENCODER_LR,
    }
    weight = CONSTANT_LOSS_DISCOUNT if ctx.uniform_output is not None else 1.0
    # The encoder's fine-tuning lr is advice for a pretrained Transformers model; elsewhere, unfreeze at the run's lr.
    if ctx.framework == "hf":
        unfreeze = Fix(action=Msg("cause.fix.unfreeze.action", params), why=Msg("cause.fix.unfreeze.why", params))
    else:
        unfreeze = Fix(action=Msg("cause.fix.unfreeze_layers.action"), why=Msg("cause.fix.unfreeze_layers.why"))
    preflight = Fix(action=Msg("cause.fix.preflight.action"), why=Msg("cause.fix.preflight.why"))
    check = Fix(action=Msg("cause.fix.check_optimizer.action"), why=Msg("cause.fix.check_optimizer.why"))
    frozen = Diagnosis(
        cause="frozen_backbone",
        confidence=SUSPECT_FROZEN * weight,
        title=Msg("cause.frozen_backbone.title_suspect", params),
        explanation=Msg("cause.frozen_backbone.suspect", params),
        findings=ctx.codes("stuck_at_chance"),
        fixes=[
            check,
            preflight,
            unfreeze,
        ],
        facts={"suspect": True},
    )
    subset = Diagnosis(
        cause="optimizer_misses_params",
        confidence=SUSPECT_OPTIMIZER * weight,
        title=Msg("cause.optimizer_misses_params.title_suspect", params),
        explanation=Msg("cause.optimizer_misses_params.suspect", params),
        findings=ctx.codes("stuck_at_chance"),
        fixes=[
            check,
            preflight,
            Fix(action=Msg("cause.fix.all_params.action"), why=Msg("cause.fix.all_params.why", params)),
        ],
        facts={"suspect": True},
    )
    return [frozen, subset]


def expected_trainable(ctx: Context) -> Optional[int]:
    """Parameters that freezing ``freeze_layers`` of the encoder's layers should leave trainable (head excluded)."""
    freeze, total = num(ctx.get("freeze_layers")), num(ctx.get("total_params"))
    if freeze is None or total is None:
        return None
    large = total > LARGE_MODEL_PARAMS
    h = int(num(ctx.get("hidden_size")) or (LARGE_HIDDEN if large else BASE_HIDDEN))
    layers = int(num(ctx.get("num_layers")) or (LARGE_LAYERS if large else BASE_LAYERS))
    left = max(0, layers - int(freeze))
    return left * (12 * h * h + 13 * h)


def _optimizer_subset(ctx: Context) -> Optional[str]:
    m = SUBSET_PATTERN.search(str(ctx.get("optimizer_params") or ""))
    return m.group(1) if m else None


def _frozen(ctx: Context) -> Optional[Diagnosis]:
    ratio = num(ctx.get("trainable_ratio"))
    if ratio is None or ratio >= TINY_TRAINABLE_RATIO or not ctx.has("stuck_at_chance", "plateau"):
        return None
    conf = FROZEN_BASE + (FROZEN_STUCK_BONUS if ctx.has("stuck_at_chance") else 0.0)
    tp, total = int(num(ctx.get("trainable_params")) or 0), int(num(ctx.get("total_params")) or 0)
    params = {
        "ratio": f"{100 * ratio:.2f}%",
        "trainable": f"{tp:,}",
        "total": f"{total:,}",
        "cite": ctx.cite("trainable_params"),
        "freeze": ctx.get("freeze_layers", "?"),
        "subset": _optimizer_subset(ctx) or "",
        "encoder_lr": ENCODER_LR,
    }
    parts = [Msg("cause.frozen_backbone.ratio", params)]
    exp = expected_trainable(ctx)
    if exp:
        params.update(expected=f"{exp / 1e6:.0f}M", layers_left=(BASE_LAYERS - int(num(ctx.get("freeze_layers")))))
        parts.append(Msg("cause.frozen_backbone.expected", params))
    if params["subset"]:
        parts.append(Msg("cause.frozen_backbone.subset", params))
    fixes = [Fix(action=Msg("cause.fix.all_params.action"), why=Msg("cause.fix.all_params.why", params))]
    freeze = num(ctx.get("freeze_layers"))
    if freeze:
        fixes.append(Fix(param="freeze_layers", from_=int(freeze), to=0, why=Msg("cause.fix.unfreeze.why", params)))
    fixes.append(Fix(action=Msg("cause.fix.unfreeze.action", params), why=Msg("cause.fix.unfreeze.why", params)))
    fixes.append(Fix(action=Msg("cause.fix.preflight.action"), why=Msg("cause.fix.preflight.why")))
    return Diagnosis(
        cause="frozen_backbone",
        confidence=conf,
        title=Msg("cause.frozen_backbone.title", params),
        explanation=Msg("cause.explain", {"parts": parts}),
        findings=ctx.codes("stuck_at_chance", "plateau"),
        fixes=fixes,
        facts={"trainable_ratio": ratio, "expected_trainable": exp},
    )


def _frozen_by_switch(ctx: Context) -> Optional[Diagnosis]:
    """A run at chance (or flat) whose config switches freezing on (`--freeze_encoder True`) but does not say how
    many parameters train: the switch names the part that cannot learn."""
    modules = ctx.get("frozen_modules") or []
    if not modules or not ctx.has("stuck_at_chance", "plateau"):
        return None
    conf = FROZEN_BASE + (FROZEN_STUCK_BONUS if ctx.has("stuck_at_chance") else 0.0)
    params = {
        "modules": list(modules),
        "cite": ctx.cite("frozen_modules"),
        "encoder_lr": ENCODER_LR,
        "ratio": "?",
        "subset": "",
    }
    fixes = [Fix(param=f"freeze_{m}", from_=True, to=False, why=Msg("cause.fix.unfreeze.why", params)) for m in modules]
    fixes.append(Fix(action=Msg("cause.fix.unfreeze.action", params), why=Msg("cause.fix.unfreeze.why", params)))
    fixes.append(Fix(action=Msg("cause.fix.preflight.action"), why=Msg("cause.fix.preflight.why")))
    return Diagnosis(
        cause="frozen_backbone",
        confidence=conf,
        title=Msg("cause.frozen_backbone.title_switch", params),
        explanation=Msg("cause.frozen_backbone.switch", params),
        findings=ctx.codes("stuck_at_chance", "plateau"),
        fixes=fixes,
        facts={"frozen_modules": modules},
    )


def _optimizer_subset_diagnosis(ctx: Context) -> Optional[Diagnosis]:
    sub = _optimizer_subset(ctx)
    if not sub or not ctx.has("stuck_at_chance", "plateau"):
        return None
    params = {"subset": sub, "cite": ctx.cite("optimizer_params")}
    fixes = [Fix(action=Msg("cause.fix.all_params.action"), why=Msg("cause.fix.all_params.why", params))]
    return Diagnosis(
        cause="optimizer_misses_params",
        confidence=OPTIMIZER_SUBSET_BASE,
        title=Msg("cause.optimizer_misses_params.title", params),
        explanation=Msg("cause.optimizer_misses_params.explanation", params),
        findings=ctx.codes("stuck_at_chance", "plateau"),
        fixes=fixes,
    )
