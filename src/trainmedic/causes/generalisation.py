"""Causes on the evaluation side: a validation set with one class only, and a model that memorises its train set."""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..findings import Diagnosis, Finding, Fix, Severity
from ..i18n import Msg
from ..rules.evaluation import DegenerateEvalFacts
from ..rules.overfitting import MemoriseFacts, OverfitFacts
from . import provider
from .context import Context

DEGENERATE_BASE = 0.65
OVERFIT_BASE = 0.7
# Loss components that need a matched target, exactly 0 every step beside scores exactly 0: only the targets explain it.
UNMATCHED_SURE = 0.8


@provider("generalisation")
def candidates(ctx: Context) -> list:
    """A validation set with one class only, and a model that memorises its train set."""
    return [d for d in (_degenerate_eval_set(ctx), _overfitting(ctx)) if d is not None]


def _degenerate_eval_set(ctx: Context) -> Optional[Diagnosis]:
    f = ctx.first("degenerate_eval")
    if f is None:
        return None
    if isinstance(f.facts, DegenerateEvalFacts) and f.facts.kind == "zero":
        return _never_matched(ctx, f)
    values = ""
    s = ctx.run.get(f.series)
    if s is not None and isinstance(f.facts, DegenerateEvalFacts):
        s = s.sorted()
        values = ", ".join(f"{s.values[i]:.4f}" for i in f.facts.points[:6] if i < len(s))
    params = {"series": f.series_label or f.series, "values": values, "where": f.where()}
    fixes = [
        Fix(action=Msg("cause.fix.check_labels.action"), why=Msg("cause.fix.check_labels.why", params)),
        Fix(action=Msg("cause.fix.stratified_split.action"), why=Msg("cause.fix.stratified_split.why")),
    ]
    return Diagnosis(
        cause="degenerate_eval_set",
        confidence=DEGENERATE_BASE,
        title=Msg("cause.degenerate_eval_set.title", params),
        explanation=Msg("cause.degenerate_eval_set.explanation", params),
        findings=ctx.codes("degenerate_eval"),
        fixes=fixes,
    )


def _never_matched(ctx: Context, f: Finding) -> Diagnosis:
    """Metrics exactly 0 at every evaluation: no prediction was matched to a target, so the labels are suspect
    (surer when loss components that need a match are exactly 0 too, which the finding's severity says)."""
    params = {"series": f.series_label or f.series, "where": f.where()}
    sure = f.severity is Severity.ERROR
    return Diagnosis(
        cause="bad_labels",
        confidence=UNMATCHED_SURE if sure else DEGENERATE_BASE,
        title=Msg("cause.unmatched_targets.title", params),
        explanation=Msg("cause.unmatched_targets.explanation", params),
        findings=ctx.codes("degenerate_eval"),
        fixes=[Fix(action=Msg("cause.fix.check_targets.action"), why=Msg("cause.fix.check_targets.why", params))],
    )


# Keeping the model at the eval-loss minimum, in the run's framework (others get the framework-neutral sentence).
BEST_CHECKPOINT_ACTION = {
    "hf": "cause.fix.best_checkpoint.action.hf",
    "lightning": "cause.fix.best_checkpoint.action.lightning",
    "keras": "cause.fix.best_checkpoint.action.keras",
}


def _overfitting(ctx: Context) -> Optional[Diagnosis]:
    f = ctx.first("overfitting")
    if f is None:
        return None
    series = f.series_label or f.series
    if isinstance(f.facts, MemoriseFacts):  # TM502: the eval loss stopped improving far above a fitted train loss
        m = f.facts
        s = ctx.run.get(f.series)
        fin = s.values[np.isfinite(s.values)] if s is not None else np.empty(0)
        low = float(fin.min()) if fin.size else None
        params = {
            "series": series,
            "where": f.where(),
            "min": low,
            "train": m.train_loss,
            "eval": m.eval_loss,
            "ratio": round(m.ratio),
        }
        explanation = Msg("cause.overfitting_capacity.explanation_memorise", params)
    else:
        facts = f.facts if isinstance(f.facts, OverfitFacts) else None
        params = {
            "series": series,
            "where": f.where(),
            "min": facts.minimum if facts else None,
            "last": facts.last if facts else None,
        }
        explanation = Msg(
            "cause.overfitting_capacity.explanation" if facts else "cause.overfitting_capacity.explanation_short",
            params,
        )
    action = BEST_CHECKPOINT_ACTION.get(ctx.framework, "cause.fix.best_checkpoint.action")
    fixes = [
        Fix(action=Msg(action), why=Msg("cause.fix.best_checkpoint.why", params)),
        Fix(action=Msg("cause.fix.regularise.action"), why=Msg("cause.fix.regularise.why")),
    ]
    return Diagnosis(
        cause="overfitting_capacity",
        confidence=OVERFIT_BASE,
        title=Msg("cause.overfitting_capacity.title", params),
        explanation=explanation,
        findings=ctx.codes("overfitting"),
        fixes=fixes,
    )
