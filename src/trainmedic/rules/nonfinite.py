"""Non-finite values: NaN or infinity in a loss, metric or gradient norm, and the NaN the Hugging Face Trainer hides.

A NaN is the one failure that never heals by itself: once a weight is NaN every later forward pass is NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts, Severity
from ..i18n import Msg
from ..run import Run
from . import Params, param, rule
from .curves import eval_losses, evidence, first_nonfinite, learning_series, make_finding, series_of, train_loss


@dataclass(frozen=True)
class NonfiniteFacts(Facts):
    """What TM101 and TM102 measured: which series went non-finite, whether the loss rose into it, whether it
    healed, and (TM102) which series proves that an exact 0.0 is a hidden NaN."""

    series: tuple = ()
    rise_before: tuple = ()  # (series, lowest finite value, last finite value) for losses that rose into the NaN
    recovered: bool = False
    hidden_nan: bool = False
    witness: str = ""


@dataclass(frozen=True)
class HiddenNanParams(Params):
    """Thresholds of TM102: the history that makes an exact 0.0 loss the Trainer's NaN filter."""

    nonzero_history: float = param(
        1e-3,
        "real losses of classifiers and language models sit far above it, so a "
        "later exact 0.0 after such history is the trainer's NaN filter",
    )
    min_history_points: int = param(2, "logged points of non-zero history needed before an exact 0.0 is a mask")


def _rise_before(values: np.ndarray, first_bad: int) -> tuple | None:
    """(last finite value, lowest finite value before it) when the loss was rising into the NaN, else None."""
    fin = values[:first_bad]
    fin = fin[np.isfinite(fin)]
    if fin.size < 2:
        return None
    low, last = float(np.min(fin)), float(fin[-1])
    return (low, last) if last > low else None


@rule("TM101", "nonfinite-values", symptom="nonfinite", severity="error")
def check_nonfinite(run: Run, p: Params) -> list:
    """NaN or infinity in a loss, metric or gradient norm.

    What it does:
        Finds the first point where any loss, metric or gradient-norm series of a model is NaN or infinite, and
        lists where each other series followed. A run whose every non-finite series is finite again at its end
        (a loss-scaler overflow, one bad batch) gets a warning, or info when only the gradient norm was affected.
    Why it matters:
        A NaN never heals by itself: once one weight is NaN, every later forward pass is NaN, every evaluation is
        meaningless and every checkpoint saved after it is broken.
    Example:
        `eval_loss: nan` at step 2500 while F1 drops from 0.9322 to 0.0233.
    Fix:
        Resume from the last checkpoint before the first non-finite value; find the overflowing module (recurrent
        layers and attention scores under fp16/bf16 are the usual ones); enable gradient clipping; lower the
        learning rate if the loss was rising before the NaN.
    """
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
        rises = []
        for s in (train_loss(run, group), *eval_losses(run, group)):
            if s is None:
                continue
            j = first_nonfinite(s.values)
            if j is not None and (rise := _rise_before(s.values, j)):
                rises.append((s.name, *rise))
                last_ok = int(np.flatnonzero(np.isfinite(s.values[:j]))[-1])
                ev.append(evidence(s, last_ok, Msg("rule.TM101.ev_rise", {"low": rise[0], "high": rise[1]})))
        # Transient: every series that went non-finite ends finite again (a loss-scaler overflow that skipped a
        # step, one bad batch). Only the gradient norm affected and transient is the fp16 scaler at work: info.
        transient = all(bool(np.isfinite(s.values[-1])) for _, s, _ in firsts)
        severity = Severity.ERROR
        if transient:
            only_grad = all(s.parsed.metric == "grad_norm" for _, s, _ in firsts)
            severity = Severity.INFO if only_grad else Severity.WARNING
        facts = NonfiniteFacts(
            series=tuple(s.name for _, s, _ in firsts), rise_before=tuple(rises), recovered=transient
        )
        last = max(firsts, key=lambda t: float(t[1].x[-1]))
        out.append(
            make_finding(
                "TM101",
                s0,
                i0,
                ev=ev,
                until=len(last[1]) - 1,
                until_series=last[1],
                facts=facts,
                severity=severity,
                params={"value": float(s0.values[i0]), "count": len(firsts), "names": [s.label for _, s, _ in firsts]},
            )
        )
    return out


@rule("TM102", "hidden-nan-loss", symptom="nonfinite", severity="error", params=HiddenNanParams)
def check_hidden_nan(run: Run, p: HiddenNanParams = HiddenNanParams(), groups: Optional[list] = None) -> list:
    """Train loss logged as exactly 0.0 while the gradient norm or eval loss is NaN (a hidden NaN).

    What it does:
        Finds a train loss of exactly 0.0 after at least {min_history_points} points of non-zero history (median
        above {nonzero_history}), staying at 0.0, while the gradient norm or the eval loss is NaN.
    Why it matters:
        The Hugging Face Trainer drops NaN/inf losses from its logging window (`logging_nan_inf_filter`, on by
        default); a window in which every step was NaN is logged as 0.0. A loss of 0.0000 then looks like perfect
        convergence while the model is dead.
    Example:
        `Train Loss: 0.0000` from step 2100 with `grad_norm: nan` in trainer_state.json.
    Fix:
        Treat the first 0.0 as the first NaN: resume from the checkpoint before it and fix the overflow; set
        `logging_nan_inf_filter=False` so that the log shows nan.
    """
    out = []
    for group in run.groups if groups is None else groups:
        loss = train_loss(run, group)
        hidden = hidden_nan_start(run, group, loss, p)
        if loss is None or hidden is None:
            continue
        i, ws, wi = hidden
        tail = loss.values[i:]
        history = loss.values[:i][np.isfinite(loss.values[:i])]
        ev = [
            evidence(loss, i - 1, Msg("rule.TM102.ev_before")),
            evidence(loss, i, Msg("rule.TM102.ev_zero")),
            evidence(ws, wi, Msg("rule.TM102.ev_witness")),
        ]
        out.append(
            make_finding(
                "TM102",
                loss,
                i,
                ev=ev,
                until=len(loss) - 1,
                params={"before": float(history[-1]), "witness": ws.label, "zeros": int(tail.size)},
                facts=NonfiniteFacts(series=(loss.name, ws.name), hidden_nan=True, witness=ws.name),
            )
        )
    return out


def hidden_nan_start(run: Run, group, loss, p: HiddenNanParams = HiddenNanParams()) -> Optional[tuple]:
    """``(i, witness series, witness index)`` when the train loss ``loss`` is the Trainer's masked NaN from its
    point ``i`` on (exact 0.0 to the end after real history, with a NaN elsewhere to prove it); None otherwise."""
    if loss is None or len(loss) < p.min_history_points + 1:
        return None
    v = loss.values
    zeros = np.flatnonzero(v == 0.0)
    if not zeros.size:
        return None
    i = int(zeros[0])
    history = v[:i][np.isfinite(v[:i])]
    if history.size < p.min_history_points or np.median(history) < p.nonzero_history:
        return None
    tail = v[i:]
    if not np.all((tail == 0.0) | ~np.isfinite(tail)):
        return None  # a loss that comes back was a logging glitch, not a dead model
    witness = _nan_witness(run, group, float(loss.x[i]))
    if witness is None:
        return None
    return i, witness[0], witness[1]


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
