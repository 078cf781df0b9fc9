"""Which parameters will train: trainable/frozen counts per top-level module, and which of them the optimizer holds.

Seed 001: the optimizer was built from ``model.classifier.parameters()``, so 260K of 168M parameters trained (0.15%)
and the loss sat at ln(4) for five epochs. Both halves are checked: ``requires_grad`` and optimizer membership.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ..findings import Diagnosis, Facts, Finding, Fix
from ..i18n import msg
from ..report.model import Table

# Column headings, by column (full catalog keys).
COLUMNS = {
    "module": "preflight.col.module",
    "total": "preflight.col.total",
    "trainable": "preflight.col.trainable",
    "frozen": "preflight.col.frozen",
    "optimized": "preflight.col.optimized",
    "trained_ratio": "preflight.col.trained_ratio",
    "group": "preflight.col.group",
    "tensors": "preflight.col.tensors",
    "params": "preflight.col.params",
    "lr": "preflight.col.lr",
    "weight_decay": "preflight.col.weight_decay",
    "frozen_in_group": "preflight.col.frozen_in_group",
    "modules": "preflight.col.modules",
    "layer": "preflight.col.layer",
    "grad_norm": "preflight.col.grad_norm",
    "weight_norm": "preflight.col.weight_norm",
    "update_ratio": "preflight.col.update_ratio",
}

# Below 1% of the parameters training, a fine-tuned model can barely leave its initial predictions: a BERT classifier
# training only its head (0.15%) sat at chance. Adapters/LoRA train ~0.1-1% on purpose, hence a warning, not an error.
TINY_TRAINABLE_RATIO = 0.01


@dataclass
class Coverage:
    """Parameter counts and optimizer membership."""

    total: int = 0
    trainable: int = 0
    optimized: int = 0  # trainable and held by an optimizer group
    missed: list = field(default_factory=list)  # names of trainable parameters no group holds
    frozen_in_opt: list = field(default_factory=list)
    missed_numel: int = 0
    by_module: dict = field(default_factory=dict)  # module -> [total, trainable, optimized]


def top_module(name: str) -> str:
    """The top-level module a parameter belongs to (``(root)`` for parameters of the model itself)."""
    return name.split(".", 1)[0] if "." in name else "(root)"


def coverage(model: Any, optimizer: Optional[Any]) -> Coverage:
    """How many parameters there are, how many train, and how many the optimizer holds, per top-level module."""
    held = set()
    if optimizer is not None:
        for g in optimizer.param_groups:
            held.update(id(p) for p in g["params"])
    cov = Coverage()
    for name, p in model.named_parameters():
        n = p.numel()
        row = cov.by_module.setdefault(top_module(name), [0, 0, 0])
        row[0] += n
        cov.total += n
        in_opt = optimizer is None or id(p) in held
        if p.requires_grad:
            row[1] += n
            cov.trainable += n
            if in_opt:
                row[2] += n
                cov.optimized += n
            else:
                cov.missed.append(name)
                cov.missed_numel += n
        elif optimizer is not None and id(p) in held:
            cov.frozen_in_opt.append(name)
    return cov


def parameter_table(cov: Coverage) -> Table:
    """The parameter table: total, trainable, frozen and optimized counts per top-level module."""
    rows = []
    for mod, (total, trainable, optimized) in cov.by_module.items():
        rows.append(
            [mod, total, trainable, total - trainable, optimized, round(optimized / total, 6) if total else 0.0]
        )
    rows.append(
        [
            msg("preflight.table.all"),
            cov.total,
            cov.trainable,
            cov.total - cov.trainable,
            cov.optimized,
            round(cov.optimized / cov.total, 6) if cov.total else 0.0,
        ]
    )
    cols = ["module", "total", "trainable", "frozen", "optimized", "trained_ratio"]
    return Table(
        title=msg("preflight.table.parameters"), key="parameters", columns=[msg(COLUMNS[c]) for c in cols], rows=rows
    )


def optimizer_table(model: Any, optimizer: Any) -> Table:
    """The optimizer's groups: tensors, parameters, lr, weight decay, frozen parameters and modules in each."""
    names = {id(p): n for n, p in model.named_parameters()}
    rows = []
    for i, g in enumerate(optimizer.param_groups):
        ps = g["params"]
        mods = sorted({top_module(names.get(id(p), "?")) for p in ps})
        rows.append(
            [
                i,
                len(ps),
                sum(p.numel() for p in ps),
                g.get("lr"),
                g.get("weight_decay"),
                sum(p.numel() for p in ps if not p.requires_grad),
                ", ".join(mods),
            ]
        )
    cols = ["group", "tensors", "params", "lr", "weight_decay", "frozen_in_group", "modules"]
    return Table(
        title=msg("preflight.table.optimizer_groups", optimizer=type(optimizer).__name__),
        key="optimizer_groups",
        columns=[msg(COLUMNS[c]) for c in cols],
        rows=rows,
    )


