"""The checkpoint-triage Report: a table per checkpoint, per-module norms, findings for the broken ones, and how to
resume from the last healthy one in the framework that wrote it."""

from __future__ import annotations

import os
from typing import Optional

from ..findings import Diagnosis, Evidence, Finding, Fix
from ..i18n import Msg, msg
from ..report.model import Draft, Report, Table, summarise_sources
from ..run import Run
from .judge import JUMP_FACTOR, Verdict

# Column headings and finding messages (full catalog keys).
COLUMNS = {
    "checkpoint": "checkpoints.col.checkpoint",
    "step": "checkpoints.col.step",
    "epoch": "checkpoints.col.epoch",
    "framework": "checkpoints.col.framework",
    "nonfinite_weights": "checkpoints.col.nonfinite_weights",
    "nonfinite_optimizer": "checkpoints.col.nonfinite_optimizer",
    "weight_norm": "checkpoints.col.weight_norm",
    "norm_jump": "checkpoints.col.norm_jump",
    "metrics": "checkpoints.col.metrics",
    "status": "checkpoints.col.status",
}
FINDING_KEYS = {
    "nonfinite_weights": "checkpoints.finding.nonfinite_weights",
    "nonfinite_optimizer": "checkpoints.finding.nonfinite_optimizer",
    "norm_jump": "checkpoints.finding.norm_jump",
    "run_failed": "checkpoints.finding.run_failed",
}

# How to resume, per framework: code, not prose, so it is not translated.
RESUME = {
    "hf": 'trainer.train(resume_from_checkpoint="{path}")',
    "lightning": 'trainer.fit(model, ckpt_path="{path}")',
    "torch": 'model.load_state_dict(torch.load("{path}", map_location="cpu", weights_only=True))',
}
# Reason -> (finding code, rule name, symptom).
REASONS = {
    "nonfinite_weights": ("TM1101", "checkpoint-nonfinite-weights", "nonfinite"),
    "norm_jump": ("TM1102", "checkpoint-norm-jump", "spike"),
    "run_failed": ("TM1103", "checkpoint-after-failure", "divergence"),
    "nonfinite_optimizer": ("TM1104", "checkpoint-nonfinite-optimizer-state", "nonfinite"),
}


def resume_hint(framework: str, path: str) -> str:
    """The line of code that resumes from ``path`` in the run's framework (plain torch when it is unknown)."""
    return RESUME.get(framework, RESUME["torch"]).format(path=path)


def _at(v: Verdict) -> dict:
    at: dict = {}
    if v.checkpoint.step is not None:
        at["step"] = int(v.checkpoint.step)
    if v.checkpoint.epoch is not None:
        e = float(v.checkpoint.epoch)
        at["epoch"] = int(e) if e.is_integer() else round(e, 4)
    return at


def _status(v: Verdict) -> Msg:
    if v.unsafe_reason:
        return msg("checkpoints.status.unsafe")
    if v.error:
        return msg("checkpoints.status.unreadable", error=v.error)
    if v.broken:
        return msg("checkpoints.status.broken", reasons=list(v.reasons))
    return msg("checkpoints.status.healthy")


def _metrics_cell(metrics: dict) -> str:
    from ..i18n import fmt_value

    return ", ".join(f"{k}={fmt_value(float(x))}" for k, x in metrics.items())


def checkpoint_table(directory: os.PathLike | str, verdicts: list) -> Table:
    """The triage table: one row per checkpoint with its step, non-finite counts, weight norm, jump and status."""
    from . import display_path

    rows = []
    for v in verdicts:
        st = v.stats
        rows.append(
            [
                display_path(directory, v),
                v.checkpoint.step,
                v.checkpoint.epoch,
                v.checkpoint.framework,
                st.nonfinite if st else None,
                st.optimizer_nonfinite if st and st.optimizer_numel else None,
                round(st.global_norm, 4) if st else None,
                round(v.jump, 4) if v.jump is not None else None,
                _metrics_cell(v.metrics),
                _status(v),
            ]
        )
    cols = [
        "checkpoint",
        "step",
        "epoch",
        "framework",
        "nonfinite_weights",
        "nonfinite_optimizer",
        "weight_norm",
        "norm_jump",
        "metrics",
        "status",
    ]
    return Table(
        title=msg("checkpoints.table.title"), key="checkpoints", columns=[msg(COLUMNS[c]) for c in cols], rows=rows
    )


