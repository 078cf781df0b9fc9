"""Rules whose definition is a streaming detector (:mod:`trainmedic.rules.streaming`): what the live guard and
``watch`` raise during training is what ``diagnose`` finds afterwards, because both run the same detector with the
same thresholds (each rule's parameters are its detector's).

- TM404 gradient-spike: a gradient norm far above its local level for a few points (an RNN's burst, a bad batch).
- TM804 gradient-growth: a gradient norm that climbs steadily to 20x: gradients never zeroed.
- TM805 zero-gradient: a gradient norm of exactly 0 on several points in a row: nothing reaches the weights.
- TM703 frozen-metric: an evaluation metric identical over several evaluations while training moves (accuracy only
  where TM701, which knows what a frozen accuracy means for the eval set, does not already report it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..findings import Facts, Severity
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import evidence, make_finding, series_of, sorted_series, train_loss
from .evaluation import extreme_evaluation, frozen_evaluation
from .streaming import FrozenMetric, GradientGrowth, GradientSpike, ZeroGradient, aligned
from .transfer import chance_of

# Evidence lists at most this many spikes (the facts hold every one).
MAX_LISTED = 6
# An evaluation is judged against the train-loss level: the median of the last 10 train losses logged before it
# (what the live guard keeps).
TRAIN_LEVEL_POINTS = 10


@dataclass(frozen=True)
class GradientSpikeParams(Params):
    """Thresholds of TM404: how far above the points before it a gradient norm must jump."""

    spike_ratio: float = param(
        GradientSpike.SPIKE_RATIO,
        "a spike is this many times the median of the points "
        "before: gradient norms are heavy-tailed, a hard batch "
        "moves them 3-5x",
    )
    spike_z: float = param(
        GradientSpike.SPIKE_Z, "... and this many robust deviations of the run's own recent points above it"
    )
    local_window: int = param(GradientSpike.LOCAL_WINDOW, "the local level is the median of this many points before")
    recover_points: int = param(
        GradientSpike.RECOVER_POINTS,
        "back under recovered_ratio x the level within this many points (else it is an explosion)",
    )
    recovered_ratio: float = param(GradientSpike.RECOVERED_RATIO, "back to the ordinary range")
    warn_ratio: float = param(50.0, "a warning at this many times the level (no hard batch does that) ...")
    warn_count: int = param(3, "... or when there are this many spikes")


@dataclass(frozen=True)
class GradientSpikeFacts(Facts):
    """The spikes of one gradient norm: their point indices and the worst ratio to the local level."""

    spikes: tuple
    worst_ratio: float


@dataclass(frozen=True)
class GrowthParams(Params):
    """Thresholds of TM804: how far and how steadily a gradient norm must climb."""

    growth_ratio: float = param(GradientGrowth.GROWTH_RATIO, "the climb reaches this many times where it began")
    min_points: int = param(GradientGrowth.MIN_POINTS, "over at least this many logged points")
    rise_share: float = param(GradientGrowth.RISE_SHARE, "rising at this share of them")
    diverged: float = param(
        GradientGrowth.DIVERGED,
        "a loss at this many times its value when the climb began has diverged: that explains the growth by itself",
    )


@dataclass(frozen=True)
class GrowthFacts(Facts):
    """Where the climb began and how far it went."""

    start: float
    now: float
    ratio: float
    points: int


@dataclass(frozen=True)
class FrozenParams(Params):
    """Thresholds of TM703: how many identical evaluations make a frozen metric."""

    constant_points: int = param(FrozenMetric.CONSTANT_POINTS, "evaluations in a row with exactly the same value")
    chance_margin: float = param(
        FrozenMetric.CHANCE_MARGIN,
        "an accuracy within this of chance (the largest class's share, or 1/K) is one no learning model sits at",
    )
    train_moves: float = param(
        FrozenMetric.TRAIN_MOVES, "the train loss changes by this share of its level over them: the model is changing"
    )


@dataclass(frozen=True)
class FrozenFacts(Facts):
    """The frozen value and over how many evaluations."""

    value: float
    points: int


def _loss_beside(run: Run, s, level_points: int = 1) -> np.ndarray:
    """The train loss at each point of series ``s`` (same group, same axis), NaN where unknown; with
    ``level_points`` > 1, the median of that many train losses up to the point (the level an evaluation is judged
    against, as the live guard computes it)."""
    loss = train_loss(run, s.parsed.group)
    if loss is None or loss.axis != s.axis:
        return np.full(len(s), np.nan)
    if level_points <= 1:
        return aligned(s.x, loss.x, loss.values)
    ok = np.isfinite(loss.values)
    # A loss without NaN is read in place: two copies of a long train loss for a short eval series would dominate.
    lx, lv = (loss.x, loss.values) if ok.all() else (loss.x[ok], loss.values[ok])
    upto = np.searchsorted(lx, s.x, side="right")
    return np.array([float(np.median(lv[max(0, j - level_points) : j])) if j else np.nan for j in upto])


@rule("TM404", "gradient-spike", symptom="spike", severity="info", params=GradientSpikeParams)
def check_gradient_spikes(run: Run, p: GradientSpikeParams) -> list:
    """Gradient norm jumps far above its local level and comes back.

    What it does:
        Compares each gradient norm with the median of the {local_window} points before it and flags one that is
        at least {spike_ratio}x that level and {spike_z} robust deviations above it (measured on the run's own
        recent points) and back under {recovered_ratio}x within {recover_points} points. A warning at
        {warn_ratio}x or when there are {warn_count} spikes; else info. The live guard and `trainmedic watch` run
        the same detector.
    Why it matters:
        A gradient burst moves the weights by a multiple of a normal step: recurrent networks do it when
        backpropagation through time meets a long dependency, a corrupted batch does it once. Bursts that repeat
        or are huge come just before an explosion.
    Example:
        grad_norm 0.8, 0.9, 0.7, 412.0, 0.9, 0.8 in an LSTM run.
    Fix:
        Clip the gradient norm (1.0 for fine-tuning, 5.0 for recurrent models trained from scratch); if one batch
        causes it every epoch, inspect that batch.
    """
    out = []
    for s in series_of(run, split="train", metric="grad_norm"):
        alarms = GradientSpike.scan(s.values, s.x, thresholds=GradientSpike.thresholds_of(p))
        if not alarms:
            continue
        worst = max(a.ratio for a in alarms)
        warn = worst >= p.warn_ratio or len(alarms) >= p.warn_count
        ev = [
            evidence(s, a.index, Msg("rule.TM404.ev_spike", {"ratio": round(a.ratio, 1), "level": a.reference}))
            for a in alarms[:MAX_LISTED]
        ]
        out.append(
            make_finding(
                "TM404",
                s,
                alarms[0].index,
                ev=ev,
                until=alarms[-1].index,
                severity=Severity.WARNING if warn else None,
                params={"count": len(alarms), "worst": round(worst, 1)},
                facts=GradientSpikeFacts(spikes=tuple(a.index for a in alarms), worst_ratio=worst),
            )
        )
    return out


@rule("TM804", "gradient-growth", symptom="gradient_explosion", severity="warning", params=GrowthParams)
def check_gradient_growth(run: Run, p: GrowthParams) -> list:
    """Gradient norm climbs steadily to many times where it started (gradients never zeroed?).

    What it does:
        Follows each climb of the gradient norm (a fall under half of its maximum ends one) and flags a climb that
        reaches {growth_ratio}x its lowest early value over at least {min_points} logged points, rising at
        {rise_share} of them, while the loss has not diverged (a loss at {diverged}x its value, or non-finite,
        explains the growth by itself).
    Why it matters:
        A gradient that is never zeroed adds every new gradient to all the old ones: its norm grows about linearly
        with the step count and every update repeats the past ones.
    Example:
        grad_norm 0.4, 0.9, 1.3, 1.8 ... 9.2 over 20 steps while the loss is not diverging.
    Fix:
        Call `optimizer.zero_grad()` after every `optimizer.step()`; with gradient accumulation, zero after the
        step, not between micro-batches.
    """
    out = []
    for s in series_of(run, split="train", metric="grad_norm"):
        alarms = GradientGrowth.scan(
            s.values, s.x, thresholds=GradientGrowth.thresholds_of(p), loss=_loss_beside(run, s)
        )
        if not alarms:
            continue
        a = alarms[0]
        points = a.confirmed - a.index + 1
        ev = [
            evidence(s, a.index, Msg("rule.TM804.ev_start")),
            evidence(s, a.confirmed, Msg("rule.TM804.ev_now", {"ratio": round(a.ratio, 1)})),
        ]
        out.append(
            make_finding(
                "TM804",
                s,
                a.index,
                ev=ev,
                until=a.confirmed,
                params={"start": a.reference, "now": a.value, "ratio": round(a.ratio, 1), "points": points},
                facts=GrowthFacts(start=a.reference, now=a.value, ratio=a.ratio, points=points),
            )
        )
    return out


def _without_placeholders(run: Run, s: Series) -> Series:
    """``s`` with the evaluations that did not happen left out: rows where every eval loss of its model is exactly 0
    (a results table that writes zeros until validation runs, e.g. only at the last epoch)."""
    losses = [ls for ls in run.find(split="eval", group=s.parsed.group) if ls.parsed.is_loss]
    if not losses:
        return s
    skipped = np.ones(len(s), dtype=bool)
    for ls in losses:
        ls = sorted_series(ls)
        if ls.axis != s.axis:
            return s
        idx = np.searchsorted(ls.x, s.x)
        ok = (idx < len(ls)) & (ls.x[np.minimum(idx, len(ls) - 1)] == s.x)
        zero = np.zeros(len(s), dtype=bool)
        zero[ok] = ls.values[idx[ok]] == 0.0
        skipped &= zero
    if not skipped.any():
        return s
    values = np.where(skipped, np.nan, s.values)
    return Series(s.name, values, s.step, s.epoch, s.label, s.source)


@rule("TM703", "frozen-metric", symptom="degenerate_eval", severity="warning", params=FrozenParams)
def check_frozen_metric(run: Run, p: FrozenParams) -> list:
    """An evaluation metric stays identical while training moves.

    What it does:
        Flags an evaluation metric (F1, recall, precision, accuracy ...) that keeps exactly the same value over
        {constant_points} evaluations in a row, at exactly 0 or (an accuracy) within {chance_margin} of chance,
        while the train loss changes by at least {train_moves} of its level and of its range over them. An
        accuracy that TM701 already explains is left to it.
    Why it matters:
        A metric that does not move by a single example while the weights change means the predictions do not
        change: typically a model that answers the majority class every time (the minority class's F1 frozen at
        0, the accuracy at the majority's share).
    Example:
        eval_f1 0.0, 0.0, 0.0, 0.0 while the train loss falls from 0.69 to 0.41.
    Fix:
        Check the class balance of the training data and the labels fed to the loss; weight the loss or
        resample; check that the evaluation runs the model being trained.
    """
    out = []
    for s in run.series.values():
        parsed = s.parsed
        if parsed.split != "eval" or not parsed.higher_is_better:
            continue
        s = _without_placeholders(run, sorted_series(s))
        if parsed.metric == "acc" and (extreme_evaluation(run, s) or frozen_evaluation(run, s)):
            continue  # TM701 reports it, with what it means for the eval set
        chance = chance_of(run) if parsed.metric == "acc" else None
        alarms = FrozenMetric.scan(
            s.values,
            s.x,
            thresholds=FrozenMetric.thresholds_of(p),
            train_loss=_loss_beside(run, s, TRAIN_LEVEL_POINTS),
            chance=np.full(len(s), np.nan if chance is None else chance),
        )
        if not alarms:
            continue
        a = alarms[0]
        end = a.confirmed
        while end + 1 < len(s) and s.values[end + 1] == a.value:
            end += 1
        ev = [evidence(s, a.index, Msg("rule.TM703.ev_first")), evidence(s, end, Msg("rule.TM703.ev_last"))]
        out.append(
            make_finding(
                "TM703",
                s,
                a.index,
                ev=ev,
                until=end,
                params={"value": a.value, "n": end - a.index + 1},
                facts=FrozenFacts(value=a.value, points=end - a.index + 1),
            )
        )
    return out


@dataclass(frozen=True)
class ZeroGradientParams(Params):
    """Thresholds of TM805: how many exact zeros of the gradient norm in a row."""

    min_points: int = param(
        ZeroGradient.MIN_POINTS, "logged points in a row with a gradient norm of exactly 0: exact zeros are never noise"
    )


@dataclass(frozen=True)
class ZeroGradientFacts(Facts):
    """How many logged gradient norms were exactly 0, of how many."""

    zeros: int
    points: int


@rule("TM805", "zero-gradient", symptom="vanishing_gradient", severity="error", params=ZeroGradientParams)
def check_zero_gradient(run: Run, p: ZeroGradientParams) -> list:
    """Gradient norm exactly 0: no gradient reaches the weights.

    What it does:
        Flags a gradient norm of exactly 0 on {min_points} logged points in a row (the live guard watches the
        same thing at every step).
    Why it matters:
        An exact 0 is not a small gradient: nothing the loss depends on is a trainable weight. The loss was
        detached from the model (`.detach()`, `.item()` turned back into a tensor, a `torch.no_grad()` around the
        forward), or every unit feeding the output is dead. No step changes anything.
    Example:
        grad_norm 0.0, 0.0, 0.0, 0.0, 0.0 while the loss stays at 1.386.
    Fix:
        Compute the loss from the model's output tensor without `.detach()`, `.item()` or `torch.no_grad()`;
        check that `loss.requires_grad` is True before `backward()`.
    """
    out = []
    for s in series_of(run, split="train", metric="grad_norm"):
        alarms = ZeroGradient.scan(s.values, s.x, thresholds=ZeroGradient.thresholds_of(p))
        if not alarms:
            continue
        a = alarms[0]
        zeros = int((s.values == 0.0).sum())
        last_zero = int(np.flatnonzero(s.values == 0.0)[-1])
        ev = [evidence(s, a.index, Msg("rule.TM805.ev_first")), evidence(s, last_zero, Msg("rule.TM805.ev_last"))]
        out.append(
            make_finding(
                "TM805",
                s,
                a.index,
                ev=ev,
                until=last_zero,
                params={"zeros": zeros, "points": len(s)},
                facts=ZeroGradientFacts(zeros=zeros, points=len(s)),
            )
        )
    return out
