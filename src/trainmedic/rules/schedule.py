"""Timing against the schedule: did the failure begin as warmup ended, when the learning rate reached its peak?

A run that is stable through warmup and breaks within an evaluation or two of the lr peak was hiding a step that is
too large behind the ramp (a warmup of 15000 steps ends with epoch 1, the collapse starts at epoch 2). This rule
places the earliest failure finding on the lr schedule; it is context (severity info), the causes layer and the
report use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import FAILURE_SYMPTOMS, Evidence, Facts, Finding, Position, Severity
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule


@dataclass(frozen=True)
class ScheduleParams(Params):
    """Thresholds of TM210: what counts as an lr ramp to place a failure on."""

    ramp_start: float = param(
        0.5,
        "a ramp exists when the lr starts below this share of its peak (a constant or "
        "decaying lr has no peak to blame)",
    )


@dataclass(frozen=True)
class ScheduleFacts(Facts):
    """The first failure placed on the lr schedule."""

    failure: str  # the code of the failure finding
    delta_steps: float  # failure step - peak step (negative: before the peak)
    lr_share: float  # lr at the failure / peak lr
    peak_step: float
    peak_lr: float
    ramp: bool


SCHEDULE = ScheduleParams()


def _lr(run: Run) -> Optional[Series]:
    s = run.get("train/lr")
    if s is None or not s.has_step or len(s) < 2:
        return None
    s = s.sorted()
    ok = np.isfinite(s.values) & np.isfinite(s.step)
    return Series(s.name, s.values[ok], s.step[ok], s.epoch[ok], s.label, s.source) if ok.sum() >= 2 else None


def _failure_step(f: Finding, lr: Series) -> Optional[float]:
    if f.at.step is not None:
        return float(f.at.step)
    epoch = f.at.epoch
    known = np.isfinite(lr.epoch)
    if epoch is None or known.sum() < 2:
        return None
    return float(np.interp(float(epoch), lr.epoch[known], lr.step[known]))


@rule("TM210", "failure-vs-schedule", symptom="divergence", severity="info", after_findings=True, params=ScheduleParams)
def check_schedule(run: Run, p: ScheduleParams, findings: list) -> list:
    """Where the first failure began on the lr schedule (after warmup, at the lr peak?).

    What it does:
        Places the earliest failure finding (non-finite values, divergence, collapse, gradient explosion, crash) on
        the learning-rate schedule: how many steps before or after the lr peak it began, and the lr then as a share
        of the peak. A ramp exists when the logged lr starts below {ramp_start} of its peak or a warmup is set.
    Why it matters:
        A run that is stable through warmup and breaks within an evaluation or two of the lr peak was hiding a
        step that is too large behind the ramp; a run that breaks at a low lr points elsewhere (data, precision).
    Example:
        Warmup of 15000 steps ends with epoch 1; the val loss explodes from epoch 2, at 75% of the peak lr 7.5e-5.
    Fix:
        Lower the peak lr or lengthen the warmup; watch the first evaluations after warmup ends.
    """
    failures = [
        f
        for f in findings
        if f.severity is Severity.ERROR and f.symptom in FAILURE_SYMPTOMS and f.symptom != "stuck_at_chance"
    ]
    lr = _lr(run)
    if not failures or lr is None:
        return []
    peak_i = int(np.argmax(lr.values))
    peak, peak_step = float(lr.values[peak_i]), float(lr.step[peak_i])
    if peak <= 0:
        return []
    timed = [(s, f) for f in failures if (s := _failure_step(f, lr)) is not None]
    if not timed:
        return []
    step, first = min(timed, key=lambda x: x[0])
    warmup = run.config.get("warmup_steps")
    if isinstance(warmup, (int, float)) and warmup > 0:
        peak_step = float(warmup)  # the schedule peaks where warmup ends, even when the lr is logged coarsely
    share = float(np.interp(step, lr.step, lr.values)) / peak
    ramp = float(lr.values[0]) < p.ramp_start * peak or (isinstance(warmup, (int, float)) and warmup > 0)
    delta = step - peak_step
    key = "rule.TM210.message_ramp" if ramp else "rule.TM210.message_flat"
    side = Msg("rule.TM210.after" if delta >= 0 else "rule.TM210.before")
    params = {
        "where": first.where(),
        "delta": abs(int(round(delta))),
        "side": side,
        "peak": peak,
        "peak_step": int(peak_step),
        "share": round(100 * share),
        "code": first.code,
        "warmup": warmup if warmup is not None else "-",
    }
    ev = [
        Evidence(series=lr.name, value=peak, at=Position(step=peak_step), note=Msg("rule.TM210.ev_peak")),
        Evidence(series=lr.name, value=share * peak, at=Position(step=step), note=Msg("rule.TM210.ev_at_failure")),
    ]
    facts = ScheduleFacts(
        failure=first.code, delta_steps=delta, lr_share=share, peak_step=peak_step, peak_lr=peak, ramp=ramp
    )
    return [
        Finding(
            code="TM210",
            rule="failure-vs-schedule",
            symptom="divergence",
            severity="info",
            message=Msg(key, params),
            series=first.series,
            series_label=first.series_label,
            at=first.at,
            evidence=ev,
            facts=facts,
        )
    ]
