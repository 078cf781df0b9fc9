"""Timing against the schedule: did the failure begin as warmup ended, when the learning rate reached its peak?

A run that is stable through warmup and breaks within an evaluation or two of the lr peak was hiding a step that is
too large behind the ramp (seed 002: warmup 15000 steps ends with epoch 1, the collapse starts at epoch 2). This rule
places the earliest failure finding on the lr schedule; it is context (severity info), the causes layer and the
report use it.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..findings import Evidence, Finding
from ..i18n import Msg
from ..run import Run, Series
from . import rule
from .curves import _where

# Findings whose start is a failure worth timing.
FAILURES = ("nonfinite", "divergence", "metric_collapse", "gradient_explosion", "crash")
# A ramp exists when the lr starts below this share of its peak (a constant or decaying lr has no peak to blame).
RAMP_START = 0.5


def _lr(run: Run) -> Optional[Series]:
    s = run.get("train/lr")
    if s is None or not s.has_step or len(s) < 2:
        return None
    s = s.sorted()
    ok = np.isfinite(s.values) & np.isfinite(s.step)
    return Series(s.name, s.values[ok], s.step[ok], s.epoch[ok], s.label, s.source) if ok.sum() >= 2 else None


def _failure_step(f: Finding, lr: Series) -> Optional[float]:
    if f.at.get("step") is not None:
        return float(f.at["step"])
    epoch = f.at.get("epoch")
    known = np.isfinite(lr.epoch)
    if epoch is None or known.sum() < 2:
        return None
    return float(np.interp(float(epoch), lr.epoch[known], lr.step[known]))


@rule("TM210", "failure-vs-schedule", symptom="divergence", severity="info", after_findings=True,
      thresholds={"RAMP_START": RAMP_START})
def check_schedule(run: Run, findings: list) -> list:
    """One info finding placing the earliest failure on the lr schedule (peak step, lr share of peak)."""
    failures = [f for f in findings if f.severity == "error" and f.symptom in FAILURES]
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
    ramp = float(lr.values[0]) < RAMP_START * peak or (isinstance(warmup, (int, float)) and warmup > 0)
    delta = step - peak_step
    key = "rule.TM210.message_ramp" if ramp else "rule.TM210.message_flat"
    params = {**_where(first.at), "delta": abs(int(round(delta))), "side": "after" if delta >= 0 else "before", "side_zh": "后" if delta >= 0 else "前",
              "peak": peak, "peak_step": int(peak_step), "share": round(100 * share), "code": first.code,
              "warmup": warmup if warmup is not None else "-"}
    ev = [Evidence(series=lr.name, value=peak, step=peak_step, note=Msg("rule.TM210.ev_peak")),
          Evidence(series=lr.name, value=share * peak, step=step, note=Msg("rule.TM210.ev_at_failure"))]
    return [Finding(code="TM210", rule="failure-vs-schedule", symptom="divergence", severity="info",
                    message=Msg(key, params), series=first.series, series_label=first.series_label, at=dict(first.at),
                    evidence=ev, data={"delta_steps": delta, "lr_share": share, "peak_step": peak_step,
                                       "ramp": ramp, "failure": first.code})]
