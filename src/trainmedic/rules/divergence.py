"""Divergence: a loss climbing far above the lowest value it had reached, and staying there.

Judged on a smoothed curve (per-batch noise is not divergence) against its running minimum (the logging interval
does not matter). An eval loss that climbs while the train loss keeps falling fast is overfitting (TM501), not
divergence; an eval loss that explodes while the train loss stays flat is the model being knocked off its optimum.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..i18n import Msg
from ..run import Run, Series
from . import rule
from .curves import eval_losses, evidence, make_finding, smoothed, train_loss

# The smoothed loss must reach twice its running minimum: noise and ordinary bumps stay well below that.
DIVERGENCE_RATIO = 2.0
# Where the climb is first visible: the first point after the minimum 25% above it.
ONSET_RATIO = 1.25
# The last value must still be 1.5x the minimum (or the series ended non-finite); otherwise it was a spike.
SUSTAIN_RATIO = 1.5
# A curve that fell before it climbed must climb back at least this share of its fall (tiny losses are noisy).
MIN_RISE_SHARE = 0.05
# An eval loss diverges only while the train loss kept at least this share of its level; a train loss that fell
# by more than half over the same span is the overfitting pattern instead.
EVAL_TRAIN_KEPT = 0.5
MIN_POINTS = 3


def divergence_point(s: Series) -> Optional[dict]:
    """Where a loss diverges: ``{"min": i, "onset": k, "peak": j, "ratio": last/min}`` or None."""
    v = smoothed(s.values)
    fin = np.isfinite(v)
    if fin.sum() < MIN_POINTS:
        return None
    runmin = np.fmin.accumulate(np.where(fin, v, np.inf))
    hit = np.flatnonzero(fin & (runmin > 0) & (v >= DIVERGENCE_RATIO * runmin))
    if not hit.size:
        return None
    j = int(hit[0])
    vmin = float(runmin[j])
    m = int(np.flatnonzero(v[: j + 1] == vmin)[0])
    before = v[: m + 1][fin[: m + 1]]
    fall = float(np.max(before)) - vmin if before.size else 0.0
    if fall > 0 and float(v[j]) - vmin < MIN_RISE_SHARE * fall:
        return None
    last_fin = int(np.flatnonzero(fin)[-1])
    ended_nonfinite = bool((~np.isfinite(s.values[j:])).any())
    if float(v[last_fin]) < SUSTAIN_RATIO * vmin and not ended_nonfinite:
        return None
    k = m + 1 + int(np.flatnonzero(fin[m + 1: j + 1] & (v[m + 1: j + 1] >= ONSET_RATIO * vmin))[0])
    return {"min": m, "onset": k, "peak": j, "last": last_fin, "ratio": float(v[last_fin]) / vmin}


def _value_near(s: Series, x: float) -> Optional[float]:
    """The finite value of ``s`` closest to position ``x`` on its axis, or None."""
    fin = np.isfinite(s.values)
    if not fin.any():
        return None
    idx = np.flatnonzero(fin)
    return float(s.values[idx[np.argmin(np.abs(s.x[idx] - x))]])


def train_kept(train: Optional[Series], ev: Series, i_from: int, i_to: int) -> Optional[float]:
    """Train loss at eval point ``i_to`` divided by train loss at eval point ``i_from`` (None when unknown)."""
    if train is None or ev.axis != train.axis:
        return None
    a, b = _value_near(train, float(ev.x[i_from])), _value_near(train, float(ev.x[i_to]))
    if a is None or b is None or a <= 0:
        return None
    return b / a


def eval_divergence(run: Run, group, s: Series) -> Optional[dict]:
    """Divergence of an eval loss while the train loss stays (roughly) where it was."""
    d = divergence_point(s)
    if d is None:
        return None
    kept = train_kept(train_loss(run, group), s, d["min"], d["last"])
    if kept is not None and kept < EVAL_TRAIN_KEPT:
        return None
    d["train_kept"] = kept
    return d


@rule("TM201", "loss-divergence", symptom="divergence", severity="error",
      thresholds={"DIVERGENCE_RATIO": DIVERGENCE_RATIO, "ONSET_RATIO": ONSET_RATIO, "SUSTAIN_RATIO": SUSTAIN_RATIO,
                  "EVAL_TRAIN_KEPT": EVAL_TRAIN_KEPT})
def check_divergence(run: Run) -> list:
    """A train or eval loss that climbs to twice its running minimum and stays there."""
    out = []
    for group in run.groups:
        train = train_loss(run, group)
        candidates = [(train, divergence_point(train) if train is not None else None)]
        candidates += [(s, eval_divergence(run, group, s)) for s in eval_losses(run, group)]
        for s, d in candidates:
            if s is None or d is None:
                continue
            vmin = float(s.values[d["min"]])
            ev = [evidence(s, d["min"], Msg("rule.TM201.ev_min")), evidence(s, d["onset"], Msg("rule.TM201.ev_onset")),
                  evidence(s, d["last"], Msg("rule.TM201.ev_last"))]
            data = {"ratio": d["ratio"], "min": vmin, "train_kept": d.get("train_kept"), "split": s.parsed.split}
            key = "rule.TM201.message_eval" if s.parsed.split == "eval" and d.get("train_kept") else None
            if key and train is not None:
                data.update(train_first=_value_near(train, float(s.x[d["min"]])),
                            train_last=_value_near(train, float(s.x[d["last"]])))
                ev.append(evidence(train, int(np.argmin(np.abs(train.x - s.x[d["last"]]))),
                                   Msg("rule.TM201.ev_train")))
            params = {"min": vmin, "last": float(s.values[d["last"]]), "ratio": round(d["ratio"], 1),
                      "train": (train.label if train is not None else ""),
                      "train_first": data.get("train_first"), "train_last": data.get("train_last"),
                      "trail": ", ".join(f"{x:.4g}" for x in s.values[d["min"]: d["last"] + 1][:8])}
            out.append(make_finding("TM201", s, d["onset"], ev=ev, until=d["last"], data=data, params=params,
                                    message_key=key))
    return out
