"""Preflight: check a model, a batch and an optimizer before training, in one call.

>>> report = trainmedic.preflight(model, batch, optimizer=optimizer)   # doctest: +SKIP
>>> print(report.to_text())                                             # doctest: +SKIP

What a hand-written pre-training check script does, automated: parameters per module and which of them the
optimizer holds, one forward and backward (loss finite, loss at init vs ln(K), gradients reaching every layer,
update-to-weight ratios), the data in the batch (and an eval loader), structural risks, and optionally whether the
model can overfit the one batch. The user's model, optimizer and random state are left exactly as they were.
"""

from __future__ import annotations

import math
import sys
import types
from collections.abc import Iterable
from typing import Any, Callable, Optional

from ..findings import Finding
from ..i18n import msg
from ..report.model import Draft, Report, Table

__all__ = ["preflight"]


def _num_classes(num_classes: Optional[int], fw: Any, model: Any) -> Optional[int]:
    if num_classes:
        return int(num_classes)
    cfg = getattr(model, "config", None)
    if cfg is not None and getattr(cfg, "num_labels", None):
        return int(cfg.num_labels)
    logits = getattr(fw, "logits", None)
    if logits is not None and getattr(logits, "dim", lambda: 0)() >= 2 and fw.loss_kind in ("cross_entropy", "model"):
        return int(logits.shape[-1])
    if fw is None:
        # The forward crashed (out-of-range labels do that): the last layer's width is the number of classes.
        widths = [m.out_features for m in model.modules() if hasattr(m, "out_features")]
        return int(widths[-1]) if widths else None
    return None


def _batch_shape(inputs: Any) -> tuple:
    """(batch size, sequence length) of the first input tensor (sequence length when it has a second dimension)."""
    from .data import tensors_of

    for _, t in tensors_of(inputs):
        if t.dim() >= 1:
            return int(t.shape[0]), (int(t.shape[1]) if t.dim() >= 2 else None)
    return None, None


def preflight(
    model: Any,
    batch: Any,
    *,
    loss_fn: Optional[Callable] = None,
    optimizer: Optional[Any] = None,
    num_classes: Optional[int] = None,
    eval_loader: Optional[Iterable] = None,
    overfit_steps: int = 0,
    autocast_dtype: Any = None,
    per_device_batch: Optional[int] = None,
    max_grad_norm: Optional[float] = None,
    lang: str = "en",
) -> Report:
    """Check a training setup before training; returns ``Report(kind="preflight")``.

    ``batch``: an HF-style dict with ``labels``, an ``(inputs, labels)`` tuple, or anything ``loss_fn`` takes.
    ``loss_fn(model, batch) -> loss`` is the same contract as the Monitor's (a tensor, or a dict/output holding
    ``loss``); without it the model's own loss (HF) or cross-entropy on ``(inputs, labels)`` is used. A criterion
    such as ``nn.CrossEntropyLoss()`` is refused with the line to write instead. ``autocast_dtype``,
    ``per_device_batch`` and ``max_grad_norm`` describe the training settings the structural checks judge.
    """
    import torch

    from ..lossfn import check_loss_fn

    loss_fn = check_loss_fn(loss_fn, "preflight")

    from . import data, gradients, params, structure
    from .batch import forward, split_batch
    from .state import Preserved

    report = Draft(kind="preflight", lang=lang)
    findings: list = []
    diagnoses: list = []

    cov = params.coverage(model, optimizer)
    report.tables.append(params.parameter_table(cov))
    if optimizer is not None:
        report.tables.append(params.optimizer_table(model, optimizer))
    f, d = params.check(cov, optimizer)
    findings += f
    diagnoses += d

    inputs, labels = split_batch(batch)
    bsz, seq_len = _batch_shape(inputs)
    per_device_batch = per_device_batch if per_device_batch is not None else bsz
    fw = None
    with Preserved(model, optimizer):
        model.train()
        for p in model.parameters():
            p.grad = None
        try:
            fw = forward(model, batch, loss_fn, autocast_dtype)
        except Exception as exc:  # noqa: BLE001 - a crash in the user's forward is a finding, not a preflight bug
            findings.append(
                Finding(
                    code="TM1000",
                    rule="forward-failed",
                    symptom="nonfinite",
                    severity="error",
                    series="forward",
                    message=msg("preflight.finding.forward_failed", error=f"{type(exc).__name__}: {exc}"),
                )
            )
        k = _num_classes(num_classes, fw, model)
        f, d, table = data.check_batch(inputs, labels, k)
        findings += f
        diagnoses += d
        report.tables.append(table)
        bad_inputs = any(x.code == "TM1010" for x in f)
        if fw is not None and fw.loss is not None:
            f, d, value = data.check_loss(fw.loss, k, fw.loss_kind, bad_inputs, autocast_dtype is not None)
            findings += f
            diagnoses += d
            report.extra["preflight"] = {
                "loss_at_init": value,
                "num_classes": k,
                "chance_loss": (math.log(k) if k and k > 1 else None),
            }
            if value is not None and torch.isfinite(fw.loss.detach()).item() and fw.loss.requires_grad:
                fw.loss.backward()
                res = gradients.analyse(model, optimizer)
                report.tables.append(gradients.gradient_table(res))
                f, d = gradients.check(res)
                findings += f
                diagnoses += d
        f, d = structure.check(
            model,
            fw,
            autocast_dtype=autocast_dtype,
            per_device_batch=per_device_batch,
            max_grad_norm=max_grad_norm,
            seq_len=seq_len,
        )
        findings += f
        diagnoses += d
        if eval_loader is not None:
            f, d, counts = data.check_eval_loader(eval_loader)
            findings += f
            diagnoses += d
            report.tables.append(
                Table(
                    title=msg("preflight.table.eval"),
                    key="eval_classes",
                    columns=[msg("preflight.col.class"), msg("preflight.col.count")],
                    rows=[[c, n] for c, n in sorted(counts.items())],
                )
            )
        fw = None  # drop the graph before restoring
        if overfit_steps > 0:
            from .overfit import overfit

            lr_cannot_move = any(x.code == "TM1008" for x in findings)  # the update-to-weight ratio says so
            f, d, losses = overfit(
                model, batch, loss_fn, optimizer, overfit_steps, max_grad_norm, lr_cannot_move=lr_cannot_move
            )
            findings += f
            diagnoses += d
            report.extra.setdefault("preflight", {})["overfit_losses"] = [round(x, 6) for x in losses]
    report.extra.setdefault("preflight", {}).update(
        total_params=cov.total,
        trainable_params=cov.trainable,
        optimized_params=cov.optimized,
        trained_ratio=(cov.optimized / cov.total) if cov.total else None,
    )
    report.findings = findings
    report.diagnoses = sorted(diagnoses, key=lambda x: -x.confidence)
    worst = [x for x in findings if x.severity in ("warning", "error")]
    report.conclusion = (
        msg("preflight.conclusion.problems", count=len(worst), first=worst[0].message)
        if worst
        else msg("preflight.conclusion.ok")
    )
    return report.build()


class _CallableModule(types.ModuleType):
    """Importing this package makes ``trainmedic.preflight`` the package, not the function (Python sets the
    submodule as an attribute of its parent). Calling the package calls :func:`preflight`, so that
    ``trainmedic.preflight(model, batch)`` works whatever was imported first."""

    def __call__(self, *args: Any, **kwargs: Any) -> Report:
        return preflight(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
