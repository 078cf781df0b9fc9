"""Numerical causes: recurrent layers over long sequences, mixed precision, and training without gradient clipping.

Backpropagation through time multiplies one Jacobian per time step: over thousands of steps the product explodes
(or vanishes) unless something bounds it. Half precision shrinks the room before a value overflows (fp16: 65504) or
loses the digits a long recurrence accumulates (bf16: 8 bits of mantissa). Clipping is the bound that was missing.
"""

from __future__ import annotations

from ..findings import Diagnosis, Fix
from ..i18n import Msg
from . import provider
from .context import INSTABILITY_SYMPTOMS, Context, nan_before_updates, num

# Confidence of each cause given its evidence; bonuses add what makes the mechanism stronger in this run.
RECURRENT_BASE = 0.5
RECURRENT_LONG_BONUS = 0.15  # sequences of 512+ steps
RECURRENT_VANILLA_BONUS = 0.1  # tanh nn.RNN: no gating, the Jacobian product is unprotected
RECURRENT_MIXED_BONUS = 0.1
RECURRENT_NO_CLIP_BONUS = 0.1
MIXED_BASE = {"fp16": 0.6, "bf16": 0.55}
MIXED_RECURRENT_BONUS = 0.15  # the module whose values grow with sequence length runs in half precision
CLIP_BASE = 0.55
CLIP_RECURRENT_BONUS = 0.1
CLIP_SWING_BONUS = 0.1  # oscillation/spikes: clipping is the direct bound on the swings
# The clip value to recommend: 1.0 is the Hugging Face default and safe for fine-tuning; 5.0 is a common looser
# bound for RNNs trained from scratch.
CLIP_TO = 1.0
CLIP_TO_RNN_SCRATCH = 5.0
PRECISION_KEYS = {"fp16": "cause.mixed_precision_overflow.fp16", "bf16": "cause.mixed_precision_overflow.bf16"}


@provider("numerics")
def candidates(ctx: Context) -> list:
    """Recurrent layers over long sequences, half precision (stated or suspected) and training without clipping."""
    return [
        d
        for d in (_recurrent(ctx), _mixed_precision(ctx) or _precision_unknown(ctx), _no_clipping(ctx))
        if d is not None
    ]


# The run does not say its precision: half precision is a suspect for any NaN (most large runs use it), a strong one
# when the NaN came before any update (the forward pass itself overflowed).
UNKNOWN_PRECISION_SUSPECT = 0.3
UNKNOWN_PRECISION_AT_INIT = 0.5


def _precision_unknown(ctx: Context):
    if ctx.get("precision") is not None or not ctx.has("nonfinite"):
        return None
    at_init = nan_before_updates(ctx)
    params = {"cite": "", "world_size": ctx.world_size}
    parts = [Msg("cause.mixed_precision_overflow.unknown", params)]
    if at_init:
        parts.append(Msg("cause.mixed_precision_overflow.at_init", params))
    fixes = [
        Fix(action=Msg("cause.fix.check_precision.action"), why=Msg("cause.fix.check_precision.why")),
        Fix(action=Msg("cause.fix.fp32_hotspots.action"), why=Msg("cause.fix.fp32_hotspots.why")),
    ]
    return Diagnosis(
        cause="mixed_precision_overflow",
        confidence=UNKNOWN_PRECISION_AT_INIT if at_init else UNKNOWN_PRECISION_SUSPECT,
        title=Msg("cause.mixed_precision_overflow.title_unknown"),
        explanation=Msg("cause.explain", {"parts": parts}),
        findings=ctx.codes("nonfinite"),
        fixes=fixes,
        facts={"precision": None, "before_updates": at_init},
    )


def _clip_fix(ctx: Context) -> Fix:
    mgn = ctx.get("max_grad_norm")
    return Fix(
        param="max_grad_norm",
        from_=mgn if mgn is not None else "off",
        to=CLIP_TO,
        why=Msg("cause.fix.clip.why", {"to": CLIP_TO}),
    )


