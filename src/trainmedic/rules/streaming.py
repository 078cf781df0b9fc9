"""Streaming symptoms, defined once: incremental detectors that the live guard, ``watch`` and ``diagnose`` share.

Each detector is a small class: :meth:`update` takes one logged point and returns an :class:`Alarm` when the symptom
is confirmed; :meth:`scan` feeds a whole array to a fresh detector, so the offline answer is the live answer by
construction; :meth:`state_dict` / :meth:`load_state_dict` let a resumed run keep its detectors. State is bounded
(a window of recent values), so the cost of a point does not grow with the length of the run.

Noise comes from the series itself, at its own logging interval: the median and the median absolute deviation (MAD)
of recent values. An alarm needs a change beyond that noise that persists (a spike must also come back; an
explosion must stay up), and a gradient-norm rise while the loss falls is a model leaving its plateau, not an
explosion. This module imports numpy only.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from . import fastscan
from .detector import Alarm, Detector, Window, aligned, last_finite

__all__ = [
    "Alarm",
    "Detector",
    "Window",
    "aligned",
    "NonFinite",
    "Spike",
    "GradientSpike",
    "GradientExplosion",
    "GradientGrowth",
    "FrozenMetric",
    "ZeroGradient",
    "DETECTORS",
]


class NonFinite(Detector):
    """The first NaN or infinity of a series: never noise, so it needs no persistence."""

    name, symptom = "nonfinite", "nonfinite"
    _scalars = ("fired",)

    def __init__(self, **thresholds: Any) -> None:
        super().__init__(**thresholds)
        self.fired = False

    def update(self, x: float, value: float, **context: Any) -> Optional[Alarm]:
        """Take the next point; an :class:`~trainmedic.rules.detector.Alarm` when it confirms the symptom."""
        self.n += 1
        if self.fired or math.isfinite(value):
            return None
        self.fired = True
        return self._alarm(self.n - 1, x, value, math.nan)

    @staticmethod
    def _bulk_scan(det: Detector, values: np.ndarray, xs: np.ndarray, ctx: dict) -> list:
        return fastscan.first_run(det, values, xs, ctx, ~np.isfinite(values), 1)


class ZeroGradient(Detector):
    """A gradient norm of exactly 0 on MIN_POINTS logged points in a row: no gradient reaches the weights (a loss
    detached from the model, every unit dead). Exact zeros are never noise; a few make it certain."""

    name, symptom = "zero_gradient", "vanishing_gradient"
    MIN_POINTS = 5
    _scalars = ("fired", "run", "start", "start_x")

    def __init__(self, **thresholds: Any) -> None:
        super().__init__(**thresholds)
        self.fired, self.run, self.start, self.start_x = False, 0, 0, math.nan

    def update(self, x: float, value: float, **context: Any) -> Optional[Alarm]:
        """Take the next point; an :class:`~trainmedic.rules.detector.Alarm` when it confirms the symptom."""
        self.n += 1
        if value != 0.0:
            self.run = 0
            return None
        if self.run == 0:
            self.start, self.start_x = self.n - 1, x
        self.run += 1
        if self.fired or self.run < self.MIN_POINTS:
            return None
        self.fired = True
        return self._alarm(self.start, self.start_x, 0.0, 0.0)

    @staticmethod
    def _bulk_scan(det: Detector, values: np.ndarray, xs: np.ndarray, ctx: dict) -> list:
        return fastscan.first_run(det, values, xs, ctx, values == 0.0, det.MIN_POINTS)


class Spike(Detector):
    """A value far above its local level that comes back: confirmed when it recovers, at most RECOVER_POINTS later.

    The local level is the median of the LOCAL_WINDOW finite points before. A positive series is judged on a log
    scale: per-batch losses of a converged model spread over decades, so "far above" is a ratio, and the noise is the
    robust spread of the recent log-residuals (log value - log level) of ordinary points, so a noisy series needs a
    larger jump. ``diagnose``, ``watch`` and the live guard all use this one definition.
    """

    name, symptom = "spike", "spike"
    # At least 10 points seen and 3 in the local window: the high values at the very start of training are no spikes.
    MIN_POINTS, LOCAL_WINDOW, LOCAL_MIN_POINTS = 10, 10, 3
    NOISE_WINDOW = 100
    # 3x the local level and 6 robust standard deviations above it: per-batch noise of a healthy run reaches neither.
    SPIKE_RATIO, SPIKE_Z = 3.0, 6.0
    # Back under 1.5x the level within 5 points (else it is a level change: divergence or explosion, not a spike).
    RECOVER_POINTS, RECOVERED_RATIO = 5, 1.5
    # The smallest noise a residual is credited with: 1% (a loss printed to 3-4 digits and flat otherwise).
    FLAT_NOISE = 1e-2
    _scalars = ("pending",)
    _windows = ("level", "noise")

    def __init__(self, **thresholds: Any) -> None:
        super().__init__(**thresholds)
        self.level, self.noise = Window(self.LOCAL_WINDOW), Window(self.NOISE_WINDOW)
        self.pending: Optional[list] = None  # [index, x, value, level, points waited]

    @staticmethod
    def residual(value: float, level: float) -> float:
        """How far ``value`` is above ``level``: log(value / level) for positive values, else relative to |level|."""
        if value > 0 and level > 0:
            return math.log(value / level)
        return (value - level) / abs(level) if level else 0.0

    def outlier(self, value: float) -> Optional[float]:
        """The local level when ``value`` would be a spike candidate now, else None (no state change)."""
        if self.n < self.MIN_POINTS or len(self.level) < self.LOCAL_MIN_POINTS or not math.isfinite(value):
            return None
        lv = self.level.median()
        if lv <= 0 or value < self.SPIKE_RATIO * lv:
            return None
        scale = self.noise.sigma(0.0) if len(self.noise) else 0.0
        scale = max(scale, self.FLAT_NOISE) if math.isfinite(scale) else self.FLAT_NOISE
        return lv if self.residual(value, lv) >= self.SPIKE_Z * scale else None

    def update(self, x: float, value: float, **context: Any) -> Optional[Alarm]:
        """Take the next point; an :class:`~trainmedic.rules.detector.Alarm` when it confirms the symptom."""
        self.n += 1
        alarm = None
        if self.pending is not None:
            index, px, pv, lv, waited = self.pending
            # Back in the ordinary band: not above 1.5x the level, nor collapsed far below it (an exact 0.0 after a
            # jump is the Trainer hiding a NaN, not a recovery).
            if math.isfinite(value) and lv / self.SPIKE_RATIO <= value <= self.RECOVERED_RATIO * lv:
                alarm = self._alarm(index, px, pv, lv)
                self.pending = None
            elif waited + 1 >= self.RECOVER_POINTS:
                self.pending = None  # it did not come back: not a spike
            else:
                self.pending[4] = waited + 1
        elif (lv := self.outlier(value)) is not None:
            self.pending = [self.n - 1, x, value, lv, 0]
        if math.isfinite(value):
            if self.pending is None and len(self.level) >= self.LOCAL_MIN_POINTS:
                self.noise.push(abs(self.residual(value, self.level.median())))
            self.level.push(value)
        return alarm

    # In bulk (:mod:`.fastscan`): quiet points, none SPIKE_RATIO times the level, change only the two windows.
    _bulk_scan = staticmethod(fastscan.spikes)

    def settled(self) -> bool:
        """Nothing pending and the level judged: quiet points can be taken in bulk."""
        return self.pending is None and len(self.level) >= self.LOCAL_MIN_POINTS

    def floor(self) -> Optional[float]:
        """The lowest value of the level window when settled (a point under SPIKE_RATIO times it is quiet)."""
        return self.level.lowest if self.settled() else None

    def advance(self, values: Any, context: Optional[dict] = None) -> None:
        """Take quiet points (none would become a spike candidate; see :meth:`settled`) as :meth:`update` would:
        each finite one adds its residual to the noise window and joins the level window."""
        # Only the last NOISE_WINDOW residuals stay, each judged against the LOCAL_WINDOW values before it: the
        # values before those change nothing.
        fin, count = last_finite(values, self.NOISE_WINDOW + self.LOCAL_WINDOW)
        self.n += count
        if not fin:
            return
        seq = self.level.state() + fin
        first = len(seq) - min(len(fin), self.NOISE_WINDOW)  # the pushes that stay in the noise window
        level = Window(self.LOCAL_WINDOW)
        level.extend(seq[max(0, first - self.LOCAL_WINDOW) : first])
        residuals = []
        for v in seq[first:]:
            residuals.append(abs(self.residual(v, level.median())))
            level.push(v)
        self.noise.extend(residuals)
        self.level.extend(fin)


class GradientExplosion(Detector):
    """A gradient norm EXPLODE_RATIO times its recent median that stays up for SUSTAIN_POINTS points while the loss
    does not fall. Fires once: the first explosion is the one that matters."""

    name, symptom = "gradient_explosion", "gradient_explosion"
    # The baseline is the median of the 50 points before, from 3 of them (short excerpts of a run).
    BASELINE_WINDOW, BASELINE_MIN_POINTS = 50, 3
    # Ten times the median (a healthy run varies 2-4x around it), not back under 3x within the next 3 points.
    EXPLODE_RATIO, SUSTAIN_POINTS, RECOVERED_RATIO = 10.0, 3, 3.0
    # The loss "falls" when the median of its values during the jump is 3 robust deviations, and 2%, under the
    # median of the LOSS_WINDOW values before: then the jump is a model leaving a plateau.
    LOSS_WINDOW, LOSS_Z, LOSS_FALL = 20, 3.0, 0.02
    _scalars = ("pending", "fired", "during")
    _windows = ("baseline", "losses")

    def __init__(self, **thresholds: Any) -> None:
        super().__init__(**thresholds)
        self.baseline, self.losses = Window(self.BASELINE_WINDOW), Window(self.LOSS_WINDOW)
        self.pending: Optional[list] = None  # [index, x, value, baseline, points sustained]
        self.during: list = []
        self.fired = False

    def _loss_falls(self) -> Optional[bool]:
        """Whether the loss fell during the jump (None when the loss is not known)."""
        during = [v for v in self.during if not math.isnan(v)]
        if not during or len(self.losses) < self.BASELINE_MIN_POINTS:
            return None
        if any(not math.isfinite(v) for v in during):
            return False
        before = self.losses.median()
        now = float(np.median(during))
        return now < before - self.LOSS_Z * self.losses.sigma() and now < (1 - self.LOSS_FALL) * before

    def update(self, x: float, value: float, loss: float = math.nan, **context: Any) -> Optional[Alarm]:
        """Take the next point; an :class:`~trainmedic.rules.detector.Alarm` when it confirms the symptom."""
        self.n += 1
        if self.fired:
            return None
        if self.pending is not None:
            index, px, pv, base, sustained = self.pending
            self.during.append(loss)
            if math.isfinite(value) and value < self.RECOVERED_RATIO * base:
                self.pending, self.during = None, []  # transient: the spike rule's business
            elif sustained + 1 >= self.SUSTAIN_POINTS or not math.isfinite(value):  # a NaN after the jump settles it
                falls = self._loss_falls()
                self.pending, self.during = None, []
                if not falls:
                    self.fired = True
                    return self._alarm(index, px, pv, base, corroborated=falls is not None)
            else:
                self.pending[4] = sustained + 1
            return None
        base = self.baseline.median()
        if (
            math.isfinite(value)
            and len(self.baseline) >= self.BASELINE_MIN_POINTS
            and base > 0
            and value >= self.EXPLODE_RATIO * base
        ):
            self.pending, self.during = [self.n - 1, x, value, base, 0], [loss]
            return None
        if math.isfinite(value):
            self.baseline.push(value)
        if math.isfinite(loss):
            self.losses.push(loss)
        return None

    # In bulk (:mod:`.fastscan`): quiet points, none EXPLODE_RATIO times the baseline, join the two windows.
    _bulk_scan = staticmethod(fastscan.explosions)

    def settled(self) -> bool:
        """Nothing pending and not fired: quiet points can be taken in bulk."""
        return self.pending is None and not self.fired

    def floor(self) -> Optional[float]:
        """The lowest baseline value when settled (a point under EXPLODE_RATIO times it is quiet)."""
        return self.baseline.lowest if self.settled() else None

    def advance(self, values: Any, context: Optional[dict] = None) -> None:
        """Take quiet points as :meth:`update` would: finite values join the baseline, finite losses the loss
        window."""
        tail, count = last_finite(values, self.BASELINE_WINDOW)  # what stays in the windows
        self.n += count
        if self.fired:
            return
        self.baseline.extend(tail)
        losses = (context or {}).get("loss")
        if losses is not None:
            self.losses.extend(last_finite(losses, self.LOSS_WINDOW)[0])


class GradientGrowth(Detector):
    """A gradient norm that climbs steadily to GROWTH_RATIO times where its climb began, the signature of gradients
    that are never zeroed (each step adds the new gradient to all the old ones), while the loss has not diverged
    (a diverging loss would explain a growing gradient by itself)."""

    name, symptom = "gradient_growth", "gradient_explosion"
    # 20x over at least 10 logged points, rising at 70% of them; a fall under half of the climb's maximum ends it.
    GROWTH_RATIO, MIN_POINTS, RISE_SHARE, BREAK = 20.0, 10, 0.7, 0.5
    # The climb's reference is the lowest of its first three values (one low first value must not decide).
    REF_POINTS = 3
    # A loss at twice its value when the climb began (or non-finite) has diverged: that explains the growth.
    DIVERGED = 2.0
    _scalars = ("fired", "start", "start_x", "ref", "top", "count", "rises", "prev", "loss0", "refs")

    def __init__(self, **thresholds: Any) -> None:
        super().__init__(**thresholds)
        self.fired = False
        self._reset(0, math.nan, math.nan, math.nan)

    def _reset(self, start: int, x: float, value: float, loss: float) -> None:
        self.start, self.start_x, self.ref, self.top = start, x, value, value
        self.count, self.rises, self.prev, self.loss0, self.refs = 1, 0, value, loss, 1

    def update(self, x: float, value: float, loss: float = math.nan, **context: Any) -> Optional[Alarm]:
        """Take the next point; an :class:`~trainmedic.rules.detector.Alarm` when it confirms the symptom."""
        self.n += 1
        if self.fired or not math.isfinite(value) or value < 0:
            if not self.fired:
                self._reset(self.n, math.nan, math.nan, math.nan)
            return None
        if math.isnan(self.prev) or value < self.BREAK * self.top:
            self._reset(self.n - 1, x, value, loss)
            return None
        self.count += 1
        self.rises += value > self.prev
        self.prev, self.top = value, max(self.top, value)
        if self.refs < self.REF_POINTS:
            self.ref, self.refs = min(self.ref, value), self.refs + 1
        if math.isnan(self.loss0) and math.isfinite(loss):
            self.loss0 = loss
        diverged = not math.isnan(loss) and (
            not math.isfinite(loss) or (math.isfinite(self.loss0) and loss > self.DIVERGED * self.loss0)
        )
        if (
            self.count >= self.MIN_POINTS
            and self.ref > 0
            and value >= self.GROWTH_RATIO * self.ref
            and self.rises >= self.RISE_SHARE * (self.count - 1)
            and not diverged
        ):
            self.fired = True
            return self._alarm(self.start, self.start_x, value, self.ref)
        return None

    _bulk_scan = staticmethod(fastscan.growth)


class FrozenMetric(Detector):
    """An evaluation metric identical over CONSTANT_POINTS evaluations in a row, at a level no learning model sits at
    (exactly 0, or within CHANCE_MARGIN of ``chance``: the share of the most common class), while training moves:
    the train loss changes over them by TRAIN_MOVES of its level and of its range over the whole run so far. The
    predictions do not change: a model that always answers the majority class (accuracy frozen at its share, F1 at
    0). A converged model's accuracy may repeat at 0.73; that is not this."""

    name, symptom = "frozen_metric", "degenerate_eval"
    CONSTANT_POINTS, TRAIN_MOVES = 4, 0.1
    # Within 0.05 of chance: on an eval set of a few hundred examples that is a handful of predictions.
    CHANCE_MARGIN = 0.05
    # The train loss level is the median of the last 64 train losses seen during the frozen span.
    TRAIN_WINDOW = 64
    _scalars = ("value", "start", "start_x", "count", "train_lo", "train_hi", "run_lo", "run_hi", "fired")
    _windows = ("train",)

    def __init__(self, **thresholds: Any) -> None:
        super().__init__(**thresholds)
        self.run_lo, self.run_hi = math.inf, -math.inf
        self._restart(math.nan, 0, math.nan)

    def _restart(self, value: float, start: int, x: float) -> None:
        self.value, self.start, self.start_x, self.count, self.fired = value, start, x, 1, False
        self.train_lo, self.train_hi = math.inf, -math.inf
        self.train = Window(self.TRAIN_WINDOW)

    def update(
        self, x: float, value: float, train_loss: float = math.nan, chance: float = math.nan, **context: Any
    ) -> Optional[Alarm]:
        """Take the next point; an :class:`~trainmedic.rules.detector.Alarm` when it confirms the symptom."""
        self.n += 1
        if math.isfinite(train_loss):
            self.run_lo, self.run_hi = min(self.run_lo, train_loss), max(self.run_hi, train_loss)
        if not math.isfinite(value):
            self._restart(math.nan, self.n, math.nan)
            return None
        if value != self.value:
            self._restart(value, self.n - 1, x)
        else:
            self.count += 1
        if self.fired:
            return None
        if math.isfinite(train_loss):
            self.train.push(train_loss)
            self.train_lo, self.train_hi = min(self.train_lo, train_loss), max(self.train_hi, train_loss)
        degenerate = value == 0.0 or (math.isfinite(chance) and value <= chance + self.CHANCE_MARGIN)
        if self.count < self.CONSTANT_POINTS or not degenerate or len(self.train) < 2:
            return None
        change = self.train_hi - self.train_lo
        level = abs(self.train.median()) or 1.0
        if change >= self.TRAIN_MOVES * level and change >= self.TRAIN_MOVES * (self.run_hi - self.run_lo):
            self.fired = True
            return self._alarm(self.start, self.start_x, value, value)
        return None

    _bulk_scan = staticmethod(fastscan.frozen)


class GradientSpike(Spike):
    """A spike of the gradient norm: the same definition at 10x the local level, because gradient norms are
    heavy-tailed (a hard batch moves them 3-5x in a healthy run; a loss moving 3x is already rare)."""

    name = "gradient_spike"
    SPIKE_RATIO = 10.0


DETECTORS = {
    d.name: d for d in (NonFinite, ZeroGradient, Spike, GradientSpike, GradientExplosion, GradientGrowth, FrozenMetric)
}
