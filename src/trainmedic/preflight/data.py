"""The batch itself: NaN/Inf in inputs, labels outside [0, K), class counts, a one-class batch, a one-class eval set,
and the loss at initialisation against ln(K) (the loss of predicting the class prior uniformly)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Optional

from ..findings import Diagnosis, Finding, Fix
from ..i18n import msg
from ..report.model import Table
from .batch import IGNORE_INDEX, split_batch

# At init a classifier predicts roughly uniformly, so its cross-entropy is ln(K). A loss more than this many nats above
# ln(K) means overconfident initial outputs (a large output scale), which slows the first steps or spikes them.
INIT_LOSS_EXCESS = 1.0
# Batches read from an eval loader to judge its class balance: enough to see a second class, cheap on any loader.
EVAL_BATCHES = 50


def tensors_of(obj: Any, prefix: str = "input") -> Iterable:
    """``(name, tensor)`` for every tensor in a batch, however nested in dicts, lists and tuples."""
    import torch

    if isinstance(obj, torch.Tensor):
        yield prefix, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from tensors_of(v, str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from tensors_of(v, f"{prefix}[{i}]")


def nonfinite_inputs(inputs: Any, labels: Any) -> dict:
    """Input name -> count of NaN/inf entries, over the floating-point inputs other than the labels."""
    import torch

    out = {}
    for name, t in tensors_of(inputs):
        if t is labels or not t.is_floating_point():
            continue
        n = int((~torch.isfinite(t)).sum())
        if n:
            out[name] = n
    return out


def class_labels(labels: Any) -> Optional[Any]:
    """Integer class labels as a flat tensor without ignored positions, or None when labels are not classes."""
    import torch

    if not isinstance(labels, torch.Tensor) or labels.is_floating_point() or labels.is_complex():
        return None
    flat = labels.reshape(-1)
    return flat[flat != IGNORE_INDEX]


def check_batch(inputs: Any, labels: Any, k: Optional[int]) -> tuple:
    """(findings, diagnoses, data table) for the training batch."""
    import torch

    findings, diagnoses = [], []
    bad = nonfinite_inputs(inputs, labels)
    if bad:
        where = [f"{n} ({c})" for n, c in bad.items()]
        findings.append(
            Finding(
                code="TM1010",
                rule="nonfinite-inputs",
                symptom="nonfinite",
                severity="error",
                series="data",
                message=msg("preflight.finding.nonfinite_inputs", where=where),
            )
        )
        diagnoses.append(
            Diagnosis(
                cause="bad_input_data",
                confidence=0.9,
                findings=["TM1010"],
                title=msg("preflight.diag.bad_input.title"),
                explanation=msg("preflight.diag.bad_input.explain", where=where),
                fixes=[Fix(action=msg("preflight.fix.bad_input"), why=msg("preflight.fix.bad_input.why"))],
            )
        )
    rows = []
    cl = class_labels(labels)
    if cl is not None and cl.numel():
        counts = torch.bincount(cl.clamp(min=0)) if int(cl.min()) >= 0 else None
        lo, hi = int(cl.min()), int(cl.max())
        if k is not None and (lo < 0 or hi >= k):
            outside = int(((cl < 0) | (cl >= k)).sum())
            findings.append(
                Finding(
                    code="TM1011",
                    rule="labels-out-of-range",
                    symptom="nonfinite",
                    severity="error",
                    series="data",
                    message=msg("preflight.finding.labels_range", lo=lo, hi=hi, k=k, count=outside),
                )
            )
            diagnoses.append(
                Diagnosis(
                    cause="bad_labels",
                    confidence=0.9,
                    findings=["TM1011"],
                    title=msg("preflight.diag.bad_labels.title", k=k),
                    explanation=msg("preflight.diag.bad_labels.explain", lo=lo, hi=hi, k=k),
                    fixes=[
                        Fix(param="num_classes", from_=k, to=max(hi + 1, k), why=msg("preflight.fix.bad_labels.why"))
                    ],
                )
            )
        if counts is not None:
            rows = [[c, int(n)] for c, n in enumerate(counts.tolist()) if n]
        if cl.numel() > 1 and lo == hi:
            findings.append(
                Finding(
                    code="TM1012",
                    rule="one-class-batch",
                    symptom="degenerate_eval",
                    severity="warning",
                    series="data",
                    message=msg("preflight.finding.one_class_batch", label=lo, n=int(cl.numel())),
                )
            )
    table = Table(
        title=msg("preflight.table.data"),
        key="data",
        columns=[msg("preflight.col.class"), msg("preflight.col.count")],
        rows=rows,
    )
    return findings, diagnoses, table


def check_eval_loader(loader: Iterable) -> tuple:
    """(findings, diagnoses, class counts) of up to EVAL_BATCHES batches of an eval loader."""
    import torch

    counts: dict = {}
    for i, batch in enumerate(loader):
        if i >= EVAL_BATCHES:
            break
        _, labels = split_batch(batch)
        cl = class_labels(labels)
        if cl is None:
            return [], [], {}
        for c, n in zip(*torch.unique(cl, return_counts=True)):
            counts[int(c)] = counts.get(int(c), 0) + int(n)
    findings, diagnoses = [], []
    if len(counts) == 1:
        label, n = next(iter(counts.items()))
        findings.append(
            Finding(
                code="TM1013",
                rule="one-class-eval-set",
                symptom="degenerate_eval",
                severity="error",
                series="eval",
                message=msg("preflight.finding.one_class_eval", label=label, n=n),
            )
        )
        diagnoses.append(
            Diagnosis(
                cause="degenerate_eval_set",
                confidence=0.9,
                findings=["TM1013"],
                title=msg("preflight.diag.eval.title"),
                explanation=msg("preflight.diag.eval.explain", label=label),
                fixes=[Fix(action=msg("preflight.fix.eval"), why=msg("preflight.fix.eval.why"))],
            )
        )
    return findings, diagnoses, counts


def check_loss(loss: Any, k: Optional[int], kind: str, nonfinite_inputs_found: bool, autocast: bool) -> tuple:
    """(findings, diagnoses, loss value) for the loss at init."""
    findings, diagnoses = [], []
    if loss is None:
        return findings, diagnoses, None
    value = float(loss.detach().float())
    if not math.isfinite(value):
        findings.append(
            Finding(
                code="TM1004",
                rule="nonfinite-loss-at-init",
                symptom="nonfinite",
                severity="error",
                series="train/loss",
                message=msg("preflight.finding.nonfinite_loss", value=value),
            )
        )
        if not nonfinite_inputs_found and autocast:
            diagnoses.append(
                Diagnosis(
                    cause="mixed_precision_overflow",
                    confidence=0.5,
                    findings=["TM1004"],
                    title=msg("preflight.diag.amp.title"),
                    explanation=msg("preflight.diag.amp.explain"),
                    fixes=[Fix(action=msg("preflight.fix.amp"), why=msg("preflight.fix.amp.why"))],
                )
            )
        return findings, diagnoses, value
    if k and k > 1 and kind in ("cross_entropy", "model"):
        chance = math.log(k)
        if value > chance + max(INIT_LOSS_EXCESS, 0.5 * chance):
            findings.append(
                Finding(
                    code="TM1009",
                    rule="init-loss-vs-chance",
                    symptom="divergence",
                    severity="info",
                    series="train/loss",
                    message=msg("preflight.finding.init_loss_high", value=value, chance=chance, k=k),
                )
            )
    return findings, diagnoses, value
