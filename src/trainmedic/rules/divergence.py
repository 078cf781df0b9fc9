"""Divergence: a loss climbing far above the lowest value it had reached, and staying there.

Judged on a smoothed curve (per-batch noise is not divergence) against its running minimum (the logging interval
does not matter). An eval loss that climbs while the train loss keeps falling fast is overfitting (TM501), not
divergence; an eval loss that explodes while the train loss stays flat is the model being knocked off its optimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts, Severity
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import SMOOTH_FROM_POINTS, eval_losses, evidence, make_finding, rolling_median, smoothed, train_loss
from .explosion_climb import explosion_climb
from .nonfinite import hidden_nan_start

# Beyond this many times its minimum the exact factor says nothing more ("6.86e+21x"): the message says "over 1000x".
HUGE_RATIO = 1000.0


@dataclass(frozen=True)
class DivergenceParams(Params):
    """Thresholds of TM201: how far above its running minimum a smoothed loss must climb, and stay."""

    ratio: float = param(2.0, "noise and ordinary bumps of a smoothed loss stay well below twice its running minimum")
    onset_ratio: float = param(
        1.25, "where the climb is first visible: the first point after the minimum this far above it"
    )
    sustain_ratio: float = param(
        1.5, "the last value must still be this far above the minimum (or non-finite); otherwise it was a spike"
    )
    min_rise_share: float = param(0.05, "a curve that fell first must climb back this share of its fall")
    eval_train_kept: float = param(
        0.5,
        "an eval loss diverges only while the train loss kept this share of its "
        "level; a train loss that halved makes it overfitting",
    )
    min_points: int = param(3, "finite points needed")
    train_flat: float = param(
        1.5,
        "an eval loss's divergence is told as the model knocked off its optimum while the "
        "train loss stayed put only when the train loss ended below this multiple of "
        "its level at the eval minimum; above it the train loss diverged too",
    )
    noisy_reversals: float = param(
        0.4, "a short series whose moves reverse this often is batch noise, judged on a rolling median"
    )
    noisy_window: int = param(5, "the rolling median's window for such a series")
    noisy_min_points: int = param(
        8,
        "points a series needs before its reversals can call it noise: three or four "
        "evaluations that rise and fall once are a curve, not a zig-zag",
    )
    explosion_noise_z: float = param(
        1.5,
        "beside a sustained tenfold gradient explosion, a train loss that never comes back within onset_ratio of "
        "its minimum diverges once its median since stands this many point-noise deviations (measured from the "
        "minimum on) above it: a noisy loss alone does not meet the other two conditions",
    )
    explosion_min_after: int = param(4, "... over at least this many points: one high batch is a spike")


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
# Points compared at a time where a comparison would otherwise build a float array as long as the series.
CHUNK_POINTS = 1 << 14


def reversal_share(v: np.ndarray) -> float:
    """The share of consecutive moves that reverse the one before: near 0 for a curve, near 2/3 for noise."""
    d = np.diff(v[np.isfinite(v)])
    d = d[d != 0]
    return float(np.mean(np.sign(d[1:]) != np.sign(d[:-1]))) if d.size >= 3 else 0.0


def judged_curve(values: np.ndarray, p: DivergenceParams = DIVERGENCE) -> np.ndarray:
    """The curve a trend is judged on: smoothed when long; a short series that mostly zig-zags (per-batch losses
    logged a dozen times) through a {noisy_window}-point rolling median, so that one low batch is not "the minimum"."""
    v = smoothed(values)
    short = p.noisy_min_points <= int(np.isfinite(values).sum()) and len(values) < SMOOTH_FROM_POINTS
    if short and reversal_share(v) >= p.noisy_reversals:
        v = rolling_median(values, p.noisy_window)
    return v


def divergence_point(s: Series, p: DivergenceParams = DIVERGENCE, masked_from: Optional[int] = None) -> Optional[dict]:
    """Where a loss diverges: ``{"min": i, "onset": k, "peak": j, "ratio": last/min}`` or None. From index
    ``masked_from`` on, the logged values are a trainer's masked NaN (exact 0.0) and are judged as NaN."""
    raw = s.values
    if masked_from is not None:
        raw = raw.copy()
        raw[masked_from:] = np.nan
    v = judged_curve(raw, p)
    fin = np.isfinite(v)
    fin &= np.isfinite(raw)
    if fin.sum() < p.min_points:
        return None
    runmin = np.where(fin, v, np.inf)
    np.fmin.accumulate(runmin, out=runmin)
    hit = np.flatnonzero(_climbed(v, runmin, fin, p.ratio))
    # A climb that the loss later falls back below its minimum from was a bump: the divergence, if any, starts from
    # the later, lower minimum (the first hit after it).
    while hit.size:
        j = int(hit[0])
        later = v[j + 1 :][fin[j + 1 :]]
        if not later.size or float(np.min(later)) >= float(runmin[j]):
            break
        new_min = j + 1 + int(np.flatnonzero(fin[j + 1 :] & (v[j + 1 :] < runmin[j]))[0])
        hit = hit[hit > new_min]
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
    ended_nonfinite = bool((~np.isfinite(raw[j:])).any())
    if float(v[last_fin]) < p.sustain_ratio * vmin and not ended_nonfinite:
        return None
    k = m + 1 + int(np.flatnonzero(fin[m + 1 : j + 1] & (v[m + 1 : j + 1] >= p.onset_ratio * vmin))[0])
    m, k = _raw_onset(raw, m, k, j, p)
    return {"min": m, "onset": k, "peak": j, "last": last_fin, "ratio": float(v[last_fin]) / vmin}