@dataclass(frozen=True)
class CoverageFacts(Facts):
    """The trainable parameters that no optimizer group holds (names, up to 50) and how many values they hold."""

    missed: tuple = ()
    missed_numel: int = 0


def check(cov: Coverage, optimizer: Optional[Any]) -> tuple:
    """(findings, diagnoses) for the trainable ratio and optimizer coverage."""
    findings, diagnoses = [], []
    ratio = cov.optimized / cov.total if cov.total else 0.0
    if cov.missed:
        mods = sorted({top_module(n) for n in cov.missed})
        findings.append(
            Finding(
                code="TM1002",
                rule="optimizer-misses-params",
                symptom="stuck_at_chance",
                severity="error",
                series="parameters",
                message=msg(
                    "preflight.finding.optimizer_misses",
                    count=cov.missed_numel,
                    tensors=len(cov.missed),
                    modules=list(mods),
                    ratio=ratio * 100,
                ),
                facts=CoverageFacts(missed=tuple(cov.missed[:50]), missed_numel=cov.missed_numel),
            )
        )
        diagnoses.append(
            Diagnosis(
                cause="optimizer_misses_params",
                confidence=0.95,
                findings=["TM1002"],
                title=msg("preflight.diag.optimizer_misses.title", modules=list(mods)),
                explanation=msg("preflight.diag.optimizer_misses.explain", count=cov.missed_numel, modules=list(mods)),
                fixes=[
                    Fix(
                        action=msg("preflight.fix.optimizer_all_params"),
                        why=msg("preflight.fix.optimizer_all_params.why"),
                    )
                ],
            )
        )
    if cov.total and ratio < TINY_TRAINABLE_RATIO:
        findings.append(
            Finding(
                code="TM1001",
                rule="tiny-trainable-ratio",
                symptom="stuck_at_chance",
                severity="warning",
                series="parameters",
                message=msg(
                    "preflight.finding.tiny_ratio",
                    trained=cov.optimized,
                    total=cov.total,
                    ratio=ratio * 100,
                    threshold=TINY_TRAINABLE_RATIO * 100,
                ),
            )
        )
        if not cov.missed:
            diagnoses.append(
                Diagnosis(
                    cause="frozen_backbone",
                    confidence=0.6,
                    findings=["TM1001"],
                    title=msg("preflight.diag.frozen.title", ratio=ratio * 100),
                    explanation=msg("preflight.diag.frozen.explain", trained=cov.optimized, total=cov.total),
                    fixes=[Fix(action=msg("preflight.fix.unfreeze"), why=msg("preflight.fix.unfreeze.why"))],
                )
            )
    if cov.frozen_in_opt:
        findings.append(
            Finding(
                code="TM1003",
                rule="frozen-params-in-optimizer",
                symptom="wasted_compute",
                severity="info",
                series="parameters",
                message=msg("preflight.finding.frozen_in_opt", tensors=len(cov.frozen_in_opt)),
            )
        )
    return findings, diagnoses
