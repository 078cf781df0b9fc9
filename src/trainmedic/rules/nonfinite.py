"""Non-finite values: NaN or infinity in a loss, metric or gradient norm, and the NaN the Hugging Face Trainer hides.

A NaN is the one failure that never heals by itself: once a weight is NaN every later forward pass is NaN.
"""

from __future__ import annotations

import numpy as np

from ..i18n import Msg
from ..run import Run
from . import rule
from .curves import eval_losses, evidence, first_nonfinite, learning_series, make_finding, series_of, train_loss

# A train loss this small before the zeros counts as "non-zero history": real losses of classifiers and language
# models sit far above it, so a later exact 0.0 is not convergence but the trainer's NaN filter.
NONZERO_HISTORY = 1e-3
# How many logged points of non-zero history the hidden-NaN rule wants before it believes an exact 0.0 is a mask.
MIN_HISTORY_POINTS = 2


def _rise_before(values: np.ndarray, first_bad: int) -> tuple | None:
    """(last finite value, lowest finite value before it) when the loss was rising into the NaN, else None."""
    fin = values[:first_bad]
    fin = fin[np.isfinite(fin)]
    if fin.size < 2:
        return None
    low, last = float(np.min(fin)), float(fin[-1])
    return (low, last) if last > low else None


@rule("TM101", "nonfinite-values", symptom="nonfinite", severity="error", thresholds={})
def check_nonfinite(run: Run) -> list:
    """One finding per model group, at the first point where any learning series is NaN or infinite."""
    out = []
    for group in run.groups:
        firsts = []
        for s in learning_series(run, group):
            i = first_nonfinite(s.values)
            if i is not None:
                firsts.append((float(s.x[i]), s, i))
        if not firsts:
            continue
        firsts.sort(key=lambda t: t[0])
        _, s0, i0 = firsts[0]
        ev = [evidence(s, i, Msg("rule.TM101.ev_first")) for _, s, i in firsts]
        data: dict = {"series": [s.name for _, s, _ in firsts]}
        for s in (train_loss(run, group), *eval_losses(run, group)):
            if s is None:
                continue
            j = first_nonfinite(s.values)
            if j is not None and (rise := _rise_before(s.values, j)):
                data.setdefault("rise_before", {})[s.name] = rise
                last_ok = int(np.flatnonzero(np.isfinite(s.values[:j]))[-1])
                ev.append(evidence(s, last_ok, Msg("rule.TM101.ev_rise", {"low": rise[0], "high": rise[1]})))
        # Transient: every series that went non-finite ends finite again (a loss-scaler overflow that skipped a
        # step, one bad batch). Only the gradient norm affected and transient is the fp16 scaler at work: info.
        transient = all(bool(np.isfinite(s.values[-1])) for _, s, _ in firsts)
        data["recovered"] = transient
        severity = "error"
        if transient:
            only_grad = all(s.parsed.metric == "grad_norm" for _, s, _ in firsts)
            severity = "info" if only_grad else "warning"
        last = max(firsts, key=lambda t: float(t[1].x[-1]))
        out.append(make_finding("TM101", s0, i0, ev=ev, until=len(last[1]) - 1, until_series=last[1], data=data,
                                severity=severity,
                                params={"value": float(s0.values[i0]), "count": len(firsts),
                                        "names": ", ".join(s.label for _, s, _ in firsts)}))
    return out


@rule("TM102", "hidden-nan-loss", symptom="nonfinite", severity="error",
      thresholds={"NONZERO_HISTORY": NONZERO_HISTORY, "MIN_HISTORY_POINTS": MIN_HISTORY_POINTS})
def check_hidden_nan(run: Run) -> list:
    """A train loss of exactly 0.0 after non-zero history while the gradient norm or the eval loss is NaN.

    The Hugging Face Trainer (``logging_nan_inf_filter``, on by default) drops NaN/inf losses from its logging
    window; a window where every step was NaN is logged as 0.0.
    """
    out = []
    for group in run.groups:
        loss = train_loss(run, group)
        if loss is None or len(loss) < MIN_HISTORY_POINTS + 1:
            continue
        v = loss.values
        zeros = np.flatnonzero(v == 0.0)
        if not zeros.size:
            continue
        i = int(zeros[0])
        history = v[:i][np.isfinite(v[:i])]
        if history.size < MIN_HISTORY_POINTS or np.median(history) < NONZERO_HISTORY:
            continue
        tail = v[i:]
        if not np.all((tail == 0.0) | ~np.isfinite(tail)):
            continue  # a loss that comes back was a logging glitch, not a dead model
        witness = _nan_witness(run, group, float(loss.x[i]))
        if witness is None:
            continue
        ws, wi = witness
        ev = [evidence(loss, i - 1, Msg("rule.TM102.ev_before")), evidence(loss, i, Msg("rule.TM102.ev_zero")),
              evidence(ws, wi, Msg("rule.TM102.ev_witness"))]
        out.append(make_finding("TM102", loss, i, ev=ev, until=len(loss) - 1,
                                params={"before": float(history[-1]), "witness": ws.label, "zeros": int(tail.size)},
                                data={"hidden_nan": True, "witness": ws.name}))
    return out


def _nan_witness(run: Run, group, x0: float):
    """A NaN in the gradient norm or an eval loss at or after ``x0`` (same axis): the proof that the 0.0 is a NaN."""
    candidates = series_of(run, split="train", metric="grad_norm", group=group) + eval_losses(run, group)
    best = None
    for s in candidates:
        bad = np.flatnonzero(~np.isfinite(s.values) & (s.x >= x0))
        if bad.size:
            j = int(bad[0])
            if best is None or s.x[j] < best[0].x[best[1]]:
                best = (s, j)
    return best
