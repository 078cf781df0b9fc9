"""Wasted compute: steps, evaluations and checkpoints spent after a failure the run could not recover from.

Early stopping waits for ``patience`` evaluations without improvement; a model whose weights are NaN cannot improve,
so every one of those evaluations (and the steps between them) is paid for nothing. A guard in the loop stops at the
first non-finite step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

from ..findings import Facts
from ..i18n import Msg
from ..run import Run
from . import Params, param, rule
from .curves import eval_losses, evidence, make_finding, position, sorted_series, train_loss
from .nonfinite import check_hidden_nan


@dataclass(frozen=True)
class WasteParams(Params):
    """Thresholds of TM901: how much training after the failure counts as wasted."""

    min_wasted_share: float = param(
        0.05, "count waste only when an evaluation or this share of the run came after the failure"
    )


@dataclass(frozen=True)
class WasteFacts(Facts):
    """What was spent after the failure: on which axis, from where to where, the evaluations and checkpoints."""

    axis: str
    failed_at: float
    last: float
    wasted: float
    evaluations: tuple = ()
    checkpoints: tuple = ()
    patience: Optional[int] = None
    early_stopped: bool = False


def unrecoverable_failure(run: Run, group: Optional[str]) -> Optional[tuple]:
    """(series, index) of the first point after which a loss never becomes finite again (hidden NaN included)."""
    cands = []
    for f in check_hidden_nan(run, groups=[group]):
        s = run.get(f.series)
        if s is not None:
            s = sorted_series(s)
            cands.append((s, int(np.flatnonzero(s.values == 0.0)[0])))
    for s in [train_loss(run, group), *eval_losses(run, group)]:
        if s is None or not len(s) or np.isfinite(s.values[-1]):
            continue
        fin = np.flatnonzero(np.isfinite(s.values))
        i = int(fin[-1]) + 1 if fin.size else 0
        cands.append((s, i))
    if not cands:
        return None
    axes = {s.axis for s, _ in cands}
    axis = "step" if "step" in axes else next(iter(axes))
    cands = [c for c in cands if c[0].axis == axis]
    return min(cands, key=lambda c: float(c[0].x[c[1]]))


def _evaluations_after(run: Run, group, axis: str, x0: float) -> list:
    xs = set()
    for s in run.series.values():
        p = s.parsed
        if p.split == "eval" and p.group == group and s.axis == axis:
            xs.update(float(x) for x in s.x if np.isfinite(x) and x > x0)
    return sorted(xs)


def _last_position(run: Run, group, axis: str) -> float:
    xs = [float(np.nanmax(s.x)) for s in run.series.values() if s.parsed.group == group and s.axis == axis and len(s)]
    return max(xs) if xs else float("nan")


@rule("TM901", "wasted-compute", symptom="wasted_compute", severity="warning", params=WasteParams)
def check_wasted_compute(run: Run, p: WasteParams) -> list:
    """Steps and evaluations run after a failure the run could not recover from.

    What it does:
        Finds the first point after which a loss never becomes finite again (a hidden NaN counts) and counts the
        steps, evaluations and checkpoints after it (when at least one evaluation or {min_wasted_share} of the run
        came after it).
    Why it matters:
        Early stopping waits for `patience` evaluations without improvement; a NaN model cannot improve, so those
        evaluations and the steps between them are paid for nothing, and the checkpoints saved meanwhile hold a
        broken model.
    Example:
        NaN from step 2100, early stopping (patience 3) stops at 3500: 1400 steps and 3 evaluations wasted.
    Fix:
        Stop at the first non-finite step: `trainmedic.Monitor(..., policy="stop")` or a callback that ends
        training on a NaN loss; delete the checkpoints saved after the failure.
    """
    out = []
    for group in run.groups:
        fail = unrecoverable_failure(run, group)
        if fail is None:
            continue
        s, i = fail
        axis, x0 = s.axis, float(s.x[i])
        last = _last_position(run, group, axis)
        evals = _evaluations_after(run, group, axis, x0)
        first_x = float(np.nanmin(s.x))
        span = last - first_x
        if not evals and (span <= 0 or (last - x0) / span < p.min_wasted_share):
            continue
        ckpts = [e for e in run.events_of("checkpoint") if _event_x(e, axis) is not None and _event_x(e, axis) > x0]
        patience = run.config.get("early_stopping_patience")
        stopped = bool(run.events_of("early_stop")) or (patience is not None and len(evals) >= int(patience))
        params = {
            "wasted": _num(last - x0),
            "axis": axis,
            "fail": _num(x0),
            "evals": len(evals),
            "eval_first": _num(evals[0]) if evals else None,
            "eval_last": _num(evals[-1]) if evals else None,
            "checkpoints": len(ckpts),
            "patience": int(patience) if patience is not None else None,
        }
        parts = [Msg("rule.TM901.part_evals", dict(params))] if evals else []
        if stopped and patience is not None:
            parts.append(Msg("rule.TM901.part_patience", dict(params)))
        if ckpts:
            parts.append(Msg("rule.TM901.part_checkpoints", dict(params)))
        params["details"] = parts
        end = _index_of_last(run, group, axis)
        ev = [evidence(s, i, Msg("rule.TM901.ev_fail"))]
        if end is not None:
            ev.append(evidence(end[0], end[1], Msg("rule.TM901.ev_end")))
        facts = WasteFacts(
            axis=axis,
            failed_at=x0,
            last=last,
            wasted=last - x0,
            evaluations=tuple(evals),
            checkpoints=tuple(e.data.get("path") for e in ckpts),
            patience=int(patience) if patience is not None else None,
            early_stopped=stopped,
        )
        f = make_finding("TM901", s, i, ev=ev, until=None, params=params, facts=facts)
        out.append(f if end is None else replace(f, until=position(end[0], end[1])))
    return out


def _event_x(e, axis: str) -> Optional[float]:
    v = e.step if axis == "step" else e.epoch
    return None if v is None else float(v)


def _index_of_last(run: Run, group, axis: str) -> Optional[tuple]:
    best: Optional[tuple] = None
    for s in run.series.values():
        if s.parsed.group != group or s.axis != axis or not len(s):
            continue
        s = sorted_series(s)
        if best is None or s.x[-1] > best[0].x[best[1]]:
            best = (s, len(s) - 1)
    return best


def _num(x: float):
    return int(x) if float(x).is_integer() else round(float(x), 2)
