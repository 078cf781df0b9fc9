"""Compare two runs: configurations side by side with derived values, where the curves part, and what the
difference explains (e.g. the effective batch tripled at the same lr under a summed loss).

``trainmedic compare RUN_A RUN_B`` calls :func:`compare`; :func:`compare_runs` works on Runs already in memory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import numpy as np

from ..causes.prescription import prescribe
from ..causes.resume import checkpoint_advice
from ..findings import Diagnosis, Evidence, Finding, Fix, Position, Severity, worst
from ..i18n import Msg, msg
from ..report.model import Draft, Report, Table, summarise_sources
from ..run import Run, Series
from .align import Axis, Parting, choose_axis, comparable_series, first_parting, positions
from .scaling import Reduction, Scaling, loss_reduction, scale

AXIS_NOTES = {"samples": "compare.axis.samples", "epoch": "compare.axis.epoch", "step": "compare.axis.step"}
BATCH_OK = {"sum": "compare.batch_ok.sum", "mean": "compare.batch_ok.mean", "unknown": "compare.batch_ok.unknown"}
MISMATCH = {
    "sum": "compare.finding.mismatch.sum",
    "mean": "compare.finding.mismatch.mean",
    "unknown": "compare.finding.mismatch.unknown",
}
LR_RULE = {
    "keep_product": "compare.fix.lr.keep_product",
    "sqrt": "compare.fix.lr.sqrt",
    "linear": "compare.fix.lr.linear",
}
EXPLAIN = {
    "sum": "compare.diag.explain.sum",
    "mean": "compare.diag.explain.mean",
    "unknown": "compare.diag.explain.unknown",
}

# Rows of the side-by-side table, in the order a practitioner reads a config.
CONFIG_ROWS = (
    "lr",
    "per_device_batch",
    "grad_accum",
    "world_size",
    "effective_batch",
    "lr_per_sample",
    "warmup_steps",
    "warmup_samples",
    "warmup_ratio",
    "scheduler",
    "loss_reduction",
    "precision",
    "max_grad_norm",
    "clipping",
    "optimizer",
    "weight_decay",
    "loss",
    "num_epochs",
    "max_steps",
    "model",
)


def compare(run_a: os.PathLike | str, run_b: os.PathLike | str, *, lang: str = "en") -> Report:
    """Read two runs (directories or files) and compare them. Raises InputError when one cannot be read."""
    from ..readers import load_run

    a, b = load_run([run_a]), load_run([run_b])
    return compare_runs(a, b, lang=lang, names=(Path(run_a).name or str(run_a), Path(run_b).name or str(run_b)))


def _eff_batch(run: Run) -> Optional[int]:
    run.config.derive()
    v = run.config.get("effective_batch")
    return int(v) if v else None


def _float(run: Run, key: str) -> Optional[float]:
    v = run.config.get(key)
    try:
        return None if v is None or isinstance(v, bool) else float(v)
    except (TypeError, ValueError):
        return None


def derived_config(run: Run, reduction: Reduction) -> dict:
    """The run's config plus the values the comparison reasons with."""
    cfg = {k: run.config.get(k) for k in CONFIG_ROWS if run.config.get(k) is not None}
    eb, lr, warm = _eff_batch(run), _float(run, "lr"), _float(run, "warmup_steps")
    if eb:
        cfg["effective_batch"] = eb
        if lr:
            cfg["lr_per_sample"] = float(f"{lr / eb:.4g}")
        if warm:
            cfg["warmup_samples"] = int(warm * eb)
    if reduction.value != "unknown":
        cfg["loss_reduction"] = reduction.value
    return cfg


