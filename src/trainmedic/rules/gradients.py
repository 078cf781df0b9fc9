"""Gradient norm against the run's own history: explosion, vanishing, and clipping that is always active.

Absolute gradient norms mean little (they scale with the parameter count and the loss reduction), so every judgement
here is relative to the median of the same run.
"""

from __future__ import annotations

import numpy as np

from ..i18n import Msg
from ..run import Run
from . import rule
from .curves import evidence, make_finding, series_of

# The median of at least this many earlier points is the baseline.
BASELINE_MIN_POINTS = 5
# Exploding: ten times the median of everything before (a healthy run's grad norm varies 2-4x around its median).
EXPLODE_RATIO = 10.0
# Vanishing: the median of the last quarter a hundredth of the first quarter's.
VANISH_RATIO = 100.0
VANISH_MIN_POINTS = 8
# Clipping always active: 95% of logged pre-clip norms above max_grad_norm; a warning when the median norm is ten
# times the threshold (every update is rescaled hard, the lr is effectively set by the clip).
CLIP_MIN_POINTS = 10
CLIP_ALWAYS_SHARE = 0.95
CLIP_WARN_FACTOR = 10.0


@rule("TM801", "gradient-explosion", symptom="gradient_explosion", severity="warning",
      thresholds={"BASELINE_MIN_POINTS": BASELINE_MIN_POINTS, "EXPLODE_RATIO": EXPLODE_RATIO})
def check_explosion(run: Run) -> list:
    """The first gradient norm ten times the median of the run before it; an error when NaN follows."""
    out = []
    for s in series_of(run, split="train", metric="grad_norm"):
        g = s.values
        fin = np.flatnonzero(np.isfinite(g))
        for n, i in enumerate(fin):
            if n < BASELINE_MIN_POINTS:
                continue
            base = float(np.median(g[fin[:n]]))
            if base > 0 and g[i] >= EXPLODE_RATIO * base:
                then_nan = bool((~np.isfinite(g[i:])).any())
                ev = [evidence(s, fin[n - 1], Msg("rule.TM801.ev_before")),
                      evidence(s, i, Msg("rule.TM801.ev_jump", {"ratio": round(float(g[i]) / base, 1)}))]
                peak = int(fin[fin >= i][np.argmax(g[fin[fin >= i]])])
                out.append(make_finding("TM801", s, i, ev=ev, until=peak, severity="error" if then_nan else None,
                                        params={"value": float(g[i]), "median": base,
                                                "ratio": round(float(g[i]) / base, 1)},
                                        data={"median": base, "ratio": float(g[i]) / base, "then_nan": then_nan}))
                break
    return out


@rule("TM802", "vanishing-gradient", symptom="vanishing_gradient", severity="warning",
      thresholds={"VANISH_RATIO": VANISH_RATIO, "VANISH_MIN_POINTS": VANISH_MIN_POINTS})
def check_vanishing(run: Run) -> list:
    """The gradient norm of the last quarter of the run a hundredth of the first quarter's."""
    out = []
    for s in series_of(run, split="train", metric="grad_norm"):
        g = s.values
        fin = np.flatnonzero(np.isfinite(g) & (g >= 0))
        if fin.size < VANISH_MIN_POINTS:
            continue
        q = max(2, fin.size // 4)
        first, last = float(np.median(g[fin[:q]])), float(np.median(g[fin[-q:]]))
        if first <= 0 or last * VANISH_RATIO > first:
            continue
        i = int(next(j for j in fin if g[j] * VANISH_RATIO <= first))
        ev = [evidence(s, fin[0]), evidence(s, i, Msg("rule.TM802.ev_small")), evidence(s, fin[-1])]
        out.append(make_finding("TM802", s, i, ev=ev, until=int(fin[-1]),
                                params={"first": first, "last": last, "ratio": round(first / max(last, 1e-30))}))
    return out


@rule("TM803", "clipping-always-active", symptom="gradient_explosion", severity="info",
      thresholds={"CLIP_MIN_POINTS": CLIP_MIN_POINTS, "CLIP_ALWAYS_SHARE": CLIP_ALWAYS_SHARE,
                  "CLIP_WARN_FACTOR": CLIP_WARN_FACTOR})
def check_clipping(run: Run) -> list:
    """Nearly every logged gradient norm above max_grad_norm: clipping sets the step size, not the lr."""
    try:
        clip = float(run.config.get("max_grad_norm") or 0.0)
    except (TypeError, ValueError):
        return []
    if clip <= 0:
        return []
    out = []
    for s in series_of(run, split="train", metric="grad_norm"):
        g = s.values[np.isfinite(s.values)]
        if g.size < CLIP_MIN_POINTS:
            continue
        share = float(np.mean(g > clip))
        if share < CLIP_ALWAYS_SHARE:
            continue
        med = float(np.median(g))
        severity = "warning" if med >= CLIP_WARN_FACTOR * clip else "info"
        first = int(np.flatnonzero(np.isfinite(s.values))[0])
        out.append(make_finding("TM803", s, first, ev=[evidence(s, first)], until=len(s) - 1, severity=severity,
                                params={"share": round(100 * share), "clip": clip, "median": med},
                                data={"share": share, "median": med, "clip": clip}))
    return out
