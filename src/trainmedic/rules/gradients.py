"""Gradient norm against the run's own history: explosion, vanishing, and clipping that is always active.

Absolute gradient norms mean little (they scale with the parameter count and the loss reduction), so every judgement
here is relative to the same run: a jump against its recent median, a fall against where it started. A falling norm
alone is no failure (it is what convergence looks like), so vanishing is only said while the loss stays high.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts, Severity
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import eval_losses, evidence, make_finding, series_of, train_loss
from .streaming import GradientExplosion, aligned


@dataclass(frozen=True)
class ExplosionParams(Params):
    """Thresholds of TM801: how far above its recent level a gradient norm must jump."""

    baseline_min_points: int = param(
        GradientExplosion.BASELINE_MIN_POINTS, "logged points before a norm can be judged (short excerpts of a run)"
    )
    baseline_window: int = param(
        GradientExplosion.BASELINE_WINDOW,
        "the baseline is the median of this many points "
        "before: the recent level, following the slow "
        "drift of a long run",
    )
    explode_ratio: float = param(
        GradientExplosion.EXPLODE_RATIO, "a healthy run's grad norm varies 2-4x around its median; ten times is a jump"
    )
    sustain_points: int = param(
        GradientExplosion.SUSTAIN_POINTS,
        "an explosion is not back to the ordinary range "
        "within this many points (a hard batch is "
        "forgotten at the next step)",
    )
    recovered_ratio: float = param(
        GradientExplosion.RECOVERED_RATIO, "under this many times the baseline is the ordinary range again"
    )


@dataclass(frozen=True)
class VanishingParams(Params):
    """Thresholds of TM802: how far the gradient norm must shrink while the loss stops falling."""

    ratio: float = param(100.0, "the last quarter's median a hundredth of the first quarter's")
    min_points: int = param(8, "points needed")
    loss_kept: float = param(0.5, "the loss of the last quarter still at least this share of the first quarter's")
    stall: float = param(0.05, "... and within this share of the quarter before (no longer falling)")


@dataclass(frozen=True)
class ClippingParams(Params):
    """Thresholds of TM803: how often the clip must bind before clipping is always active."""

    min_points: int = param(10, "points needed")
    always_share: float = param(0.95, "share of logged pre-clip norms above max_grad_norm")
    warn_factor: float = param(10.0, "a warning when the median norm is this many times the clip")


@dataclass(frozen=True)
class GradientFacts(Facts):
    """A gradient norm's jump (explosion), fall (vanishing) or clipping share, against the run's own history."""

    kind: str  # explosion | vanishing | clipping
    median: float = 0.0
    ratio: float = 0.0
    then_nan: bool = False
    first: float = 0.0
    last: float = 0.0
    loss_first: float = 0.0
    loss_last: float = 0.0
    share: float = 0.0
    clip: float = 0.0


EXPLOSION = ExplosionParams()
VANISHING = VanishingParams()


def explosion_point(
    g: np.ndarray, p: ExplosionParams = EXPLOSION, x: Optional[np.ndarray] = None, loss: Optional[np.ndarray] = None
) -> Optional[tuple]:
    """``(index, baseline)`` of the first gradient norm ``p.explode_ratio`` times its baseline that does not come
    back within ``p.sustain_points`` logged points, or None: the streaming :class:`GradientExplosion` detector over
    the array (the definition the live guard and ``watch`` use). With ``loss`` (aligned with ``g``), a jump while the
    loss falls is no explosion."""
    alarms = GradientExplosion.scan(g, x, thresholds=GradientExplosion.thresholds_of(p), loss=loss)
    return (alarms[0].index, alarms[0].reference) if alarms else None


@rule("TM801", "gradient-explosion", symptom="gradient_explosion", severity="warning", params=ExplosionParams)
def check_explosion(run: Run, p: ExplosionParams) -> list:
    """Gradient norm jumps to {explode_ratio}x its recent median and stays up.

    What it does:
        Compares each gradient norm with the median of the {baseline_window} points logged before it (at least
        {baseline_min_points}); the first one {explode_ratio}x above that which does not fall back under
        {recovered_ratio}x within the next {sustain_points} points is reported, as an error when NaN follows. A
        one-point jump that the next step forgets is a hard batch, not an explosion; a jump while the train loss
        falls (beyond its own noise) is a model leaving its initial plateau (info). The live guard and `watch` use
        the same detector.
    Why it matters:
        An exploding gradient makes one update large enough to throw the model off its optimum or overflow to
        inf/NaN; clipping would bound it.
    Example:
        grad_norm 1.5, 2.1, 1.8 ... 48.0, then nan.
    Fix:
        Enable gradient clipping (max_grad_norm 1.0); lower the lr; for recurrent layers keep them in float32.
    """
    out = []
    for s in series_of(run, split="train", metric="grad_norm"):
        g = s.values
        hit = explosion_point(g, p, s.x)
        if hit is None:
            continue
        loss = train_loss(run, s.parsed.group)
        beside = aligned(s.x, loss.x, loss.values) if loss is not None and loss.axis == s.axis else None
        i, base = hit
        then_nan = bool((~np.isfinite(g[i:])).any())
        fin = np.flatnonzero(np.isfinite(g))
        ratio = float(g[i]) / base
        ev = [
            evidence(s, fin[fin < i][-1], Msg("rule.TM801.ev_before")),
            evidence(s, i, Msg("rule.TM801.ev_jump", {"ratio": round(ratio, 1)})),
        ]
        later = fin[fin >= i]
        peak = int(later[np.argmax(g[later])])
        # The same detector with the loss beside it: silent when the loss falls through the jump (a model leaving its
        # plateau), said at info level.
        falling = not then_nan and beside is not None and explosion_point(g, p, s.x, beside) is None
        severity = Severity.ERROR if then_nan else (Severity.INFO if falling else None)
        key = "rule.TM801.message_leaving_plateau" if falling else None
        out.append(
            make_finding(
                "TM801",
                s,
                i,
                ev=ev,
                until=peak,
                severity=severity,
                message_key=key,
                params={"value": float(g[i]), "median": base, "ratio": round(ratio, 1)},
                facts=GradientFacts(kind="explosion", median=base, ratio=ratio, then_nan=then_nan),
            )
        )
    return out


def _loss_stalled_high(loss: Optional[Series], p: VanishingParams = VANISHING) -> Optional[dict]:
    """``{"loss_first", "loss_last"}`` when a loss kept ``p.loss_kept`` of its level and stopped falling, else
    None (a loss that fell is a model that learnt, whatever its gradient norm did)."""
    if loss is None:
        return None
    v = loss.values[np.isfinite(loss.values)]
    if v.size < p.min_points:
        return None
    q = max(2, v.size // 4)
    first, prev, last = (float(np.median(v[:q])), float(np.median(v[-2 * q : -q])), float(np.median(v[-q:])))
    if first <= 0 or last < p.loss_kept * first or last < (1 - p.stall) * prev:
        return None
    return {"loss": loss, "loss_first": first, "loss_last": last}


@rule("TM802", "vanishing-gradient", symptom="vanishing_gradient", severity="warning", params=VanishingParams)
def check_vanishing(run: Run, p: VanishingParams) -> list:
    """Gradient norm falls to 1/{ratio} of where it started while the loss stays high.

    What it does:
        Compares the median gradient norm of the last quarter of the run with the first quarter's, and reports a
        fall by {ratio}x only while the loss has kept at least {loss_kept} of its level and stopped falling: a
        gradient that shrinks as the loss falls is a model converging.
    Why it matters:
        A gradient that vanishes stops learning: saturated activations, dead ReLUs, a collapsed lr, or a loss that
        no longer depends on the weights.
    Example:
        grad_norm 2.0 at the start, 0.004 at the end while the loss is still high.
    Fix:
        Check the activations (dead units), the normalisation layers, the lr schedule, and the per-layer gradient
        norms.
    """
    out = []
    for s in series_of(run, split="train", metric="grad_norm"):
        g = s.values
        fin = np.flatnonzero(np.isfinite(g) & (g >= 0))
        if fin.size < p.min_points:
            continue
        q = max(2, fin.size // 4)
        first, last = float(np.median(g[fin[:q]])), float(np.median(g[fin[-q:]]))
        if first <= 0 or last * p.ratio > first:
            continue
        group = s.parsed.group
        stalled = _loss_stalled_high(train_loss(run, group) or next(iter(eval_losses(run, group)), None), p)
        if stalled is None:
            continue
        loss = stalled["loss"]
        i = int(fin[np.flatnonzero(g[fin] * p.ratio <= first)[0]])
        ev = [
            evidence(s, fin[0]),
            evidence(s, i, Msg("rule.TM802.ev_small")),
            evidence(s, fin[-1]),
            evidence(loss, int(np.flatnonzero(np.isfinite(loss.values))[-1]), Msg("rule.TM802.ev_loss")),
        ]
        out.append(
            make_finding(
                "TM802",
                s,
                i,
                ev=ev,
                until=int(fin[-1]),
                params={
                    "first": first,
                    "last": last,
                    "ratio": round(first / max(last, 1e-30)),
                    "loss": loss.label,
                    "loss_first": stalled["loss_first"],
                    "loss_last": stalled["loss_last"],
                },
                facts=GradientFacts(
                    kind="vanishing",
                    first=first,
                    last=last,
                    loss_first=stalled["loss_first"],
                    loss_last=stalled["loss_last"],
                ),
            )
        )
    return out


@rule("TM803", "clipping-always-active", symptom="gradient_explosion", severity="info", params=ClippingParams)
def check_clipping(run: Run, p: ClippingParams) -> list:
    """Gradient norm above max_grad_norm at nearly every step.

    What it does:
        Compares the logged (pre-clip) gradient norms with max_grad_norm from the config: info when at least
        {always_share} of them are above it, a warning when the median norm is {warn_factor}x the clip.
    Why it matters:
        When the clip rescales every update, the clip threshold, not the lr, sets the step size; a hard clip hides
        how unstable the optimisation is.
    Example:
        max_grad_norm 1.0 and grad_norm between 3 and 40 at 99% of the steps.
    Fix:
        Lower the lr until the gradient norm is usually below the clip, or raise the clip to about the median norm.
    """
    try:
        clip = float(run.config.get("max_grad_norm") or 0.0)
    except (TypeError, ValueError):
        return []
    if clip <= 0:
        return []
    out = []
    for s in series_of(run, split="train", metric="grad_norm"):
        g = s.values[np.isfinite(s.values)]
        if g.size < p.min_points:
            continue
        share = float(np.mean(g > clip))
        if share < p.always_share:
            continue
        med = float(np.median(g))
        severity = Severity.WARNING if med >= p.warn_factor * clip else Severity.INFO
        first = int(np.flatnonzero(np.isfinite(s.values))[0])
        out.append(
            make_finding(
                "TM803",
                s,
                first,
                ev=[evidence(s, first)],
                until=len(s) - 1,
                severity=severity,
                params={"share": round(100 * share), "clip": clip, "median": med},
                facts=GradientFacts(kind="clipping", share=share, median=med, clip=clip),
            )
        )
    return out