def config_table(cfg_a: dict, cfg_b: dict, names: tuple, red_a: Reduction, red_b: Reduction) -> Table:
    """The two runs' settings side by side, with the ones that differ marked and an inferred loss reduction said as
    such."""
    rows = []
    for key in CONFIG_ROWS:
        va, vb = cfg_a.get(key), cfg_b.get(key)
        if va is None and vb is None:
            continue
        differs = va != vb
        rows.append([key, _cell(va), _cell(vb), msg("compare.table.differs") if differs else ""])
    for red, col in ((red_a, 1), (red_b, 2)):
        if red.source == "loss_magnitude":
            for row in rows:
                if row[0] == "loss_reduction":
                    row[col] = msg("compare.table.reduction_inferred", value=red.value, loss=red.typical_loss)
    return Table(
        title=msg("compare.table.title"),
        key="config",
        columns=[msg("compare.table.setting"), names[0], names[1], msg("compare.table.differs_col")],
        rows=rows,
    )


def _cell(v):
    return "" if v is None else v


def _evidence(p: Parting, names: tuple) -> list:
    return [
        Evidence(
            series=p.series, value=p.value_a, at=Position(epoch=p.epoch), note=msg("compare.evidence.run", run=names[0])
        ),
        Evidence(
            series=p.series,
            value=p.value_b,
            at=Position(step=p.step, epoch=p.epoch),
            note=msg("compare.evidence.run", run=names[1]),
        ),
    ]


def _at(p: Parting) -> dict:
    at: dict = {}
    if p.step is not None:
        at["step"] = int(p.step) if float(p.step).is_integer() else p.step
    if p.epoch is not None:
        at["epoch"] = int(p.epoch) if float(p.epoch).is_integer() else round(p.epoch, 4)
    return at


def keep_batch_options(eb_target: int, pdb: Optional[int], world: int) -> Optional[tuple]:
    """(per-device batch, grad accumulation) that give ``eb_target`` with the largest per-device batch <= ``pdb``."""
    if not pdb or eb_target % world:
        return None
    per_rank = eb_target // world
    for b in range(min(pdb, per_rank), 0, -1):
        if per_rank % b == 0:
            return b, per_rank // b
    return None


def side_by_side_series(a: Run, b: Run, names: tuple, compared: list, axis: Axis) -> dict:
    """Both runs' compared series under a run prefix (``A/eval/loss``), placed on the axis they are compared on
    (samples seen or epochs, carried as the series' position), so a plot shows the two curves where they meet."""
    out: dict = {}
    for tag, run, factor in zip(names, (a, b), (axis.scale_a, axis.scale_b)):
        for name in compared:
            s = run.get(name)
            if s is not None:
                x = positions(s, axis, factor)
                out[f"{tag}/{name}"] = Series(
                    f"{tag}/{name}", s.values, x, np.full(len(s), np.nan), f"{tag}: {s.label}", s.source
                )
    return out


