"""Causes the live guard observed directly, which outrank what the curves' shapes suggest: the batch itself held NaN
(the replay found it at the input), no gradient reaches the weights, gradients are never zeroed, the inputs are raw
0-255 values, the labels do not belong to the inputs (the train loss falls, every evaluation stays at chance), and
trainable parameters the optimizer does not hold. Each reads typed observations (:mod:`trainmedic.observations`)
or typed finding facts, never a rendered message.
"""

from __future__ import annotations

from typing import Optional

from ..findings import Diagnosis, Fix
from ..i18n import Msg
from ..observations import GradientFlow, GuardAction, InputStats, ParameterCounts, StaleGradients
from ..rules.eval_gap import EvalGapFacts
from ..rules.streamed import GrowthFacts
from ..rules.transfer import EvalAtChanceFacts
from . import provider
from .context import Context

# What the guard saw is direct evidence: ranked above any cause read off a curve's shape (those top out near 0.95
# only with several corroborations).
OBSERVED = 0.95
# The same symptoms read off the logged series alone (no live guard): strong, not certain.
FROM_SERIES = 0.8
# Zero-gradient steps among those measured, for "no gradient flows" (a few zeros can be a dead batch).
ZERO_SHARE = 0.9
# Inputs that are raw pixel intensities: integer values reaching at least this (0-255 images, 0-65535 sensors).
RAW_INPUT_MAX = 20.0
RAW_RANGES = (255, 65535)
NOT_LEARNING = ("stuck_at_chance", "plateau", "vanishing_gradient")
# Where gradients are zeroed, in each framework (full catalog keys).
ZERO_GRAD_FIX = {
    "torch": "cause.fix.zero_grad.torch",
    "accelerate": "cause.fix.zero_grad.accelerate",
    "lightning": "cause.fix.zero_grad.lightning",
    "hf": "cause.fix.zero_grad.hf",
}


@provider("live")
def candidates(ctx: Context) -> list:
    """What the live guard saw directly: bad input, no gradient flow, gradients never zeroed, raw pixel values, labels
    that do not match the inputs, parameters the optimizer misses."""
    return [
        d
        for d in (
            _bad_input(ctx),
            _no_gradient_flow(ctx),
            _missing_zero_grad(ctx),
            _unnormalised(ctx),
            _labels_misaligned(ctx),
            _optimizer_misses(ctx),
        )
        if d is not None
    ]


def parameters_counted(ctx: Context) -> bool:
    """The live guard counted what trains and what the optimizer holds: nothing about it needs guessing."""
    return bool(ctx.run.observed(ParameterCounts))


def zero_gradient(ctx: Context) -> bool:
    """No gradient reaches the weights: the guard's tally, or the zero-gradient finding (TM805)."""
    flows = ctx.run.observed(GradientFlow)
    if flows and flows[-1].steps and flows[-1].zero_steps >= ZERO_SHARE * flows[-1].steps:
        return True
    return any(f.code == "TM805" for f in ctx.by_symptom.get("vanishing_gradient", []))


def raw_inputs(ctx: Context) -> Optional[InputStats]:
    """A floating-point input whose values are non-negative integers reaching RAW_INPUT_MAX (0-255 pixels)."""
    return next(
        (o for o in ctx.run.observed(InputStats) if o.integer_valued and o.minimum >= 0 and o.maximum >= RAW_INPUT_MAX),
        None,
    )


def explains_not_learning(ctx: Context) -> bool:
    """The guard saw why the model does not learn (so no suspect needs guessing)."""
    return zero_gradient(ctx) or bool(ctx.run.observed(StaleGradients)) or raw_inputs(ctx) is not None


def _bad_input(ctx: Context) -> Optional[Diagnosis]:
    if not ctx.bad_data or not ctx.has("nonfinite"):
        return None
    skipped = [o.batch for o in ctx.run.observed(GuardAction) if o.input_nonfinite and o.batch is not None]
    params = {"batches": [str(b) for b in skipped[:10]] or "?", "n": len(skipped)}
    fixes = [
        Fix(action=Msg("cause.fix.check_batch_finite.action"), why=Msg("cause.fix.check_batch_finite.why")),
        Fix(action=Msg("cause.fix.skip_nonfinite.action"), why=Msg("cause.fix.skip_nonfinite.why")),
    ]
    return Diagnosis(
        cause="bad_input_data",
        confidence=OBSERVED,
        title=Msg("cause.bad_input_data.title_live", params),
        explanation=Msg("cause.bad_input_data.live", params),
        findings=ctx.codes("nonfinite"),
        fixes=fixes,
        facts={"batches": skipped[:50]},
    )


def _no_gradient_flow(ctx: Context) -> Optional[Diagnosis]:
    if not zero_gradient(ctx):
        return None
    observed = bool(ctx.run.observed(GradientFlow))
    fixes = [Fix(action=Msg("cause.fix.attach_loss.action"), why=Msg("cause.fix.attach_loss.why"))]
    return Diagnosis(
        cause="no_gradient_flow",
        confidence=OBSERVED if observed else FROM_SERIES,
        title=Msg("cause.no_gradient_flow.title"),
        explanation=Msg("cause.no_gradient_flow.explanation"),
        findings=ctx.codes("vanishing_gradient", *NOT_LEARNING),
        fixes=fixes,
    )