def _recurrent(ctx: Context):
    if not ctx.recurrent or not ctx.has(*INSTABILITY_SYMPTOMS):
        return None
    conf = RECURRENT_BASE
    conf += RECURRENT_LONG_BONUS if ctx.long_sequence else 0.0
    conf += RECURRENT_VANILLA_BONUS if ctx.vanilla_rnn else 0.0
    conf += RECURRENT_MIXED_BONUS if ctx.mixed else 0.0
    conf += RECURRENT_NO_CLIP_BONUS if ctx.clipping_off else 0.0
    layers = [str(x) for x in ctx.recurrent]
    params = {
        "layers": layers,
        "max_len": num(ctx.get("max_len")),
        "precision": ctx.precision or "fp32",
        "cite": ctx.cite("recurrent_layers"),
    }
    parts = [Msg("cause.recurrent_long_sequence.bptt", params)]
    if ctx.long_sequence:
        parts.append(Msg("cause.recurrent_long_sequence.long", params))
    if ctx.mixed:
        parts.append(Msg("cause.recurrent_long_sequence.mixed", params))
    if ctx.vanilla_rnn:
        parts.append(Msg("cause.recurrent_long_sequence.vanilla", params))
    fixes = []
    if ctx.mixed:
        fixes.append(Fix(action=Msg("cause.fix.rnn_fp32.action", params), why=Msg("cause.fix.rnn_fp32.why", params)))
    if ctx.clipping_off or ctx.get("max_grad_norm") is None:
        fixes.append(_clip_fix(ctx))
    if ctx.vanilla_rnn:
        fixes.append(Fix(action=Msg("cause.fix.gated_rnn.action"), why=Msg("cause.fix.gated_rnn.why")))
    if ctx.long_sequence:
        fixes.append(
            Fix(action=Msg("cause.fix.shorter_recurrence.action", params), why=Msg("cause.fix.shorter_recurrence.why"))
        )
    return Diagnosis(
        cause="recurrent_long_sequence",
        confidence=conf,
        title=Msg("cause.recurrent_long_sequence.title", params),
        explanation=Msg("cause.explain", {"parts": parts}),
        findings=ctx.codes(*INSTABILITY_SYMPTOMS),
        fixes=fixes,
        facts={"layers": ctx.recurrent},
    )


def _mixed_precision(ctx: Context):
    if not ctx.mixed or not ctx.has("nonfinite", "divergence", "gradient_explosion"):
        return None
    conf = MIXED_BASE[ctx.precision]
    if not ctx.has("nonfinite"):
        conf -= 0.2  # without a NaN/inf, half precision is only a suspect
    conf += MIXED_RECURRENT_BONUS if ctx.recurrent else 0.0
    params = {
        "precision": ctx.precision,
        "cite": ctx.cite("precision"),
        "world_size": ctx.world_size,
        "layers": [str(x) for x in ctx.recurrent],
    }
    parts = [Msg(PRECISION_KEYS[ctx.precision], params)]
    fixes = []
    if ctx.recurrent:
        fixes.append(Fix(action=Msg("cause.fix.rnn_fp32.action", params), why=Msg("cause.fix.rnn_fp32.why", params)))
        parts.append(Msg("cause.mixed_precision_overflow.recurrent", params))
    elif ctx.precision == "fp16":
        fixes.append(Fix(param="precision", from_="fp16", to="bf16", why=Msg("cause.fix.bf16.why")))
        fixes.append(Fix(action=Msg("cause.fix.fp32_hotspots.action"), why=Msg("cause.fix.fp32_hotspots.why")))
    if ctx.clipping_off:
        fixes.append(_clip_fix(ctx))
    if ctx.world_size > 1:
        fixes.append(
            Fix(action=Msg("cause.fix.agreed_skip.action", params), why=Msg("cause.fix.agreed_skip.why", params))
        )
    else:
        fixes.append(Fix(action=Msg("cause.fix.skip_nonfinite.action"), why=Msg("cause.fix.skip_nonfinite.why")))
    return Diagnosis(
        cause="mixed_precision_overflow",
        confidence=conf,
        title=Msg("cause.mixed_precision_overflow.title", params),
        explanation=Msg("cause.explain", {"parts": parts}),
        findings=ctx.codes("nonfinite", "divergence", "gradient_explosion"),
        fixes=fixes,
    )


def _no_clipping(ctx: Context):
    if not ctx.clipping_off or not ctx.has(*INSTABILITY_SYMPTOMS):
        return None
    conf = CLIP_BASE
    conf += CLIP_RECURRENT_BONUS if ctx.recurrent else 0.0
    conf += CLIP_SWING_BONUS if ctx.has("oscillation", "spike", "gradient_explosion") else 0.0
    cite = ctx.cite("max_grad_norm") or ctx.cite("clipping") or Msg("cause.clip.observed")
    params = {
        "cite": cite,
        "max_grad_norm": ctx.get("max_grad_norm", "off"),
        "clip_rnn": CLIP_TO_RNN_SCRATCH,
        "clip": CLIP_TO,
    }
    fixes = [_clip_fix(ctx)]
    if ctx.get("max_grad_norm") is None and ctx.framework == "unknown":  # a hand-written loop: where the call goes
        fixes.append(Fix(action=Msg("cause.fix.clip_call.action", params), why=Msg("cause.fix.clip_call.why")))
    return Diagnosis(
        cause="no_grad_clipping",
        confidence=conf,
        title=Msg("cause.no_grad_clipping.title", params),
        explanation=Msg("cause.no_grad_clipping.explanation", params),
        findings=ctx.codes(*INSTABILITY_SYMPTOMS),
        fixes=fixes,
    )
