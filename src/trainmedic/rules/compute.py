"""Wasted compute: steps, evaluations and checkpoints spent after a failure the run could not recover from.

Early stopping waits for ``patience`` evaluations without improvement; a model whose weights are NaN cannot improve,
so every one of those evaluations (and the steps between them) is paid for nothing. A guard in the loop stops at the
first non-finite step.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..i18n import Msg
from ..run import Run
from . import rule
from .curves import eval_losses, evidence, make_finding, sorted_series, train_loss
from .nonfinite import check_hidden_nan

# Only count waste when at least one evaluation or this share of the run came after the failure.
MIN_WASTED_SHARE = 0.05


def unrecoverable_failure(run: Run, group) -> Optional[tuple]:
    """(series, index) of the first point after which a loss never becomes finite again (hidden NaN included)."""
    cands = []
    for f in check_hidden_nan(run):
        s = run.get(f.series)
        if s is not None and s.parsed.group == group:
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


@rule("TM901", "wasted-compute", symptom="wasted_compute", severity="warning",
      thresholds={"MIN_WASTED_SHARE": MIN_WASTED_SHARE})
def check_wasted_compute(run: Run) -> list:
    """Steps and evaluations run after an unrecoverable failure (early stopping's patience burnt on a NaN model)."""
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
        if not evals and (span <= 0 or (last - x0) / span < MIN_WASTED_SHARE):
            continue
        ckpts = [e for e in run.events_of("checkpoint") if _event_x(e, axis) is not None and _event_x(e, axis) > x0]
        patience = run.config.get("early_stopping_patience")
        stopped = bool(run.events_of("early_stop")) or (patience is not None and len(evals) >= int(patience))
        unit = Msg(f"rule.TM901.unit_{axis}")
        params = {"wasted": _num(last - x0), "unit": unit, "fail": _num(x0), "evals": len(evals),
                  "eval_first": _num(evals[0]) if evals else "", "eval_last": _num(evals[-1]) if evals else "",
                  "checkpoints": len(ckpts), "patience": patience if patience is not None else ""}
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
        data = {"axis": axis, "failed_at": x0, "last": last, "wasted": last - x0, "evaluations": evals,
                "checkpoints": [e.data.get("path") for e in ckpts], "patience": patience, "early_stopped": stopped}
        out.append(make_finding("TM901", s, i, ev=ev, until=None, params=params, data=data))
        if end is not None:
            out[-1].until = end[0].at(end[1])
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

