"""Metric collapse: an eval metric (F1, accuracy, recall ...) falling far from its best and not coming back.

Reported where the decline begins (the first evaluation after the best that carries a tenth of the fall), not where
it bottoms out: that is the point to resume before. When precision holds while recall falls, the model has stopped
predicting the positive classes; the reverse means it predicts them everywhere.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..i18n import Msg
from ..run import Run, Series
from . import rule
from .curves import as_fraction, evidence, make_finding, sorted_series, where

MIN_POINTS = 3
# Collapsed: lost half of the way from its floor (0, or chance 1/K for accuracy) to its best ...
COLLAPSE_SHARE = 0.5
# ... by at least 0.1 in absolute terms (a rare-class F1 of 0.02 falling to 0 is noise, not collapse) ...
MIN_DROP_ABS = 0.1
# ... and still a third of the way down at the end (a dip that recovers is not a collapse).
STILL_DOWN_SHARE = 0.3
# Onset: the first evaluation after the best that carries a tenth of the total fall.
ONSET_SHARE = 0.1
# Precision held / recall gone: precision keeps 60% of its best while recall falls below half of its best.
PR_KEPT = 0.6
PR_LOST = 0.5

PREFERENCE = ("f1", "acc", "auc", "recall", "precision")


def _floor(run: Run, s: Series) -> float:
    if s.parsed.metric == "acc":
        k = run.config.get("num_classes")
        try:
            return 1.0 / int(k) if k and int(k) >= 2 else 0.0
        except (TypeError, ValueError):
            return 0.0
    return 0.0


def collapse_point(s: Series, floor: float = 0.0) -> Optional[dict]:
    """{"best": b, "onset": k, "collapse": c, "low": l, "share": ...} for a collapsed metric, or None."""
    y = as_fraction(s.values)
    fin = np.isfinite(y)
    if fin.sum() < MIN_POINTS:
        return None
    best_so_far = np.fmax.accumulate(np.where(fin, y, -np.inf))
    gap = best_so_far - floor
    share = np.where(fin & (gap > 0), (best_so_far - y) / np.where(gap > 0, gap, 1), 0.0)
    hit = np.flatnonzero(fin & (share >= COLLAPSE_SHARE) & (best_so_far - y >= MIN_DROP_ABS))
    if not hit.size:
        return None
    c = int(hit[0])
    best = float(best_so_far[c])
    b = int(np.flatnonzero(fin[: c + 1] & (y[: c + 1] == best))[0])
    idx = np.flatnonzero(fin)
    idx_after = idx[idx > b]
    low_i = int(idx_after[np.argmin(y[idx_after])])
    last = int(idx[-1])
    if (best - y[last]) / (best - floor) < STILL_DOWN_SHARE:
        return None
    total = best - float(y[low_i])
    k = idx_after[np.flatnonzero(best - y[idx_after] >= ONSET_SHARE * total)[0]]
    return {"best": b, "onset": int(k), "collapse": c, "low": low_i, "last": last,
            "share": float((best - y[last]) / (best - floor))}


def _pattern(found: dict) -> Optional[str]:
    """``precision_high_recall_low`` / ``recall_high_precision_low`` from the last values of the two series."""
    p, r = found.get("precision"), found.get("recall")
    if p is None or r is None:
        return None
    (ps, _), (rs, _) = p, r
    pv, rv = as_fraction(ps.values), as_fraction(rs.values)
    p_kept = np.nanmax(pv) and pv[np.isfinite(pv)][-1] / np.nanmax(pv)
    r_kept = np.nanmax(rv) and rv[np.isfinite(rv)][-1] / np.nanmax(rv)
    if p_kept >= PR_KEPT and r_kept < PR_LOST:
        return "precision_high_recall_low"
    if r_kept >= PR_KEPT and p_kept < PR_LOST:
        return "recall_high_precision_low"
    return None


@rule("TM601", "metric-collapse", symptom="metric_collapse", severity="error",
      thresholds={"COLLAPSE_SHARE": COLLAPSE_SHARE, "MIN_DROP_ABS": MIN_DROP_ABS, "STILL_DOWN_SHARE": STILL_DOWN_SHARE,
                  "ONSET_SHARE": ONSET_SHARE, "PR_KEPT": PR_KEPT, "PR_LOST": PR_LOST})
def check_collapse(run: Run) -> list:
    """One finding per model group and eval set, at the earliest onset among its collapsed metrics."""
    out = []
    by_set: dict = {}
    for s in run.series.values():
        p = s.parsed
        if p.split == "eval" and p.higher_is_better:
            by_set.setdefault((p.group, p.evalset), []).append(sorted_series(s))
    for (_group, _evalset), members in by_set.items():
        collapsed, all_pr = {}, {}
        for s in members:
            if s.parsed.metric in ("precision", "recall"):
                all_pr[s.parsed.metric] = (s, None)
            c = collapse_point(s, _floor(run, s))
            if c is not None:
                collapsed[s.parsed.metric if s.parsed.metric not in collapsed else s.name] = (s, c)
        if not collapsed:
            continue
        rank = {m: i for i, m in enumerate(PREFERENCE)}
        order = sorted(collapsed.values(), key=lambda t: (float(t[0].x[t[1]["onset"]]),
                                                           rank.get(t[0].parsed.metric, 99)))
        s, c = order[0]
        ev = []
        for ss, cc in order[:5]:
            ev += [evidence(ss, cc["best"], Msg("rule.TM601.ev_best")),
                   evidence(ss, cc["onset"], Msg("rule.TM601.ev_onset")),
                   evidence(ss, cc["low"], Msg("rule.TM601.ev_low"))]
        pattern = _pattern(all_pr)
        if pattern:
            for ss, _ in all_pr.values():
                ev.append(evidence(ss, int(np.flatnonzero(np.isfinite(ss.values))[-1]), Msg(f"rule.TM601.ev_{pattern}")))
        y = s.values
        params = {"best": float(y[c["best"]]), "onset_value": float(y[c["onset"]]), "low": float(y[c["low"]]),
                  "best_where": where(s, c["best"]), "low_where": where(s, c["low"]),
                  "others": ", ".join(t[0].label for t in order[1:])}
        if pattern:
            ps, rs = all_pr["precision"][0], all_pr["recall"][0]
            params.update(precision=float(ps.values[np.isfinite(ps.values)][-1]),
                          recall=float(rs.values[np.isfinite(rs.values)][-1]),
                          pattern=Msg(f"rule.TM601.{pattern}", {}))
        key = "rule.TM601.message_pattern" if pattern else None
        data = {**c, "metrics": [t[0].name for t in order], "pattern": pattern}
        out.append(make_finding("TM601", s, c["onset"], ev=ev, until=c["last"], params=params, data=data,
                                message_key=key))
    return out
