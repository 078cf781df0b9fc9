"""Divergence: a loss climbing far above the lowest value it had reached, and staying there.

Judged on a smoothed curve (per-batch noise is not divergence) against its running minimum (the logging interval
does not matter). An eval loss that climbs while the train loss keeps falling fast is overfitting (TM501), not
divergence; an eval loss that explodes while the train loss stays flat is the model being knocked off its optimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import eval_losses, evidence, make_finding, smoothed, train_loss


@dataclass(frozen=True)
class DivergenceParams(Params):
    ratio: float = param(2.0, "noise and ordinary bumps of a smoothed loss stay well below twice its running minimum")
    onset_ratio: float = param(1.25, "where the climb is first visible: the first point after the minimum this far "
                                     "above it")
    sustain_ratio: float = param(1.5, "the last value must still be this far above the minimum (or non-finite); "
                                      "otherwise it was a spike")
    min_rise_share: float = param(0.05, "a curve that fell first must climb back this share of its fall")
    eval_train_kept: float = param(0.5, "an eval loss diverges only while the train loss kept this share of its "
                                        "level; a train loss that halved makes it overfitting")
    min_points: int = param(3, "finite points needed")


@dataclass(frozen=True)
class DivergenceFacts(Facts):
    """Where a loss diverged: its minimum, how far it climbed, and (for an eval loss) what the train loss did."""

    split: str
    minimum: float
    ratio: float
    train_kept: Optional[float] = None
    train_first: Optional[float] = None
    train_last: Optional[float] = None


DIVERGENCE = DivergenceParams()


def divergence_point(s: Series, p: DivergenceParams = DIVERGENCE) -> Optional[dict]:
    """Where a loss diverges: ``{"min": i, "onset": k, "peak": j, "ratio": last/min}`` or None."""
    v = smoothed(s.values)
    fin = np.isfinite(v)
    if fin.sum() < p.min_points:
        return None
    runmin = np.fmin.accumulate(np.where(fin, v, np.inf))
    hit = np.flatnonzero(fin & (runmin > 0) & (v >= p.ratio * runmin))
    if not hit.size:
        return None
    j = int(hit[0])
    vmin = float(runmin[j])
    m = int(np.flatnonzero(v[: j + 1] == vmin)[0])
    before = v[: m + 1][fin[: m + 1]]
    fall = float(np.max(before)) - vmin if before.size else 0.0
    if fall > 0 and float(v[j]) - vmin < p.min_rise_share * fall:
        return None
    last_fin = int(np.flatnonzero(fin)[-1])
    ended_nonfinite = bool((~np.isfinite(s.values[j:])).any())
    if float(v[last_fin]) < p.sustain_ratio * vmin and not ended_nonfinite:
        return None
    k = m + 1 + int(np.flatnonzero(fin[m + 1: j + 1] & (v[m + 1: j + 1] >= p.onset_ratio * vmin))[0])
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


def eval_divergence(run: Run, group, s: Series, p: DivergenceParams = DIVERGENCE) -> Optional[dict]:
    """Divergence of an eval loss while the train loss stays (roughly) where it was."""
    d = divergence_point(s, p)
    if d is None:
        return None
    kept = train_kept(train_loss(run, group), s, d["min"], d["last"])
    if kept is not None and kept < p.eval_train_kept:
        return None
    d["train_kept"] = kept
    return d


@rule("TM201", "loss-divergence", symptom="divergence", severity="error", params=DivergenceParams)
def check_divergence(run: Run, p: DivergenceParams) -> list:
    """Loss climbs to {ratio}x its running minimum and stays there.

    What it does:
        Smooths the loss (per-batch noise is not divergence), tracks its running minimum, and reports where a climb
        to at least {ratio}x the minimum began, if the loss stays up ({sustain_ratio}x at the end, or NaN). An eval
        loss counts only while the train loss keeps at least {eval_train_kept} of its level; a train loss that
        keeps falling makes it overfitting instead.
    Why it matters:
        A loss that leaves its optimum and does not return means the updates are too large for the loss surface:
        learning rate, effective batch under a summed loss, missing clipping.
    Example:
        val loss 110 -> 355 -> 1142 -> 1817 -> 2360 while train loss stays at 133.
    Fix:
        Resume from the checkpoint before the onset with a lower learning rate (or the lr rescaled to the
        effective batch), gradient clipping and, if it started at the end of warmup, a lower peak or a longer
        warmup.
    """
    out = []
    for group in run.groups:
        train = train_loss(run, group)
        candidates = [(train, divergence_point(train, p) if train is not None else None)]
        candidates += [(s, eval_divergence(run, group, s, p)) for s in eval_losses(run, group)]
        for s, d in candidates:
            if s is None or d is None:
                continue
            vmin = float(s.values[d["min"]])
            ev = [evidence(s, d["min"], Msg("rule.TM201.ev_min")), evidence(s, d["onset"], Msg("rule.TM201.ev_onset")),
                  evidence(s, d["last"], Msg("rule.TM201.ev_last"))]
            key = "rule.TM201.message_eval" if s.parsed.split == "eval" and d.get("train_kept") else None
            train_first = train_last = None
            if key and train is not None:
                train_first = _value_near(train, float(s.x[d["min"]]))
                train_last = _value_near(train, float(s.x[d["last"]]))
                ev.append(evidence(train, int(np.argmin(np.abs(train.x - s.x[d["last"]]))),
                                   Msg("rule.TM201.ev_train")))
            params = {"min": vmin, "last": float(s.values[d["last"]]), "ratio": round(d["ratio"], 1),
                      "train": (train.label if train is not None else ""),
                      "train_first": train_first, "train_last": train_last,
                      "trail": ", ".join(f"{x:.4g}" for x in s.values[d["min"]: d["last"] + 1][:8])}
            facts = DivergenceFacts(split=s.parsed.split, minimum=vmin, ratio=d["ratio"],
                                    train_kept=d.get("train_kept"), train_first=train_first, train_last=train_last)
            out.append(make_finding("TM201", s, d["onset"], ev=ev, until=d["last"], facts=facts, params=params,
                                    message_key=key))
    return out
