"""Gradient norm against the run's own history: explosion, vanishing, and clipping that is always active.

Absolute gradient norms mean little (they scale with the parameter count and the loss reduction), so every judgement
here is relative to the same run: a jump against its recent median, a fall against where it started. A falling norm
alone is no failure (it is what convergence looks like), so vanishing is only said while the loss stays high.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..i18n import Msg
from ..run import Run, Series
from . import rule
from .curves import eval_losses, evidence, make_finding, median_of_rows, series_of, train_loss

# The baseline is the median of the BASELINE_WINDOW logged points before (at least BASELINE_MIN_POINTS of them): the
# recent level, which a jump of a few points cannot move, and which follows the slow drift of a long run (grad norms
# often grow slowly late in training) instead of comparing step 900k with the first steps.
BASELINE_MIN_POINTS = 5
BASELINE_WINDOW = 50
# Exploding: ten times that baseline (a healthy run's grad norm varies 2-4x around its median) ...
EXPLODE_RATIO = 10.0
# ... and not back to the ordinary range in the next SUSTAIN_POINTS logged points: a single hard batch gives a
# one-point jump that the next step forgets (the loss-spike rule reports what it did to the loss), an explosion
# stays up or runs into inf/NaN. Under RECOVERED_RATIO times the baseline is the ordinary range again.
SUSTAIN_POINTS = 3
RECOVERED_RATIO = 3.0
# Candidates are judged in batches of this many, the earliest first: the first explosion ends the search.
CANDIDATES_PER_BATCH = 4096
# Vanishing: the median of the last quarter a hundredth of the first quarter's ...
VANISH_RATIO = 100.0
VANISH_MIN_POINTS = 8
# ... while the loss says learning stopped far from where it should have got: a grad norm that falls as the loss
# falls is what convergence looks like (a model that fits its train set ends with tiny gradients). Vanishing needs
# the loss of the last quarter still at least half of the first quarter's, and no longer falling: within 5% of the
# quarter before.
VANISH_LOSS_KEPT = 0.5
VANISH_STALL = 0.05
# Clipping always active: 95% of logged pre-clip norms above max_grad_norm; a warning when the median norm is ten
# times the threshold (every update is rescaled hard, the lr is effectively set by the clip).
CLIP_MIN_POINTS = 10
CLIP_ALWAYS_SHARE = 0.95
CLIP_WARN_FACTOR = 10.0


def explosion_point(g: np.ndarray) -> Optional[tuple]:
    """``(index, baseline)`` of the first gradient norm EXPLODE_RATIO times its baseline that does not come back
    within SUSTAIN_POINTS logged points, or None."""
    fin_idx = np.flatnonzero(np.isfinite(g))
    f = g[fin_idx]
    m = f.size
    if m <= BASELINE_MIN_POINTS:
        return None
    # Row p holds the BASELINE_WINDOW finite values before finite point p (NaN before the first).
    before = sliding_window_view(np.concatenate([np.full(BASELINE_WINDOW, np.nan), f[:-1]]), BASELINE_WINDOW)
    # The median is at least the window's lowest value: only points above EXPLODE_RATIO times that can explode.
    lowest = np.fmin.reduce(before, axis=1)
    cand = np.flatnonzero(f >= EXPLODE_RATIO * lowest)
    cand = cand[cand >= BASELINE_MIN_POINTS]
    # The next SUSTAIN_POINTS logged values after each point, non-finite ones included.
    after = sliding_window_view(np.concatenate([g[1:], np.full(SUSTAIN_POINTS, np.nan)]), SUSTAIN_POINTS)
    for start in range(0, cand.size, CANDIDATES_PER_BATCH):
        p = cand[start: start + CANDIDATES_PER_BATCH]
        base = median_of_rows(before[p])
        jump = (base > 0) & (f[p] >= EXPLODE_RATIO * base)
        p, base = p[jump], base[jump]
        nxt = after[fin_idx[p]]
        with np.errstate(invalid="ignore"):
            back = (np.isfinite(nxt) & (nxt < RECOVERED_RATIO * base[:, None])).any(axis=1)
        stays = np.flatnonzero(~back)
        if stays.size:
            k = int(stays[0])
            return int(fin_idx[p[k]]), float(base[k])
    return None


@rule("TM801", "gradient-explosion", symptom="gradient_explosion", severity="warning",
      thresholds={"BASELINE_MIN_POINTS": BASELINE_MIN_POINTS, "BASELINE_WINDOW": BASELINE_WINDOW,
                  "EXPLODE_RATIO": EXPLODE_RATIO, "SUSTAIN_POINTS": SUSTAIN_POINTS,
                  "RECOVERED_RATIO": RECOVERED_RATIO})
def check_explosion(run: Run) -> list:
    """The first gradient norm ten times its recent median that stays up; an error when NaN follows."""
    out = []
    for s in series_of(run, split="train", metric="grad_norm"):
        g = s.values
        hit = explosion_point(g)
        if hit is None:
            continue
        i, base = hit
        then_nan = bool((~np.isfinite(g[i:])).any())
        fin = np.flatnonzero(np.isfinite(g))
        ratio = float(g[i]) / base
        ev = [evidence(s, fin[fin < i][-1], Msg("rule.TM801.ev_before")),
              evidence(s, i, Msg("rule.TM801.ev_jump", {"ratio": round(ratio, 1)}))]
        later = fin[fin >= i]
        peak = int(later[np.argmax(g[later])])
        out.append(make_finding("TM801", s, i, ev=ev, until=peak, severity="error" if then_nan else None,
                                params={"value": float(g[i]), "median": base, "ratio": round(ratio, 1)},
                                data={"median": base, "ratio": ratio, "then_nan": then_nan}))
    return out


def _loss_stalled_high(loss: Optional[Series]) -> Optional[dict]:
    """``{"loss_first", "loss_last"}`` when a loss kept VANISH_LOSS_KEPT of its level and stopped falling, else
    None (a loss that fell is a model that learnt, whatever its gradient norm did)."""
    if loss is None:
        return None
    v = loss.values[np.isfinite(loss.values)]
    if v.size < VANISH_MIN_POINTS:
        return None
    q = max(2, v.size // 4)
    first, prev, last = (float(np.median(v[:q])), float(np.median(v[-2 * q: -q])), float(np.median(v[-q:])))
    if first <= 0 or last < VANISH_LOSS_KEPT * first or last < (1 - VANISH_STALL) * prev:
        return None
    return {"loss": loss, "loss_first": first, "loss_last": last}


@rule("TM802", "vanishing-gradient", symptom="vanishing_gradient", severity="warning",
      thresholds={"VANISH_RATIO": VANISH_RATIO, "VANISH_MIN_POINTS": VANISH_MIN_POINTS,
                  "VANISH_LOSS_KEPT": VANISH_LOSS_KEPT, "VANISH_STALL": VANISH_STALL})
def check_vanishing(run: Run) -> list:
    """The gradient norm of the last quarter a hundredth of the first quarter's while the loss stays high."""
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
        group = s.parsed.group
        stalled = _loss_stalled_high(train_loss(run, group) or next(iter(eval_losses(run, group)), None))
        if stalled is None:
            continue
        loss = stalled["loss"]
        i = int(fin[np.flatnonzero(g[fin] * VANISH_RATIO <= first)[0]])
        ev = [evidence(s, fin[0]), evidence(s, i, Msg("rule.TM802.ev_small")), evidence(s, fin[-1]),
              evidence(loss, int(np.flatnonzero(np.isfinite(loss.values))[-1]), Msg("rule.TM802.ev_loss"))]
        out.append(make_finding("TM802", s, i, ev=ev, until=int(fin[-1]),
                                params={"first": first, "last": last, "ratio": round(first / max(last, 1e-30)),
                                        "loss": loss.label, "loss_first": stalled["loss_first"],
                                        "loss_last": stalled["loss_last"]},
                                data={"first": first, "last": last, "loss_first": stalled["loss_first"],
                                      "loss_last": stalled["loss_last"]}))
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
