"""Causes on the evaluation side: a validation set with one class only, and a model that memorises its train set."""

from __future__ import annotations

from typing import Optional

from ..findings import Diagnosis, Fix
from ..i18n import Msg
from ..rules.evaluation import DegenerateEvalFacts
from ..rules.overfitting import OverfitFacts
from . import provider
from .context import Context

DEGENERATE_BASE = 0.65
OVERFIT_BASE = 0.7


@provider("generalisation")
def candidates(ctx: Context) -> list:
    """A validation set with one class only, and a model that memorises its train set."""
    return [d for d in (_degenerate_eval_set(ctx), _overfitting(ctx)) if d is not None]


def _degenerate_eval_set(ctx: Context) -> Optional[Diagnosis]:
    f = ctx.first("degenerate_eval")
    if f is None:
        return None
    values = ""
    s = ctx.run.get(f.series)
    if s is not None and isinstance(f.facts, DegenerateEvalFacts):
        s = s.sorted()
        values = ", ".join(f"{s.values[i]:.4f}" for i in f.facts.points[:6] if i < len(s))
    params = {"series": f.series_label or f.series, "values": values, "where": f.where()}
    fixes = [Fix(action=Msg("cause.fix.check_labels.action"), why=Msg("cause.fix.check_labels.why", params)),
             Fix(action=Msg("cause.fix.stratified_split.action"), why=Msg("cause.fix.stratified_split.why"))]
    return Diagnosis(cause="degenerate_eval_set", confidence=DEGENERATE_BASE,
                     title=Msg("cause.degenerate_eval_set.title", params),
                     explanation=Msg("cause.degenerate_eval_set.explanation", params),
                     findings=ctx.codes("degenerate_eval"), fixes=fixes)


def _overfitting(ctx: Context) -> Optional[Diagnosis]:
    f = ctx.first("overfitting")
    if f is None:
        return None
    facts = f.facts if isinstance(f.facts, OverfitFacts) else None
    params = {"series": f.series_label or f.series, "where": f.where(),
              "min": facts.minimum if facts else "?", "last": facts.last if facts else "?"}
    fixes = [Fix(action=Msg("cause.fix.best_checkpoint.action"), why=Msg("cause.fix.best_checkpoint.why", params)),
             Fix(action=Msg("cause.fix.regularise.action"), why=Msg("cause.fix.regularise.why"))]
    return Diagnosis(cause="overfitting_capacity", confidence=OVERFIT_BASE,
                     title=Msg("cause.overfitting_capacity.title", params),
                     explanation=Msg("cause.overfitting_capacity.explanation", params),
                     findings=ctx.codes("overfitting"), fixes=fixes)
