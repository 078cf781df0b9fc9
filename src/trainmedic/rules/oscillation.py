"""Oscillation: an eval metric swinging up and down between evaluations far more than its trend and than the train
curve explain.

Judged on the residual from a rolling-median trend (so a curve that is still climbing is not "oscillating"),
relative to the metric's level, and against the train loss sampled at the same points: if training is smooth and
evaluation swings, the weights themselves jump between evaluations (a large effective step, exploding gradients).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts, Severity
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import as_fraction, evidence, make_finding, rolling_median, series_of, smoothed, train_loss
from .swings import train_swings


@dataclass(frozen=True)
class OscillationParams(Params):
    """Thresholds of TM401: how rough and how often reversing an eval curve must be to oscillate."""

    min_points: int = param(8, "evaluations needed before oscillation can be told from a trend")
    trend_window: int = param(5, "a real trend survives a 5-point median, a swing does not")
    min_rel_roughness: float = param(
        0.01,
        "mean residual from the trend, relative to the level, for accuracy-like "
        "metrics (a stable curve stays near 0.3%)",
    )
    min_rel_roughness_loss: float = param(0.05, "the same for losses")
    swing_factor: float = param(2.0, "a swing is a move of at least this many times the roughness, reversed next")
    min_swings: int = param(3, "swings that make oscillation")
    train_factor: float = param(3.0, "the eval curve must be this many times rougher than the train loss")
    noise_factor: float = param(
        2.5,
        "with exact k/n accuracies, swings must be this many binomial standard "
        "deviations of a difference of two evaluations",
    )
    max_eval_set: int = param(20000, "largest eval-set size inferred from accuracies that are fractions k/n")


@dataclass(frozen=True)
class OscillationFacts(Facts):
    """How an eval series swings: its roughness against its trend and the train loss's, and the eval set size."""

    roughness: float
    train_roughness: Optional[float]
    eval_set_size: Optional[int]
    swings: int
    max_move: float
    typical_move: float
    others: tuple = ()


OSCILLATION = OscillationParams()
EVAL_METRICS = ("acc", "f1", "loss", "auc", "precision", "recall")


def roughness(values: np.ndarray, p: OscillationParams = OSCILLATION) -> float:
    """Mean absolute residual from a rolling-median trend, relative to the median level."""
    fin = values[np.isfinite(values)]
    if fin.size < p.min_points:
        return 0.0
    resid = fin - rolling_median(fin, p.trend_window)
    level = abs(float(np.median(fin)))
    return float(np.mean(np.abs(resid))) / level if level > 0 else 0.0


def _decimals(values: np.ndarray) -> int:
    """Decimals the values were printed with (at most 8): 0.6169 -> 4."""
    best = 0
    for v in values[:64]:
        text = f"{float(v):.10f}".rstrip("0")
        best = max(best, len(text.split(".")[1]) if "." in text else 0)
    return min(best, 8)


def eval_set_size(fractions: np.ndarray, max_size: int = OSCILLATION.max_eval_set) -> Optional[int]:
    """The smallest eval-set size n for which every accuracy is k/n as printed (rounded to its decimals), or None.

    The true size passes the test, so the smallest one that passes is at most the true size: the sampling noise
    computed with it is an upper bound of the real noise.
    """
    fin = np.unique(fractions[np.isfinite(fractions)])  # each distinct value tested once
    if fin.size < 4:
        return None
    tol = 0.5 * 10.0 ** -_decimals(fin) + 1e-12
    sizes = np.arange(2, max_size + 1)
    head = fin[:16, None] * sizes  # every size at once against a few values, then the sizes left against all
    sizes = sizes[np.all(np.abs(head - np.round(head)) <= tol * sizes, axis=0)]
    for n in sizes.tolist():
        if np.all(np.abs(fin * n - np.round(fin * n)) <= tol * n):
            return n
    return None


def _train_roughness(train: Optional[Series], ev: Series, p: OscillationParams) -> Optional[float]:
    """Roughness of the (smoothed) train loss sampled at the eval points."""
    if train is None or train.axis != ev.axis or np.isfinite(train.values).sum() < 2:
        return None
    fin = np.isfinite(train.values)
    sm = smoothed(train.values)
    sampled = np.interp(ev.x, train.x[fin], sm[fin])
    return roughness(sampled, p)


def swings(values: np.ndarray, min_move: float) -> list:
    """Indices ``i`` where the move into point ``i`` (>= min_move) is reversed by the next move (>= min_move)."""
    d = np.diff(values)
    big = np.abs(d) >= min_move
    reversed_ = big[:-1] & big[1:] & (np.sign(d[:-1]) != np.sign(d[1:]))
    return (np.flatnonzero(reversed_) + 1).tolist()


