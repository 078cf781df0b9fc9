"""Oscillation: an eval metric swinging up and down between evaluations far more than its trend and than the train
curve explain.

Judged on the residual from a rolling-median trend (so a curve that is still climbing is not "oscillating"),
relative to the metric's level, and against the train loss sampled at the same points: if training is smooth and
evaluation swings, the weights themselves jump between evaluations (a large effective step, exploding gradients).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..i18n import Msg
from ..run import Run, Series
from . import rule
from .curves import as_fraction, evidence, make_finding, rolling_median, series_of, smoothed, train_loss

# Evaluations needed before oscillation can be told from a trend.
MIN_POINTS = 8
# Trend window: 5 evaluations; a real trend survives a 5-point median, a swing does not.
TREND_WINDOW = 5
# The mean residual from the trend must reach 1% of the metric's level (an accuracy of 0.63 off its trend by 0.6
# points on average; a stable curve stays near 0.3%) for accuracy-like metrics, 5% for losses.
MIN_REL_ROUGHNESS = 0.01
MIN_REL_ROUGHNESS_LOSS = 0.05
# A swing is a move of at least twice that roughness, reversed by the next move; three of them make oscillation.
SWING_FACTOR = 2.0
MIN_SWINGS = 3
# The eval curve must be this many times rougher than the train loss sampled at the same points.
TRAIN_FACTOR = 3.0
# When the accuracies are exact fractions k/n, n is the eval set's size and the binomial noise of a difference of
# two evaluations is sqrt(2 p (1-p) / n): swings must be 2.5 times that to be more than sampling noise.
NOISE_FACTOR = 2.5
MAX_EVAL_SET = 5000

EVAL_METRICS = ("acc", "f1", "loss", "auc", "precision", "recall")


def roughness(values: np.ndarray) -> float:
    """Mean absolute residual from a rolling-median trend, relative to the median level."""
    fin = values[np.isfinite(values)]
    if fin.size < MIN_POINTS:
        return 0.0
    resid = fin - rolling_median(fin, TREND_WINDOW)
    level = abs(float(np.median(fin)))
    return float(np.mean(np.abs(resid))) / level if level > 0 else 0.0


def eval_set_size(fractions: np.ndarray) -> Optional[int]:
    """The smallest n for which every accuracy is an exact k/n (the eval set's size), or None."""
    fin = np.unique(fractions[np.isfinite(fractions)])  # each distinct value tested once
    if fin.size < 4:
        return None
    # Every size at once against a few values, then the few sizes left against all of them, smallest first.
    sizes = np.arange(2, MAX_EVAL_SET + 1)
    head = fin[:16, None] * sizes
    sizes = sizes[np.all(np.abs(head - np.round(head)) < 1e-6 * sizes, axis=0)]
    for n in sizes.tolist():
        if np.all(np.abs(fin * n - np.round(fin * n)) < 1e-6 * n):
            return n
    return None


def _train_roughness(train: Optional[Series], ev: Series) -> Optional[float]:
    """Roughness of the (smoothed) train loss sampled at the eval points."""
    if train is None or train.axis != ev.axis or np.isfinite(train.values).sum() < 2:
        return None
    fin = np.isfinite(train.values)
    sm = smoothed(train.values)
    sampled = np.interp(ev.x, train.x[fin], sm[fin])
    return roughness(sampled)


def swings(values: np.ndarray, min_move: float) -> list:
    """Indices ``i`` where the move into point ``i`` (>= min_move) is reversed by the next move (>= min_move)."""
    d = np.diff(values)
    big = np.abs(d) >= min_move
    reversed_ = big[:-1] & big[1:] & (np.sign(d[:-1]) != np.sign(d[1:]))
    return (np.flatnonzero(reversed_) + 1).tolist()


def oscillation(s: Series, train: Optional[Series]) -> Optional[dict]:
    """Facts about an oscillating eval series, or None."""
    fin = np.isfinite(s.values)
    if fin.sum() < MIN_POINTS:
        return None
    is_loss = s.parsed.is_loss
    y = s.values if is_loss else as_fraction(s.values)
    rough = roughness(y)
    need = MIN_REL_ROUGHNESS_LOSS if is_loss else MIN_REL_ROUGHNESS
    if rough < need:
        return None
    t_rough = _train_roughness(train, s)
    if t_rough is not None and rough < TRAIN_FACTOR * t_rough:
        return None
    idx = np.flatnonzero(fin)
    level = abs(float(np.median(y[idx])))
    sw = swings(y[idx], SWING_FACTOR * need * level)
    if len(sw) < MIN_SWINGS:
        return None
    moves = np.abs(np.diff(s.values[idx]))
    n = None if is_loss else eval_set_size(y)
    if n:
        p = min(max(level, 1.0 / n), 1 - 1.0 / n)
        noise = float(np.sqrt(2 * p * (1 - p) / n))
        swing_sizes = np.abs(np.diff(y[idx]))[[i - 1 for i in sw]]
        if float(np.median(swing_sizes)) < NOISE_FACTOR * noise:
            return None  # the swings are what an eval set of n examples gives by chance
    return {"eval_set_size": n, "roughness": rough, "train_roughness": t_rough, "swings": [int(idx[i]) for i in sw],
            "start": int(idx[sw[0] - 1]), "max_move": float(np.max(moves)),
            "typical_move": float(np.median(moves[moves >= np.median(moves)]))}


@rule("TM401", "eval-oscillation", symptom="oscillation", severity="warning",
      thresholds={"MIN_POINTS": MIN_POINTS, "TREND_WINDOW": TREND_WINDOW, "MIN_REL_ROUGHNESS": MIN_REL_ROUGHNESS,
                  "MIN_REL_ROUGHNESS_LOSS": MIN_REL_ROUGHNESS_LOSS, "MIN_SWINGS": MIN_SWINGS,
                  "TRAIN_FACTOR": TRAIN_FACTOR, "NOISE_FACTOR": NOISE_FACTOR})
def check_oscillation(run: Run) -> list:
    """One finding per model group and metric: the eval series (of several eval sets, the roughest) that swings."""
    out = []
    for group in run.groups:
        train = train_loss(run, group)
        for metric in EVAL_METRICS:
            hits = []
            for s in series_of(run, split="eval", metric=metric, group=group):
                o = oscillation(s, train)
                if o is not None:
                    hits.append((o["roughness"], s, o))
            if not hits:
                continue
            hits.sort(key=lambda h: -h[0])
            _, s, o = hits[0]
            ev = [evidence(s, i - 1, Msg("rule.TM401.ev_swing_from")) for i in o["swings"][:1]]
            ev += [evidence(s, i, Msg("rule.TM401.ev_swing")) for i in o["swings"][:6]]
            params = {"typical": o["typical_move"], "max": o["max_move"], "swings": len(o["swings"]),
                      "rough": round(100 * o["roughness"], 1),
                      "train": train.label if train is not None else "",
                      "train_rough": round(100 * (o["train_roughness"] or 0.0), 2),
                      "others": ", ".join(h[1].label for h in hits[1:])}
            key = "rule.TM401.message" if o["train_roughness"] is not None else "rule.TM401.message_no_train"
            out.append(make_finding("TM401", s, o["start"], ev=ev, until=len(s) - 1, params=params, message_key=key,
                                    data={**o, "others": [h[1].name for h in hits[1:]]}))
    return out