def _climbed(v: np.ndarray, runmin: np.ndarray, fin: np.ndarray, ratio: float) -> np.ndarray:
    """``fin & (runmin > 0) & (v >= ratio * runmin)``, a chunk at a time: no float temporary the size of the
    series."""
    mask = runmin > 0
    mask &= fin
    for a in range(0, len(v), CHUNK_POINTS):
        b = a + CHUNK_POINTS
        mask[a:b] &= v[a:b] >= ratio * runmin[a:b]
    return mask


def _raw_onset(raw: np.ndarray, m: int, k: int, j: int, p: DivergenceParams) -> tuple:
    """(minimum, onset) on the logged values: the lowest value before the climb, and the first point after it from
    which the loss never again comes within {onset_ratio} of it (a non-finite value counts as above)."""
    upto = np.flatnonzero(np.isfinite(raw[: j + 1]))
    if not upto.size:
        return m, k
    lo_i = int(upto[np.argmin(raw[upto])])
    lo = float(raw[lo_i])
    if lo <= 0:
        return m, k
    above = np.where(np.isfinite(raw), raw, np.inf)
    suffix_min = np.minimum.accumulate(above[::-1])[::-1]
    after = np.flatnonzero((np.arange(len(raw)) > lo_i) & (suffix_min >= p.onset_ratio * lo))
    if not after.size:
        return m, k
    return lo_i, int(after[0])


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


def eval_divergence(run: Run, group: Optional[str], s: Series, p: DivergenceParams = DIVERGENCE) -> Optional[dict]:
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
        keeps falling makes it overfitting instead. Beside a gradient norm that explodes and stays up (TM801), a
        train loss that never comes back within {onset_ratio} of its minimum, whose median since is
        {explosion_noise_z} point-noise deviations above it over {explosion_min_after}+ points, is told from its
        start as a warning.
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
        hidden = hidden_nan_start(run, group, train)
        masked = hidden[0] if hidden is not None else None
        d_train = divergence_point(train, p, masked) if train is not None else None
        if d_train is None and train is not None and masked is None:
            d_train = explosion_climb(
                run, train, onset_ratio=p.onset_ratio, noise_z=p.explosion_noise_z, min_after=p.explosion_min_after
            )
        candidates = [(train, d_train)]
        candidates += [(s, eval_divergence(run, group, s, p)) for s in eval_losses(run, group)]
        for s, d in candidates:
            if s is None or d is None:
                continue
            vmin = float(s.values[d["min"]])
            ev = [
                evidence(s, d["min"], Msg("rule.TM201.ev_min")),
                evidence(s, d["onset"], Msg("rule.TM201.ev_onset")),
                evidence(s, d["last"], Msg("rule.TM201.ev_last")),
            ]
            kept = d.get("train_kept")
            key = "rule.TM201.message_eval" if s.parsed.split == "eval" and kept and kept <= p.train_flat else None
            grad = d.get("grad")
            if grad is not None:  # below the 2x of a loss alone, corroborated by the gradient norm: a warning
                key = "rule.TM201.message_explosion"
                ev.insert(2, evidence(grad, d["jump"], Msg("rule.TM201.ev_grad")))
            train_first = train_last = None
            if key and train is not None:
                train_first = _value_near(train, float(s.x[d["min"]]))
                train_last = _value_near(train, float(s.x[d["last"]]))
                ev.append(evidence(train, int(np.argmin(np.abs(train.x - s.x[d["last"]]))), Msg("rule.TM201.ev_train")))
            params = {
                "min": vmin,
                "last": float(s.values[d["last"]]),
                "ratio": round(d["ratio"], 1),
                "huge": "yes" if d["ratio"] >= HUGE_RATIO else "no",
                "train": (train.label if train is not None else ""),
                "train_first": train_first,
                "train_last": train_last,
                "trail": ", ".join(f"{x:.4g}" for x in s.values[d["min"] : d["last"] + 1][:8]),
                "level": d.get("level"),
                "grad": grad.label if grad is not None else "",
                "grad_value": float(grad.values[d["jump"]]) if grad is not None else None,
            }
            facts = DivergenceFacts(
                split=s.parsed.split,
                minimum=vmin,
                ratio=d["ratio"],
                train_kept=d.get("train_kept"),
                train_first=train_first,
                train_last=train_last,
            )
            out.append(
                make_finding(
                    "TM201",
                    s,
                    d["onset"],
                    ev=ev,
                    until=d["last"],
                    facts=facts,
                    params=params,
                    message_key=key,
                    severity=Severity.WARNING if grad is not None else None,
                )
            )
    return out