def compare_runs(a: Run, b: Run, *, lang: str = "en", names: tuple = ("A", "B")) -> Report:
    """Compare two Runs. Run B is usually the changed one; whichever run's curves are worse is treated as changed."""
    red_a, red_b = loss_reduction(a), loss_reduction(b)
    cfg_a, cfg_b = derived_config(a, red_a), derived_config(b, red_b)
    eb_a, eb_b = cfg_a.get("effective_batch"), cfg_b.get("effective_batch")
    names_list = comparable_series(a, b)
    axis = choose_axis(a, b, eb_a, eb_b, names_list)
    parting, _ = first_parting(a, b, axis, names_list)

    report = Draft(kind="compare", lang=lang, runs=summarise_sources(a) + summarise_sources(b))
    report.tables.append(config_table(cfg_a, cfg_b, names, red_a, red_b))
    report.series_data = side_by_side_series(a, b, names, names_list, axis)
    report.notes.append(msg(AXIS_NOTES[axis.kind]))
    summary: dict = {
        "runs": list(names),
        "effective_batch": [eb_a, eb_b],
        "lr": [cfg_a.get("lr"), cfg_b.get("lr")],
        "lr_per_sample": [cfg_a.get("lr_per_sample"), cfg_b.get("lr_per_sample")],
        "warmup_steps": [cfg_a.get("warmup_steps"), cfg_b.get("warmup_steps")],
        "warmup_samples": [cfg_a.get("warmup_samples"), cfg_b.get("warmup_samples")],
        "loss_reduction": [red_a.value, red_b.value],
        "axis": axis.kind,
        "compared_series": names_list,
        "first_divergent_epoch": None,
        "first_divergent_step": None,
        "first_divergent_samples": None,
        "first_divergent_series": None,
        "worse_run": None,
    }
    report.extra["compare"] = summary
    if not names_list:
        report.notes.append(msg("compare.no_common_series"))

    if parting is not None:
        worse_name = names[1] if parting.worse == "b" else names[0]
        worse_run = b if parting.worse == "b" else a
        own = own_findings(worse_run)
        severity = Severity.ERROR if worst(f.severity for f in own) is Severity.ERROR else Severity.WARNING
        report.checkpoints = checkpoint_advice(worse_run, own)
        summary.update(
            first_divergent_epoch=_at(parting).get("epoch"),
            first_divergent_step=_at(parting).get("step"),
            first_divergent_samples=parting.samples,
            first_divergent_series=parting.series,
            worse_run=worse_name,
        )
        report.findings.append(
            Finding(
                code="TM1201",
                rule="curves-part",
                symptom="divergence" if parting.is_loss else "metric_collapse",
                severity=severity,
                series=parting.series,
                series_label=parting.label,
                at=_at(parting),
                evidence=_evidence(parting, names),
                message=msg(
                    "compare.finding.parted",
                    series=parting.label,
                    worse=worse_name,
                    a=names[0],
                    b=names[1],
                    value_a=parting.value_a,
                    value_b=parting.value_b,
                    where=_where(parting),
                ),
            )
        )
    else:
        report.notes.append(msg("compare.no_parting"))

    # The changed run is the worse one when the curves part; otherwise B.
    changed_is_a = parting is not None and parting.worse == "a"
    chg = a if changed_is_a else b
    cfg_ref, cfg_chg = (cfg_b, cfg_a) if changed_is_a else (cfg_a, cfg_b)
    n_ref, n_chg = (names[1], names[0]) if changed_is_a else names
    red = red_a if red_a.value == red_b.value else Reduction("unknown", "")
    if red.value == "unknown" and "sum" in (red_a.value, red_b.value) and "unknown" in (red_a.value, red_b.value):
        red = red_a if red_a.value == "sum" else red_b
    lr_ref, lr_chg = cfg_ref.get("lr"), cfg_chg.get("lr")
    eb_ref, eb_chg = cfg_ref.get("effective_batch"), cfg_chg.get("effective_batch")
    if lr_ref and lr_chg and eb_ref and eb_chg and eb_ref != eb_chg:
        sc = scale(float(lr_ref), float(lr_chg), eb_ref, eb_chg, red.value, cfg_ref.get("warmup_steps"))
        summary.update(
            recommended_lr=sc.recommended,
            recommended_lr_rule=sc.rule,
            lr_rules={
                "keep_lr_x_batch": float(f"{sc.keep_product:.3g}"),
                "linear": float(f"{sc.linear:.3g}"),
                "sqrt": float(f"{sc.sqrt:.3g}"),
            },
            recommended_warmup_steps=sc.warmup_steps,
        )
        _explain_batch_change(report, sc, red, parting, cfg_ref, cfg_chg, n_ref, n_chg)
    elif eb_ref is None or eb_chg is None:
        report.notes.append(msg("compare.no_batch"))
    report.conclusion = _conclusion(report, parting, names)
    report.prescription = prescribe(chg, report.diagnoses)
    return report.build()


def own_findings(run: Run) -> list:
    """The worse run's findings by itself, as ``trainmedic diagnose`` finds them: the parting of a run that fails on
    its own is an error (compare and diagnose give one run the same verdict), and its checkpoints are judged the
    same way."""
    from ..rules import check_all

    with np.errstate(all="ignore"):
        return check_all(run)


def _where(p: Parting) -> Msg:
    return Position.of(_at(p)).where()


