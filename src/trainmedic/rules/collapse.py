"""Metric collapse: an eval metric (F1, accuracy, recall ...) falling far from its best and not coming back.

Reported where the decline begins (the first evaluation after the best that carries a tenth of the fall), not where
it bottoms out: that is the point to resume before. When precision holds while recall falls, the model has stopped
predicting the positive classes; the reverse means it predicts them everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts
from ..i18n import Msg
from ..run import Run, Series
from . import Params, param, rule
from .curves import as_fraction, evidence, make_finding, sorted_series, where

# Sentences and evidence notes by precision/recall pattern (full catalog keys).
PATTERNS = {
    "precision_high_recall_low": "rule.TM601.precision_high_recall_low",
    "recall_high_precision_low": "rule.TM601.recall_high_precision_low",
}
PATTERN_NOTES = {
    "precision_high_recall_low": "rule.TM601.ev_precision_high_recall_low",
    "recall_high_precision_low": "rule.TM601.ev_recall_high_precision_low",
}


@dataclass(frozen=True)
class CollapseParams(Params):
    """Thresholds of TM601: how far an eval metric must fall from its best, and stay down."""

    min_points: int = param(3, "evaluations needed")
    share: float = param(
        0.5, "collapsed: lost this share of the way from its floor (0, or 1/K for accuracy) to its best ..."
    )
    min_drop_abs: float = param(0.1, "... by at least this much (a rare-class F1 of 0.02 falling to 0 is noise)")
    still_down_share: float = param(
        0.3, "... and still this share down at the end (a dip that recovers is not a collapse)"
    )
    large_drop_abs: float = param(
        0.3,
        "or it fell by this much in absolute terms and stays down (an accuracy of 1.0 "
        "falling to 0.51 is a collapse whatever the unknown chance level)",
    )
    onset_share: float = param(0.1, "onset: the first evaluation after the best that carries this share of the fall")
    pr_kept: float = param(0.6, "precision held: it keeps this share of its best ...")
    pr_lost: float = param(0.5, "... while recall falls below this share of its best (or the reverse)")


@dataclass(frozen=True)
class CollapseFacts(Facts):
    """The collapsed metrics (earliest first), the best and lowest values, and a precision/recall pattern."""

    metrics: tuple
    best: float
    low: float
    pattern: Optional[str] = None


COLLAPSE = CollapseParams()
PREFERENCE = ("f1", "acc", "auc", "recall", "precision")


def _floor(run: Run, s: Series) -> float:
    if s.parsed.metric == "acc":
        k = run.config.get("num_classes")
        try:
            return 1.0 / int(k) if k and int(k) >= 2 else 0.0
        except (TypeError, ValueError):
            return 0.0
    return 0.0


def collapse_point(s: Series, floor: float = 0.0, p: CollapseParams = COLLAPSE) -> Optional[dict]:
    """{"best": b, "onset": k, "collapse": c, "low": l, "share": ...} for a collapsed metric, or None."""
    y = as_fraction(s.values)
    fin = np.isfinite(y)
    if fin.sum() < p.min_points:
        return None
    best_so_far = np.fmax.accumulate(np.where(fin, y, -np.inf))
    gap = best_so_far - floor
    share = np.where(fin & (gap > 0), (best_so_far - y) / np.where(gap > 0, gap, 1), 0.0)
    drop = best_so_far - y
    hit = np.flatnonzero(fin & (((share >= p.share) & (drop >= p.min_drop_abs)) | (drop >= p.large_drop_abs)))
    if not hit.size:
        return None
    c = int(hit[0])
    best = float(best_so_far[c])
    b = int(np.flatnonzero(fin[: c + 1] & (y[: c + 1] == best))[0])
    idx = np.flatnonzero(fin)
    idx_after = idx[idx > b]
    low_i = int(idx_after[np.argmin(y[idx_after])])
    last = int(idx[-1])
    if (best - y[last]) / (best - floor) < p.still_down_share and best - y[last] < p.large_drop_abs:
        return None
    total = best - float(y[low_i])
    k = idx_after[np.flatnonzero(best - y[idx_after] >= p.onset_share * total)[0]]
    return {
        "best": b,
        "onset": int(k),
        "collapse": c,
        "low": low_i,
        "last": last,
        "share": float((best - y[last]) / (best - floor)),
    }


def _pattern(found: dict, p: CollapseParams) -> Optional[str]:
    """``precision_high_recall_low`` / ``recall_high_precision_low`` from the last values of the two series."""
    pr, rc = found.get("precision"), found.get("recall")
    if pr is None or rc is None:
        return None
    (ps, _), (rs, _) = pr, rc
    pv, rv = as_fraction(ps.values), as_fraction(rs.values)
    p_kept = np.nanmax(pv) and pv[np.isfinite(pv)][-1] / np.nanmax(pv)
    r_kept = np.nanmax(rv) and rv[np.isfinite(rv)][-1] / np.nanmax(rv)
    if p_kept >= p.pr_kept and r_kept < p.pr_lost:
        return "precision_high_recall_low"
    if r_kept >= p.pr_kept and p_kept < p.pr_lost:
        return "recall_high_precision_low"
    return None


@rule("TM601", "metric-collapse", symptom="metric_collapse", severity="error", params=CollapseParams)
def check_collapse(run: Run, p: CollapseParams) -> list:
    """Eval metric (F1, accuracy, recall ...) falls far from its best and stays down.

    What it does:
        Tracks each higher-is-better eval metric's best value; collapse is a fall of {share} of the way from its
        floor (0, or 1/K for accuracy) to the best, by at least {min_drop_abs}, still {still_down_share} of the way
        down at the end, or a fall of {large_drop_abs} or more that stays. Reported where the decline begins; one
        finding per model and eval set.
    Why it matters:
        The model that produced the best score no longer exists; every later checkpoint is worse. When precision
        holds while recall collapses, the model has stopped predicting the positive classes.
    Example:
        val F1 0.95 -> 0.86 -> 0.44 -> 0.22 -> 0.17; precision 0.69 while recall 0.097.
    Fix:
        Resume from the checkpoint at the best score and remove the cause of the instability (see the diagnoses).
    """
    out = []
    by_set: dict = {}
    for s in run.series.values():
        name = s.parsed
        if name.split == "eval" and name.higher_is_better:
            by_set.setdefault((name.group, name.evalset), []).append(sorted_series(s))
    for (_group, _evalset), members in by_set.items():
        collapsed, all_pr = {}, {}
        for s in members:
            if s.parsed.metric in ("precision", "recall"):
                all_pr[s.parsed.metric] = (s, None)
            c = collapse_point(s, _floor(run, s), p)
            if c is not None:
                collapsed[s.parsed.metric if s.parsed.metric not in collapsed else s.name] = (s, c)
        if not collapsed:
            continue
        rank = {m: i for i, m in enumerate(PREFERENCE)}
        order = sorted(
            collapsed.values(), key=lambda t: (float(t[0].x[t[1]["onset"]]), rank.get(t[0].parsed.metric, 99))
        )
        s, c = order[0]
        ev = []
        for ss, cc in order[:5]:
            ev += [
                evidence(ss, cc["best"], Msg("rule.TM601.ev_best")),
                evidence(ss, cc["onset"], Msg("rule.TM601.ev_onset")),
                evidence(ss, cc["low"], Msg("rule.TM601.ev_low")),
            ]
        pattern = _pattern(all_pr, p)
        if pattern:
            for ss, _ in all_pr.values():
                ev.append(evidence(ss, int(np.flatnonzero(np.isfinite(ss.values))[-1]), Msg(PATTERN_NOTES[pattern])))
        y = s.values
        params = {
            "best": float(y[c["best"]]),
            "onset_value": float(y[c["onset"]]),
            "low": float(y[c["low"]]),
            "best_where": where(s, c["best"]),
            "low_where": where(s, c["low"]),
            "others": [t[0].label for t in order[1:]],
        }
        if pattern:
            ps, rs = all_pr["precision"][0], all_pr["recall"][0]
            params.update(
                precision=float(ps.values[np.isfinite(ps.values)][-1]),
                recall=float(rs.values[np.isfinite(rs.values)][-1]),
                pattern=Msg(PATTERNS[pattern], {}),
            )
        key = "rule.TM601.message_pattern" if pattern else None
        facts = CollapseFacts(
            metrics=tuple(t[0].name for t in order), best=float(y[c["best"]]), low=float(y[c["low"]]), pattern=pattern
        )
        out.append(
            make_finding("TM601", s, c["onset"], ev=ev, until=c["last"], params=params, facts=facts, message_key=key)
        )
    return out