def _missing_zero_grad(ctx: Context) -> Optional[Diagnosis]:
    stale = ctx.run.observed(StaleGradients)
    growth = next((f for f in ctx.by_symptom.get("gradient_explosion", []) if isinstance(f.facts, GrowthFacts)), None)
    if not stale and growth is None:
        return None
    if stale:
        params = {"ratio": round(stale[-1].ratio, 1), "step": stale[-1].step}
        key, conf = "cause.missing_zero_grad.observed", OBSERVED
    else:
        params = {"ratio": round(growth.facts.ratio, 1), "step": growth.at.step}
        key, conf = "cause.missing_zero_grad.growth", FROM_SERIES - 0.2  # a growth the loss does not explain
    framework = ctx.framework
    fixes = [Fix(action=Msg(ZERO_GRAD_FIX.get(framework, ZERO_GRAD_FIX["torch"])), why=Msg("cause.fix.zero_grad.why"))]
    return Diagnosis(
        cause="missing_zero_grad",
        confidence=conf,
        title=Msg("cause.missing_zero_grad.title"),
        explanation=Msg(key, params),
        findings=ctx.codes("gradient_explosion", *NOT_LEARNING),
        fixes=fixes,
        facts=params,
    )


def _unnormalised(ctx: Context) -> Optional[Diagnosis]:
    raw = raw_inputs(ctx)
    if raw is None or not ctx.has(*NOT_LEARNING, "oscillation", "divergence"):
        return None
    # The scale to divide by: the full range of the format the values come in (8-bit, 16-bit), else their maximum.
    scale = next((r for r in RAW_RANGES if raw.maximum <= r), raw.maximum)
    params = {"name": raw.name, "low": raw.minimum, "high": raw.maximum, "mean": round(raw.mean, 2), "scale": scale}
    fixes = [Fix(action=Msg("cause.fix.normalise_inputs.action", params), why=Msg("cause.fix.normalise_inputs.why"))]
    return Diagnosis(
        cause="unnormalised_inputs",
        confidence=OBSERVED - 0.1,
        title=Msg("cause.unnormalised_inputs.title", params),
        explanation=Msg("cause.unnormalised_inputs.explanation", params),
        findings=ctx.codes(*NOT_LEARNING, "oscillation", "divergence"),
        fixes=fixes,
        facts=params,
    )


def _labels_misaligned(ctx: Context) -> Optional[Diagnosis]:
    f = next((f for f in ctx.by_symptom.get("stuck_at_chance", []) if isinstance(f.facts, EvalAtChanceFacts)), None)
    if f is None:
        return _labels_from_gap(ctx)
    facts = f.facts
    params = {
        "chance": round(facts.chance, 3),
        "best": round(facts.best, 3),
        "first": round(facts.train_first, 3),
        "last": round(facts.train_last, 3),
        "series": f.series_label or f.series,
    }
    fixes = [Fix(action=Msg("cause.fix.check_pairs.action"), why=Msg("cause.fix.check_pairs.why"))]
    return Diagnosis(
        cause="labels_misaligned",
        confidence=FROM_SERIES + 0.05,
        title=Msg("cause.labels_misaligned.title"),
        explanation=Msg("cause.labels_misaligned.explanation", params),
        findings=ctx.codes("stuck_at_chance", "overfitting"),
        fixes=fixes,
        facts=params,
    )


def _labels_from_gap(ctx: Context) -> Optional[Diagnosis]:
    """The eval accuracy at chance while the train accuracy is high (TM702's gap, at chance)."""
    f = next(
        (
            f
            for f in ctx.by_symptom.get("degenerate_eval", [])
            if isinstance(f.facts, EvalGapFacts) and f.facts.at_chance
        ),
        None,
    )
    if f is None:
        return None
    params = {
        "series": f.series_label or f.series,
        "ratio": round(f.facts.acc_ratio, 2),
        "chance": round(f.facts.chance or 0.0, 3),
    }
    fixes = [Fix(action=Msg("cause.fix.check_pairs.action"), why=Msg("cause.fix.check_pairs.why"))]
    return Diagnosis(
        cause="labels_misaligned",
        confidence=FROM_SERIES - 0.1,
        title=Msg("cause.labels_misaligned.title"),
        explanation=Msg("cause.labels_misaligned.gap", params),
        findings=ctx.codes("degenerate_eval"),
        fixes=fixes,
        facts=params,
    )


def _optimizer_misses(ctx: Context) -> Optional[Diagnosis]:
    counts = ctx.run.observed(ParameterCounts)
    if not counts or not counts[-1].missed or not ctx.has(*NOT_LEARNING):
        return None
    c = counts[-1]
    params = {"missed": f"{c.missed:,}", "trainable": f"{c.trainable:,}", "modules": list(c.missed_modules) or "?"}
    fixes = [Fix(action=Msg("cause.fix.all_params.action"), why=Msg("cause.fix.all_params.why", params))]
    return Diagnosis(
        cause="optimizer_misses_params",
        confidence=OBSERVED,
        title=Msg("cause.optimizer_misses_params.title_live", params),
        explanation=Msg("cause.optimizer_misses_params.live", params),
        findings=ctx.codes(*NOT_LEARNING),
        fixes=fixes,
        facts={"missed": c.missed, "trainable": c.trainable},
    )