def _explain_batch_change(
    report: Draft,
    sc: Scaling,
    red: Reduction,
    parting: Optional[Parting],
    cfg_ref: dict,
    cfg_chg: dict,
    n_ref: str,
    n_chg: str,
) -> None:
    """Findings, diagnoses and fixes for an effective-batch change between the runs."""
    lr_ref, lr_chg = cfg_ref["lr"], cfg_chg["lr"]
    eb_ref, eb_chg = cfg_ref["effective_batch"], cfg_chg["effective_batch"]
    params = dict(
        ref=n_ref,
        chg=n_chg,
        eb_ref=eb_ref,
        eb_chg=eb_chg,
        lr_ref=lr_ref,
        lr_chg=lr_chg,
        ratio=float(f"{sc.ratio:.3g}"),
        rec=sc.recommended,
        keep=float(f"{sc.keep_product:.3g}"),
        linear=float(f"{sc.linear:.3g}"),
        sqrt=float(f"{sc.sqrt:.3g}"),
        loss=red.typical_loss,
        lr_same="yes" if lr_ref == lr_chg else "no",
    )
    if not sc.mismatch:
        report.notes.append(msg(BATCH_OK[red.value], **params))
        return
    report.findings.append(
        Finding(
            code="TM1202",
            rule="batch-lr-mismatch",
            symptom="divergence",
            severity="warning",
            series="train/lr",
            message=msg(MISMATCH[red.value], **params),
        )
    )
    fixes = [Fix(param="lr", from_=lr_chg, to=sc.recommended, why=msg(LR_RULE[sc.rule], **params))]
    warm_chg = cfg_chg.get("warmup_steps")
    if sc.warmup_steps is not None and warm_chg is not None and int(warm_chg) != sc.warmup_steps:
        fixes.append(
            Fix(
                param="warmup_steps",
                from_=warm_chg,
                to=sc.warmup_steps,
                why=msg(
                    "compare.fix.warmup",
                    warm_ref=cfg_ref.get("warmup_steps"),
                    eb_ref=eb_ref,
                    eb_chg=eb_chg,
                    to=sc.warmup_steps,
                    samples=cfg_ref.get("warmup_samples"),
                ),
            )
        )
    opt = keep_batch_options(int(eb_ref), cfg_chg.get("per_device_batch"), int(cfg_chg.get("world_size") or 1))
    if opt:
        fixes.append(
            Fix(
                action=msg("compare.fix.keep_batch.action", pdb=opt[0], accum=opt[1], eb=eb_ref),
                why=msg("compare.fix.keep_batch.why", lr=lr_ref, eb=eb_ref),
            )
        )
    confidence = 0.85 if (parting is not None and red.value == "sum") else (0.6 if parting is not None else 0.4)
    codes = ["TM1202"] + (["TM1201"] if parting is not None else [])
    report.diagnoses.append(
        Diagnosis(
            cause="batch_lr_mismatch",
            confidence=confidence,
            findings=codes,
            fixes=fixes,
            title=msg("compare.diag.title", **params),
            explanation=msg(EXPLAIN[red.value], **params),
        )
    )
    warm = cfg_chg.get("warmup_steps")
    if parting is not None and parting.step is not None and warm and parting.step >= float(warm):
        report.diagnoses.append(
            Diagnosis(
                cause="warmup_peak_instability",
                confidence=0.5,
                findings=codes,
                title=msg("compare.diag.warmup.title"),
                explanation=msg("compare.diag.warmup.explain", warm=warm, step=parting.step, lr=lr_chg, chg=n_chg),
                fixes=fixes[:1],
            )
        )
    report.watch_next.append(msg("compare.watch.after_warmup", warm=sc.warmup_steps or warm))


def _conclusion(report: Draft, parting: Optional[Parting], names: tuple) -> Msg:
    if report.diagnoses:
        d = report.diagnoses[0]
        return msg("compare.conclusion.cause", title=d.title, where=_where(parting) if parting else "")
    if parting is not None:
        return msg("compare.conclusion.parted", series=parting.label, where=_where(parting))
    return msg("compare.conclusion.same", a=names[0], b=names[1])