def oscillation(s: Series, train: Optional[Series], p: OscillationParams = OSCILLATION) -> Optional[dict]:
    """Facts about an oscillating eval series, or None."""
    fin = np.isfinite(s.values)
    if fin.sum() < p.min_points:
        return None
    is_loss = s.parsed.is_loss
    y = s.values if is_loss else as_fraction(s.values)
    rough = roughness(y, p)
    need = p.min_rel_roughness_loss if is_loss else p.min_rel_roughness
    if rough < need:
        return None
    t_rough = _train_roughness(train, s, p)
    if t_rough is not None and rough < p.train_factor * t_rough:
        return None
    idx = np.flatnonzero(fin)
    level = abs(float(np.median(y[idx])))
    sw = swings(y[idx], p.swing_factor * need * level)
    if len(sw) < p.min_swings:
        return None
    moves = np.abs(np.diff(s.values[idx]))
    # Only an accuracy is a fraction k/n of the eval set: precision, recall, F1 and mAP are not.
    n = eval_set_size(y, p.max_eval_set) if s.parsed.metric == "acc" else None
    if n:
        prob = min(max(level, 1.0 / n), 1 - 1.0 / n)
        noise = float(np.sqrt(2 * prob * (1 - prob) / n))
        swing_sizes = np.abs(np.diff(y[idx]))[[i - 1 for i in sw]]
        if float(np.median(swing_sizes)) < p.noise_factor * noise:
            return None  # the swings are what an eval set of n examples gives by chance
    return {
        "eval_set_size": n,
        "roughness": rough,
        "train_roughness": t_rough,
        "swings": [int(idx[i]) for i in sw],
        "start": int(idx[sw[0] - 1]),
        "max_move": float(np.max(moves)),
        "typical_move": float(np.median(moves[moves >= np.median(moves)])),
    }


@rule("TM401", "eval-oscillation", symptom="oscillation", severity="warning", params=OscillationParams)
def check_oscillation(run: Run, p: OscillationParams) -> list:
    """Eval metric swings between evaluations far more than its trend and the train curve.

    What it does:
        Measures each eval series' mean distance from its {trend_window}-point rolling-median trend relative to
        its level, counts swings (a move reversed by the next move, both at least {swing_factor}x that roughness),
        and compares with the train loss at the same points. A warning needs the swings to be more than the eval
        set's sampling noise: exact k/n accuracies give its size and the noise (swings must be {noise_factor}x
        it), or the train curve itself oscillates (TM403); otherwise the finding is info, since a small eval set
        swings like this. One finding per model and metric: the roughest eval set.
    Why it matters:
        When the train loss falls smoothly but the eval metric jumps up and down, the weights jump between
        evaluations: each epoch lands at a different point of a sharp valley. Large steps (lr), exploding
        gradients in recurrent nets without clipping, and tiny batches do this.
    Example:
        RNN test accuracy 61.69 -> 67.70 -> 64.47 -> 62.22 while its train loss falls smoothly; the CNN in the
        same file moves by 0.3.
    Fix:
        Clip gradients (max_norm 1.0-5.0), lower the lr (about 3x) or use ReduceLROnPlateau; for a vanilla RNN use
        LSTM/GRU; report the best or a smoothed eval metric, not the last one.
    """
    out = []
    for group in run.groups:
        train = train_loss(run, group)
        for metric in EVAL_METRICS:
            hits = []
            for s in series_of(run, split="eval", metric=metric, group=group):
                o = oscillation(s, train, p)
                if o is not None:
                    hits.append((o["roughness"], s, o))
            if not hits:
                continue
            hits.sort(key=lambda h: -h[0])
            _, s, o = hits[0]
            ev = [evidence(s, i - 1, Msg("rule.TM401.ev_swing_from")) for i in o["swings"][:1]]
            ev += [evidence(s, i, Msg("rule.TM401.ev_swing")) for i in o["swings"][:6]]
            params = {
                "typical": o["typical_move"],
                "max": o["max_move"],
                "swings": len(o["swings"]),
                "rough": round(100 * o["roughness"], 1),
                "train": train.label if train is not None else "",
                "train_rough": round(100 * (o["train_roughness"] or 0.0), 2),
                "others": [h[1].label for h in hits[1:]],
            }
            key = "rule.TM401.message" if o["train_roughness"] is not None else "rule.TM401.message_no_train"
            # Beyond noise: the eval set's size (exact k/n accuracies) bounds its sampling noise, or training itself
            # swings (a train curve that oscillates moves the weights between evaluations). Otherwise a small eval
            # set's noise looks exactly like this: said, at info level.
            corroborated = o["eval_set_size"] is not None or bool(train_swings(run, group))
            severity = None if corroborated else Severity.INFO
            if not corroborated:
                key = "rule.TM401.message_unknown_noise"
            facts = OscillationFacts(
                roughness=o["roughness"],
                train_roughness=o["train_roughness"],
                eval_set_size=o["eval_set_size"],
                swings=len(o["swings"]),
                max_move=o["max_move"],
                typical_move=o["typical_move"],
                others=tuple(h[1].name for h in hits[1:]),
            )
            out.append(
                make_finding(
                    "TM401",
                    s,
                    o["start"],
                    ev=ev,
                    until=len(s) - 1,
                    params=params,
                    message_key=key,
                    severity=severity,
                    facts=facts,
                )
            )
    return out
