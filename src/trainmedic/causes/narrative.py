"""The report's story: conclusion in one sentence -> evidence chain -> why -> fixes -> checkpoints -> what to watch.

The findings (ordered by where they start) are the chain; this module adds the sentences around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Finding, Severity, by_position
from ..i18n import Msg
from ..rules.curves import eval_losses, train_loss, where
from ..rules.learning import ChanceFacts
from ..rules.overfitting import MemoriseFacts
from ..run import Run
from .framework import framework_of
from .resume import checkpoint_advice

# An eval loss this many times the train loss at the same point is worth a line in the chain (a distribution gap or
# an eval set unlike the train set).
EVAL_TRAIN_GAP = 3.0
# The symptom and where it happened, in words ("eval_loss diverged at step 40"), by symptom.
WHAT = {
    "nonfinite": "narrative.symptom.nonfinite",
    "divergence": "narrative.symptom.divergence",
    "stuck_at_chance": "narrative.symptom.stuck_at_chance",
    "plateau": "narrative.symptom.plateau",
    "oscillation": "narrative.symptom.oscillation",
    "spike": "narrative.symptom.spike",
    "overfitting": "narrative.symptom.overfitting",
    "metric_collapse": "narrative.symptom.metric_collapse",
    "degenerate_eval": "narrative.symptom.degenerate_eval",
    "gradient_explosion": "narrative.symptom.gradient_explosion",
    "vanishing_gradient": "narrative.symptom.vanishing_gradient",
    "wasted_compute": "narrative.symptom.wasted_compute",
    "crash": "narrative.symptom.crash",
}
# A cause as the clause of a sentence ("because the learning rate 20 is too high"), by the key of its title, with the
# title's parameters. A cause without one is named by its title instead.
BECAUSE = {
    "cause.recurrent_long_sequence.title": "cause.recurrent_long_sequence.because",
    "cause.mixed_precision_overflow.title": "cause.mixed_precision_overflow.because",
    "cause.no_grad_clipping.title": "cause.no_grad_clipping.because",
    "cause.lr_too_high.title": "cause.lr_too_high.because",
    "cause.lr_too_low.title": "cause.lr_too_low.because",
    "cause.batch_lr_mismatch.title": "cause.batch_lr_mismatch.because",
    "cause.batch_lr_mismatch.title_no_baseline": "cause.batch_lr_mismatch.because_no_baseline",
    "cause.warmup_peak_instability.title": "cause.warmup_peak_instability.because",
    "cause.frozen_backbone.title": "cause.frozen_backbone.because",
    "cause.frozen_backbone.title_suspect": "cause.frozen_backbone.because_suspect",
    "cause.frozen_backbone.title_switch": "cause.frozen_backbone.because_switch",
    "cause.optimizer_misses_params.title": "cause.optimizer_misses_params.because",
    "cause.optimizer_misses_params.title_suspect": "cause.optimizer_misses_params.because_suspect",
    "cause.degenerate_eval_set.title": "cause.degenerate_eval_set.because",
    "cause.overfitting_capacity.title": "cause.overfitting_capacity.because",
    "cause.loss_output_mismatch.title": "cause.loss_output_mismatch.because",
    "cause.bad_input_data.title": "cause.bad_input_data.because",
    "cause.bad_labels.title": "cause.bad_labels.because",
    "cause.unmatched_targets.title": "cause.unmatched_targets.because",
}
# How to log the gradient norm, in the run's framework.
LOG_GRAD_NORM = {
    "hf": "narrative.watch.log_grad_norm_hf",
    "torch": "narrative.watch.log_grad_norm_torch",
    "accelerate": "narrative.watch.log_grad_norm_torch",
    "lightning": "narrative.watch.log_grad_norm_torch",
}
# Healthy gradient norms as a multiple of the run's own median: 0.1-5x is normal, 5-10x suspicious, >10x exploding.
GRAD_HEALTHY = (0.1, 5.0)
GRAD_EXPLODING = 10.0


@dataclass(frozen=True)
class Narrative:
    """The sentences around the findings: the one-sentence conclusion, the evidence chain, what to do with the
    checkpoints (from the logs), what to watch next, and notes on how much the evidence can carry."""

    conclusion: Msg
    chain: tuple = ()
    checkpoints: Optional[dict] = None
    watch_next: tuple = ()
    notes: tuple = ()


def narrate(run: Run, findings: list, diagnoses: list) -> Narrative:
    """The story of a diagnosis, from the findings (in any order) and the ranked diagnoses."""
    findings = by_position(findings)
    serious = [f for f in findings if f.serious]
    chain = [
        Msg("narrative.chain.item", {"where": f.where() if f.at.known else "", "message": f.message}) for f in serious
    ]
    chain += _gaps(run)
    return Narrative(
        conclusion=_conclusion(run, serious, diagnoses),
        chain=tuple(chain),
        checkpoints=checkpoint_advice(run, findings),
        watch_next=tuple(_watch(run, serious)),
        notes=tuple(_notes(run, serious, diagnoses)),
    )


def _conclusion(run: Run, serious: list, diagnoses: list) -> Msg:
    """The one sentence: what happened, where, and the most likely cause (and the next one), written as a clause."""
    if not serious and not run.points:
        return Msg("narrative.conclusion.nothing_logged")  # healthy as far as it says: no curve to judge
    if not serious:
        return Msg("narrative.conclusion.healthy", {"points": run.points, "series": len(run.series)})
    errors = [f for f in serious if f.severity is Severity.ERROR] or serious
    # At the same point, name the loss rather than a gradient norm or a metric: it is what people watch.
    first = min(errors, key=lambda f: (f.at.key, 0 if f.series.endswith("loss") else 1))
    subject = first.series_label or first.series or Msg("narrative.subject.run")
    what = WHAT.get(first.symptom, "narrative.symptom.other")
    if isinstance(first.facts, MemoriseFacts):
        what = "narrative.symptom.overfitting_stalled"  # the eval loss stopped improving: it need not rise
    params = {"what": Msg(what, {"series": subject, "where": first.where() if first.at.known else ""})}
    top = [d for d in diagnoses if d.cause != "unknown"][:2]
    if not top:
        return Msg("narrative.conclusion.no_cause", params)
    clauses = [_because(d) for d in top]
    if all(c is not None for c in clauses):
        params["because"] = clauses[0]
        if len(top) > 1:
            params["second"] = clauses[1]
            return Msg("narrative.conclusion.two", params)
        return Msg("narrative.conclusion.one", params)
    params["cause"] = top[0].title
    return Msg("narrative.conclusion.titled", params)


def _because(d) -> Optional[Msg]:
    """The cause as the clause of a sentence, from the key and parameters of its title (None without one)."""
    title = d.title
    if isinstance(title, Msg) and title.key in BECAUSE:
        return Msg(BECAUSE[title.key], title.params)
    return None


def _gaps(run: Run) -> list:
    """Chain lines for an eval loss far above the train loss at the first point they share."""
    out = []
    for group in run.groups:
        tr = train_loss(run, group)
        for ev in eval_losses(run, group):
            if tr is None or tr.axis != ev.axis:
                continue
            for i in np.flatnonzero(np.isfinite(ev.values)):
                j = np.flatnonzero((tr.x == ev.x[i]) & np.isfinite(tr.values))
                if j.size:
                    t, e = float(tr.values[j[0]]), float(ev.values[i])
                    if t > 0 and e / t >= EVAL_TRAIN_GAP:
                        out.append(
                            Msg(
                                "narrative.chain.gap",
                                {"eval": e, "train": t, "where": where(ev, int(i)), "ratio": round(e / t, 1)},
                            )
                        )
                    break
    return out


def _grad_median(run: Run) -> Optional[float]:
    for s in run.find(split="train", metric="grad_norm"):
        v = s.values[np.isfinite(s.values) & (s.values > 0)]
        if v.size >= 3:
            return float(np.median(v))
    return None


def _watch(run: Run, serious: list[Finding]) -> list:
    symptoms = {f.symptom for f in serious}
    out = []
    med = _grad_median(run)
    if med is not None:
        out.append(
            Msg(
                "narrative.watch.grad_norm",
                {
                    "median": med,
                    "low": round(GRAD_HEALTHY[0] * med, 3),
                    "high": round(GRAD_HEALTHY[1] * med, 3),
                    "explode": round(GRAD_EXPLODING * med, 3),
                },
            )
        )
    elif symptoms & {"nonfinite", "divergence", "oscillation", "spike", "metric_collapse"}:
        out.append(Msg(LOG_GRAD_NORM.get(framework_of(run), "narrative.watch.log_grad_norm")))
    if "nonfinite" in symptoms:
        out.append(Msg("narrative.watch.nonfinite"))
    if symptoms & {"divergence", "metric_collapse"}:
        out.append(Msg("narrative.watch.warmup_end"))
    if "stuck_at_chance" in symptoms:
        f = next(f for f in serious if f.symptom == "stuck_at_chance")
        if isinstance(f.facts, ChanceFacts):
            out.append(Msg("narrative.watch.chance", {"ln_k": round(f.facts.ln_k, 3), "k": f.facts.k}))
    if "oscillation" in symptoms:
        out.append(Msg("narrative.watch.oscillation"))
    if "overfitting" in symptoms:
        out.append(Msg("narrative.watch.overfitting"))
    if "degenerate_eval" in symptoms:
        out.append(Msg("narrative.watch.eval_labels"))
    return out


def _notes(run: Run, serious: list, diagnoses: list) -> list:
    from . import THIN_POINTS

    out = []
    groups = [g for g in run.groups if g is not None]
    if len(groups) > 1:
        bad = sorted({_group_of(run, f.series) for f in serious} - {None})
        good = [g for g in groups if g not in bad]
        if bad and good:
            out.append(Msg("narrative.note.groups", {"good": good, "bad": bad}))
        else:
            out.append(Msg("narrative.note.groups_all", {"groups": list(groups)}))
    if run.points < THIN_POINTS and serious:
        out.append(Msg("narrative.note.thin", {"points": run.points}))
    if not run.config.as_dict() and serious:
        out.append(Msg("narrative.note.no_config"))
    if serious and (not diagnoses or diagnoses[0].cause == "unknown"):
        out.append(Msg("narrative.note.unknown"))
    return out


def _group_of(run: Run, name: str):
    s = run.get(name)
    return s.parsed.group if s is not None else None
