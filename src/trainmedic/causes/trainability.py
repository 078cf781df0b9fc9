"""Trainability causes: almost nothing is trainable (frozen backbone), or the optimizer was built from a subset of
the parameters, so a model stuck at chance never receives the updates it needs.
"""

from __future__ import annotations

import re
from typing import Optional

from ..findings import Diagnosis, Fix
from ..i18n import Msg
from .context import Context, num

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


def candidates(ctx: Context) -> list:
    return [d for d in (_frozen(ctx), _optimizer_subset_diagnosis(ctx)) if d is not None]


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
    params = {"ratio": f"{100 * ratio:.2f}%", "trainable": f"{tp:,}", "total": f"{total:,}",
              "cite": ctx.cite("trainable_params"), "freeze": ctx.get("freeze_layers", "?"),
              "subset": _optimizer_subset(ctx) or "", "encoder_lr": ENCODER_LR}
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
    return Diagnosis(cause="frozen_backbone", confidence=conf, title=Msg("cause.frozen_backbone.title", params),
                     explanation=Msg("cause.explain", {"parts": parts}),
                     findings=ctx.codes("stuck_at_chance", "plateau"), fixes=fixes,
                     data={"trainable_ratio": ratio, "expected_trainable": exp})


def _optimizer_subset_diagnosis(ctx: Context) -> Optional[Diagnosis]:
    sub = _optimizer_subset(ctx)
    if not sub or not ctx.has("stuck_at_chance", "plateau"):
        return None
    params = {"subset": sub, "cite": ctx.cite("optimizer_params")}
    fixes = [Fix(action=Msg("cause.fix.all_params.action"), why=Msg("cause.fix.all_params.why", params))]
    return Diagnosis(cause="optimizer_misses_params", confidence=OPTIMIZER_SUBSET_BASE,
                     title=Msg("cause.optimizer_misses_params.title", params),
                     explanation=Msg("cause.optimizer_misses_params.explanation", params),
                     findings=ctx.codes("stuck_at_chance", "plateau"), fixes=fixes)