def module_table(directory: os.PathLike | str, verdicts: list) -> Optional[Table]:
    """Norm of each top-level module in each checkpoint (non-finite counts beside it when there are any)."""
    from . import display_path

    readable = [v for v in verdicts if v.stats]
    if not readable:
        return None
    modules: list = []
    per: list = []
    for v in readable:
        norms = v.stats.module_norms()
        per.append(norms)
        modules += [m for m in norms if m not in modules]
    rows = []
    for m in modules:
        row: list = [m]
        for norms in per:
            n, nf = norms.get(m, (None, 0))
            row.append(None if n is None else (f"{n:.4g} ({nf} nonfinite)" if nf else round(n, 4)))
        rows.append(row)
    return Table(
        title=msg("checkpoints.modules.title"),
        key="module_norms",
        columns=[msg("checkpoints.col.module")] + [display_path(directory, v) for v in readable],
        rows=rows,
    )


def _findings(directory, verdicts: list, failure: Optional[dict]) -> list:
    from . import display_path

    out = []
    for reason, (code, rule, symptom) in REASONS.items():
        hit = [v for v in verdicts if reason in v.reasons]
        if not hit:
            continue
        first = hit[0]
        if reason == "run_failed" and failure is not None:
            symptom = failure.get("symptom", symptom)
        ev = []
        for v in hit:
            value = {
                "nonfinite_weights": v.stats.nonfinite,
                "nonfinite_optimizer": v.stats.optimizer_nonfinite,
                "norm_jump": v.jump or 0.0,
                "run_failed": v.stats.global_norm,
            }[reason]
            ev.append(Evidence(series="checkpoint", value=float(value), at=_at(v), note=display_path(directory, v)))
        params = dict(
            checkpoint=display_path(directory, first),
            count=len(hit),
            factor=JUMP_FACTOR,
            nonfinite=first.stats.nonfinite,
            jump=first.jump,
            where=[f"{k} {val}" for k, val in (failure or {}).items() if k in ("step", "epoch")],
        )
        out.append(
            Finding(
                code=code,
                rule=rule,
                symptom=symptom,
                severity="error",
                series="checkpoint",
                at=_at(first),
                evidence=ev,
                message=msg(FINDING_KEYS[reason], **params),
            )
        )
    return out


def build_report(
    directory: os.PathLike | str,
    verdicts: list,
    failure: Optional[dict],
    run: Optional[Run],
    summary: dict,
    *,
    lang: str = "en",
) -> Report:
    """Assemble the Report(kind="checkpoints")."""
    report = Draft(kind="checkpoints", lang=lang, checkpoints=summary)
    if run is not None:
        report.runs = summarise_sources(run)
    report.tables.append(checkpoint_table(directory, verdicts))
    mt = module_table(directory, verdicts)
    if mt is not None:
        report.tables.append(mt)
    report.findings = _findings(directory, verdicts, failure)
    for v in verdicts:
        if v.unsafe_reason:
            report.notes.append(msg("checkpoints.note.unsafe", path=summary_path(directory, v), reason=v.unsafe_reason))
        elif v.error:
            report.notes.append(msg("checkpoints.note.unreadable", path=summary_path(directory, v), error=v.error))
    if failure is not None:
        report.notes.append(
            msg(
                "checkpoints.note.failure",
                where=[f"{k} {val}" for k, val in failure.items() if k in ("step", "epoch")],
                symptom=failure.get("symptom", ""),
            )
        )
    good = summary.get("last_healthy")
    if report.findings:
        fixes = []
        if good:
            fixes.append(
                Fix(
                    action=msg("checkpoints.fix.resume", code=summary["resume"]),
                    why=msg("checkpoints.fix.resume.why", path=good),
                )
            )
        fixes.append(
            Fix(
                action=msg("checkpoints.fix.delete", paths=list(summary["broken"])),
                why=msg("checkpoints.fix.delete.why"),
            )
        )
        report.diagnoses.append(
            Diagnosis(
                cause="unknown",
                confidence=0.5,
                findings=[f.code for f in report.findings],
                title=msg("checkpoints.diag.title", count=len(summary["broken"])),
                explanation=msg("checkpoints.diag.explain"),
                fixes=fixes,
            )
        )
        report.watch_next.append(msg("checkpoints.watch.norm"))
    if good:
        report.conclusion = msg(
            "checkpoints.conclusion.healthy" if not summary["broken"] else "checkpoints.conclusion.broken",
            path=good,
            count=len(summary["broken"]),
            code=summary["resume"],
        )
    elif summary["broken"]:
        report.conclusion = msg("checkpoints.conclusion.none_healthy", count=len(summary["broken"]))
    else:
        report.conclusion = msg("checkpoints.conclusion.none_readable")
    return report.build()


def summary_path(directory: os.PathLike | str, v: Verdict) -> str:
    """How the report names a checkpoint: relative to the directory when it exists, else by its own name."""
    from . import display_path

    return display_path(directory, v) if os.path.exists(str(directory)) else v.checkpoint.name
