"""Step-size causes: a learning rate too high, an effective batch changed without rescaling the lr, and a failure
that starts when warmup ends and the lr reaches its peak.

The size of an update is lr x gradient. With a loss summed over the batch the gradient grows with the batch, so
tripling the effective batch at the same lr triples every step; with a mean loss it does not (the gradient's noise
shrinks instead, and the usual rescaling is the square-root rule).
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from ..findings import Diagnosis, Fix
from ..i18n import Msg
from ..rules.schedule import SCHEDULE, ScheduleFacts
from . import provider
from .context import FAILURE_SYMPTOMS, Context, nan_before_updates, num, round_lr
from .trainability import USUAL_LR, optimizer_family

LR_BASE = 0.45
LR_RISE_BONUS = 0.3  # the loss was climbing before the NaN: the textbook lr divergence
LR_DIVERGENCE_BONUS = 0.2
# A gradient norm that jumped far above its level and stayed up while the loss stopped falling (TM801, not the steady
# climb of unzeroed gradients) is what steps too large do; alone, without a loss that climbed, it is weaker evidence.
LR_EXPLOSION_ONLY_PENALTY = 0.1
LR_SAME_AS_STABLE_PENALTY = 0.25  # a stable sibling ran at the same lr: the lr alone is not the problem
# lr cut: halve for a divergence (the usual first step); about 3x for oscillation (1e-3 -> 3e-4 for Adam).
LR_CUT_DIVERGENCE = 0.5
LR_CUT_OSCILLATION = 0.3
# An lr above twice the top of its optimizer's usual range (trainability.USUAL_LR) is far above it; the restart value
# is a tenth of that top: SGD 0.1, Adam 1e-3, the classic defaults.
FAR_ABOVE = 2.0
FAR_ABOVE_RESTART = 0.1
BATCH_BASE = 0.6
BATCH_SUMMED_BONUS = 0.25
# Without a baseline the batch is only a suspect: a summed loss makes the step grow with it, but nothing says it
# changed.
BATCH_NO_BASELINE = 0.5
WARMUP_BASE = 0.7
# A failure "at the peak" starts within this many of its series' logging intervals of the lr peak, before or after it
# (a run logged every 5 steps that explodes 5 steps after warmup ends, or an evaluation every 25 steps that catches
# it one interval late), with the lr at this share of its peak or more: the last steps of a linear warmup already run
# at nearly full lr.
WARMUP_WINDOW_INTERVALS = 3
WARMUP_NEAR_PEAK = 0.8
# The run was already failing before the lr got near its peak and broke outright there: the peak is a suspect that
# ranks below a plain lr_too_high.
WARMUP_ESCALATION = 0.55


@provider("step_size")
def candidates(ctx: Context) -> list:
    """An effective batch changed without rescaling the lr, a failure at the end of warmup, an lr too high and an lr
    decayed to zero."""
    return [
        d for d in (_batch_lr_mismatch(ctx), _warmup_peak(ctx), _lr_too_high(ctx), _lr_decayed(ctx)) if d is not None
    ]


# An lr at zero while training goes on: the schedule is the cause of the plateau, named with confidence.
LR_DECAYED = 0.75


def _lr_decayed(ctx: Context) -> Optional[Diagnosis]:
    f = next((g for g in ctx.by_symptom.get("plateau", []) if getattr(g.facts, "kind", "") == "lr_zero"), None)
    if f is None:
        return None
    params = {"where": f.where(), "scheduler": ctx.get("scheduler") or None, "lr": ctx.lr or None}  # unknown: unsaid
    fixes = [
        Fix(action=Msg("cause.fix.check_scheduler.action", params), why=Msg("cause.fix.check_scheduler.why")),
        Fix(action=Msg("cause.fix.print_lr.action"), why=Msg("cause.fix.print_lr.why")),
    ]
    return Diagnosis(
        cause="lr_schedule_decayed",
        confidence=LR_DECAYED,
        title=Msg("cause.lr_schedule_decayed.title"),
        explanation=Msg("cause.lr_schedule_decayed.explanation", params),
        findings=ctx.codes("plateau"),
        fixes=fixes,
    )


def _lr_too_high(ctx: Context) -> Optional[Diagnosis]:
    lr, cite = ctx.lr, ctx.cite("lr")
    if lr is None:
        lr = ctx.logged_peak_lr()
        cite = Msg("cause.cite.logged_lr") if lr is not None else cite
    rise = ctx.rise_before_nan()
    swings = ctx.has("oscillation", "spike")
    jump = next((f for f in ctx.by_symptom.get("gradient_explosion", []) if f.code == "TM801"), None)
    if not (rise or ctx.has("divergence") or swings or jump):
        return None
    if nan_before_updates(ctx) and not (ctx.has("divergence") or swings):
        return None  # a NaN before any update (lr 0, first step) is not the step size
    conf = LR_BASE + (LR_RISE_BONUS if rise else 0.0) + (LR_DIVERGENCE_BONUS if ctx.has("divergence") else 0.0)
    if jump is not None and not (rise or ctx.has("divergence") or swings):
        conf -= LR_EXPLOSION_ONLY_PENALTY
    base = ctx.baseline
    if base is not None and lr is not None and num(base.config.get("lr")) == lr:
        conf -= LR_SAME_AS_STABLE_PENALTY
    cut = LR_CUT_OSCILLATION if swings and not (rise or ctx.has("divergence")) else LR_CUT_DIVERGENCE
    params = {"lr": lr, "cite": cite, "optimizer": ctx.get("optimizer") or ""}  # an unknown lr is left unsaid
    parts = [Msg("cause.lr_too_high.lead", params)]
    if rise:
        name, low, high = rise
        parts.append(Msg("cause.lr_too_high.rise", {**params, "series": name, "low": low, "high": high}))
    if ctx.has("divergence"):
        parts.append(Msg("cause.lr_too_high.divergence", params))
    if swings:
        parts.append(Msg("cause.lr_too_high.swings", params))
    if jump is not None:
        parts.append(Msg("cause.lr_too_high.explosion", {"where": jump.where()}))
    fixes = []
    if lr is not None:
        low, high = USUAL_LR[optimizer_family(ctx.get("optimizer"))]
        if lr > high * FAR_ABOVE:
            # Far outside what this optimizer ever trains with (SGD at 20, Adam at 0.5): halving is not enough;
            # start again from its classic default (SGD 0.1, Adam 1e-3).
            to = round_lr(high * FAR_ABOVE_RESTART)
            fixes.append(
                Fix(param="lr", from_=lr, to=to, why=Msg("cause.fix.lr_far_above.why", {"low": low, "high": high}))
            )
        else:
            to = round_lr(lr * cut)
            fixes.append(
                Fix(param="lr", from_=lr, to=to, why=Msg("cause.fix.lr_cut.why", {"factor": round(1 / cut, 1)}))
            )
    else:  # the files read do not give the lr: the change is still to lower it, by the same factor
        fixes.append(
            Fix(
                action=Msg("cause.fix.lr_unknown.action", {"factor": round(1 / cut, 1)}),
                why=Msg("cause.fix.lr_cut.why", {"factor": round(1 / cut, 1)}),
            )
        )
    if swings:
        fixes.append(Fix(action=Msg("cause.fix.plateau_scheduler.action"), why=Msg("cause.fix.plateau_scheduler.why")))
        fixes.append(Fix(action=Msg("cause.fix.report_best.action"), why=Msg("cause.fix.report_best.why")))
    else:
        fixes.append(Fix(action=Msg("cause.fix.warmup.action"), why=Msg("cause.fix.warmup.why")))
    return Diagnosis(
        cause="lr_too_high",
        confidence=conf,
        title=Msg("cause.lr_too_high.title", params),
        explanation=Msg("cause.explain", {"parts": parts}),
        findings=sorted(
            {*ctx.codes("nonfinite", "divergence", "oscillation", "spike"), *([jump.code] if jump else [])}
        ),
        fixes=fixes,
    )


def _batch_lr_mismatch(ctx: Context) -> Optional[Diagnosis]:
    if not ctx.has("divergence", "metric_collapse", "nonfinite"):
        return None
    eff, lr = num(ctx.get("effective_batch")), ctx.lr
    base = ctx.baseline
    summed = ctx.loss_summed()
    b_eff = num(base.config.get("effective_batch")) if base is not None else None
    b_lr = num(base.config.get("lr")) if base is not None else None
    if base is None and summed and eff is not None and lr is not None:
        return _summed_without_baseline(ctx, eff, lr)
    if eff is None or lr is None or b_eff is None or b_eff == eff or (b_lr is not None and b_lr != lr):
        return None  # no baseline with another batch at the same lr: nothing to blame the batch for
    conf = BATCH_BASE + (BATCH_SUMMED_BONUS if summed else 0.0)
    ratio = eff / b_eff
    level = ctx.loss_level()
    params = {
        "eff": int(eff),
        "base_eff": int(b_eff),
        "lr": lr,
        "ratio": round(ratio, 2),
        "level": level or "?",
        "pdb": ctx.get("per_device_batch") or "?",
        "accum": ctx.get("grad_accum") or 1,
        "base_pdb": base.config.get("per_device_batch") or "?",
        "base_accum": base.config.get("grad_accum") or 1,
        "cite": ctx.cite("per_device_batch"),
    }
    parts = [Msg("cause.batch_lr_mismatch.change", params)]
    if summed:
        to = round_lr(lr * b_eff / eff)
        parts.append(Msg("cause.batch_lr_mismatch.summed", params))
        why = Msg("cause.fix.lr_linear.why", params)
    else:
        to = round_lr(lr * math.sqrt(b_eff / eff))
        parts.append(Msg("cause.batch_lr_mismatch.mean", params))
        why = Msg("cause.fix.lr_sqrt.why", params)
    fixes = [Fix(param="lr", from_=lr, to=to, why=why)]
    fixes.append(_keep_batch_fix(ctx, int(b_eff)))
    warm = num(ctx.get("warmup_steps"))
    b_warm = num(base.config.get("warmup_steps"))
    if warm and b_warm and warm == b_warm:
        fixes.append(
            Fix(
                param="warmup_steps",
                from_=int(warm),
                to=int(round(warm * b_eff / eff)),
                why=Msg("cause.fix.warmup_samples.why", {**params, "warm": int(warm)}),
            )
        )
    return Diagnosis(
        cause="batch_lr_mismatch",
        confidence=conf,
        title=Msg("cause.batch_lr_mismatch.title", params),
        explanation=Msg("cause.explain", {"parts": parts}),
        findings=ctx.codes("divergence", "metric_collapse", "nonfinite"),
        fixes=fixes,
        facts={"effective_batch": [int(b_eff), int(eff)], "lr": [b_lr, lr], "summed": summed},
    )


def _summed_without_baseline(ctx: Context, eff: float, lr: float) -> Diagnosis:
    """A summed loss in a failing run, no baseline to compare: the batch is a suspect, with a rule but no number."""
    params = {
        "eff": int(eff),
        "lr": lr,
        "level": ctx.loss_level() or "?",
        "pdb": ctx.get("per_device_batch") or "?",
        "accum": ctx.get("grad_accum") or 1,
    }
    fixes = [Fix(action=Msg("cause.fix.lr_by_batch.action", params), why=Msg("cause.fix.lr_by_batch.why", params))]
    return Diagnosis(
        cause="batch_lr_mismatch",
        confidence=BATCH_NO_BASELINE,
        title=Msg("cause.batch_lr_mismatch.title_no_baseline", params),
        explanation=Msg("cause.batch_lr_mismatch.no_baseline", params),
        findings=ctx.codes("divergence", "metric_collapse", "nonfinite"),
        fixes=fixes,
        facts={"effective_batch": [None, int(eff)], "summed": True},
    )


def _keep_batch_fix(ctx: Context, target: int) -> Fix:
    """The baseline's effective batch again, exactly: this run's per-device batch when it divides the target, else the
    largest per-device batch below it that does, with the accumulation that makes up the rest."""
    ws = ctx.world_size
    per_process = max(1, target // ws)
    pdb = int(num(ctx.get("per_device_batch")) or per_process)
    fits = [b for b in range(min(pdb, per_process), 0, -1) if per_process % b == 0]
    batch = fits[0] if fits else per_process
    params = {"target": target, "pdb": batch, "accum": per_process // batch, "world_size": ws}
    return Fix(action=Msg("cause.fix.keep_batch.action", params), why=Msg("cause.fix.keep_batch.why", params))


def warmup_end(ctx: Context) -> Optional[tuple]:
    """(step of the lr peak / warmup end, peak lr) from the lr series, else from warmup_steps and lr."""
    for s in ctx.run.find(split="train", metric="lr"):
        s = s.sorted()
        fin = np.isfinite(s.values)
        if fin.sum() >= 2 and s.has_step:
            i = int(np.flatnonzero(fin)[np.argmax(s.values[fin])])
            if i < len(s) - 1:  # a peak that is the last point is no peak
                return float(s.step[i]), float(s.values[i])
    w = num(ctx.get("warmup_steps"))
    return (w, ctx.lr) if w else None


def _warmup_peak(ctx: Context) -> Optional[Diagnosis]:
    f = ctx.first("divergence", "metric_collapse", "nonfinite")
    we = warmup_end(ctx)
    if f is None or we is None or f.at.step is None:
        return None
    end, peak = we
    schedule = [g.facts for g in ctx.findings if isinstance(g.facts, ScheduleFacts)]
    ramped = schedule[0].ramp if schedule else (_ramped(ctx, peak) or bool(num(ctx.get("warmup_steps"))))
    if not ramped:
        return None  # no warmup (TM210 says the lr never ramped): a failure cannot be the end of one
    onset = float(f.at.step)
    prev = _previous_eval_step(ctx, f)
    if prev is None or not (prev <= end <= onset):
        return _near_peak(ctx, end, peak)  # not in the first interval after warmup ended: near the peak, maybe
    params = {
        "warmup": int(end),
        "peak": peak if peak is not None else "?",
        "prev": int(prev),
        "where": f.where(),
        "epoch": f.at.epoch if f.at.epoch is not None else "?",
    }
    fixes = [Fix(action=Msg("cause.fix.lower_peak.action", params), why=Msg("cause.fix.lower_peak.why", params))]
    return Diagnosis(
        cause="warmup_peak_instability",
        confidence=WARMUP_BASE,
        title=Msg("cause.warmup_peak_instability.title", params),
        explanation=Msg("cause.warmup_peak_instability.explanation", params),
        findings=ctx.codes(*FAILURE_SYMPTOMS),
        fixes=fixes,
        facts={"warmup_end": end, "peak_lr": peak},
    )


def _near_peak(ctx: Context, end: float, peak: Optional[float]) -> Optional[Diagnosis]:
    """The earliest failure (a gradient explosion included) within a few logging intervals of the lr peak, at 80% of
    the peak lr or more; ranked lower when the run was already failing before it."""
    if not _ramped(ctx, peak):
        return None
    cands = [
        g
        for g in ctx.by_symptom.get("gradient_explosion", [])
        + [g for s in FAILURE_SYMPTOMS for g in ctx.by_symptom.get(s, [])]
        if g.at.step is not None
    ]
    for g in sorted(cands, key=lambda g: float(g.at.step)):
        onset = float(g.at.step)
        interval = _interval(ctx, g)
        share = _lr_share(ctx, onset, end, peak)
        if interval is None or share is None or abs(onset - end) > WARMUP_WINDOW_INTERVALS * interval:
            continue
        if share < WARMUP_NEAR_PEAK:
            continue
        first = ctx.first("divergence", "metric_collapse", "nonfinite", "gradient_explosion")
        earlier = first is not None and first.at.step is not None and float(first.at.step) < onset
        warm = num(ctx.get("warmup_steps")) or end  # the lr series peaks at the first step logged after warmup
        params = {
            "warmup": int(warm),
            "peak": peak if peak is not None else "?",
            "where": g.where(),
            "series": g.series_label or g.series,
            "share": f"{100 * share:.0f}%",
            "distance": int(abs(onset - warm)),
            "prev": int(warm),
        }
        parts = [Msg("cause.warmup_peak_instability.near_peak", params)]
        if earlier:
            parts.append(Msg("cause.warmup_peak_instability.earlier", {**params, "first": first.where()}))
        fixes = [Fix(action=Msg("cause.fix.lower_peak.action", params), why=Msg("cause.fix.lower_peak.why", params))]
        return Diagnosis(
            cause="warmup_peak_instability",
            confidence=WARMUP_ESCALATION if earlier else WARMUP_BASE,
            title=Msg("cause.warmup_peak_instability.title", params),
            explanation=Msg("cause.explain", {"parts": parts}),
            findings=ctx.codes(*FAILURE_SYMPTOMS, "gradient_explosion"),
            fixes=fixes,
            facts={"warmup_end": end, "peak_lr": peak, "onset": onset, "lr_share": share},
        )
    return None


def _ramped(ctx: Context, peak: Optional[float]) -> bool:
    """Whether the lr warmed up: its series starts below half the peak (TM210's ramp), or (no series) the config sets a warmup."""
    for s in ctx.run.find(split="train", metric="lr"):
        fin = s.sorted().values
        fin = fin[np.isfinite(fin)]
        if fin.size >= 2 and peak:
            return bool(fin[0] < SCHEDULE.ramp_start * peak)
    return bool(num(ctx.get("warmup_steps")) or num(ctx.get("warmup_ratio")))


def _interval(ctx: Context, f) -> Optional[float]:
    """The median distance between the logged steps of the finding's series."""
    s = ctx.run.get(f.series)
    if s is None or not s.has_step:
        return None
    steps = np.unique(s.step[np.isfinite(s.step)])
    return float(np.median(np.diff(steps))) if steps.size >= 2 else None


def _lr_share(ctx: Context, step: float, end: float, peak: Optional[float]) -> Optional[float]:
    """The lr at ``step`` as a share of its peak: read off the lr series, else a linear warmup up to ``end``."""
    for s in ctx.run.find(split="train", metric="lr"):
        s = s.sorted()
        fin = np.isfinite(s.values) & np.isfinite(s.step)
        if fin.sum() >= 2 and peak:
            return float(np.interp(step, s.step[fin], s.values[fin])) / peak
    return min(1.0, step / end) if end > 0 else None


def _previous_eval_step(ctx: Context, f) -> Optional[float]:
    """The step of the point before the failure's onset in the failing series (the last healthy evaluation)."""
    s = ctx.run.get(f.series)
    if s is None or not s.has_step:
        return None
    s = s.sorted()
    before = s.step[s.step < float(f.at.step)]
    return float(before[-1]) if before.size else None
