"""Overfit one batch: a few dozen steps on a deep copy of the model with a copy of the optimizer settings. A model
that cannot drive the loss down on the one batch it sees over and over will not learn from the data set."""

from __future__ import annotations

import copy
import math
from typing import Any, Callable, Optional

from ..findings import Diagnosis, Finding, Fix
from ..i18n import msg
from .batch import forward

OVERFIT_FINDING = {
    "no_params": "preflight.finding.overfit.no_params",
    "nonfinite": "preflight.finding.overfit.nonfinite",
    "rises": "preflight.finding.overfit.rises",
    "flat": "preflight.finding.overfit.flat",
    "thin": "preflight.finding.overfit.thin",
}
OVERFIT_TITLE = {
    "no_params": "preflight.diag.overfit.no_params.title",
    "nonfinite": "preflight.diag.overfit.nonfinite.title",
    "rises": "preflight.diag.overfit.rises.title",
    "flat": "preflight.diag.overfit.flat.title",
}

# On one repeated batch the loss must lose at least this fraction of its start within the steps given: a working
# setup at a from-scratch lr loses 10-90% in a few dozen steps; a stuck one (no parameters reached, lr far too low)
# stays within a percent of where it began.
MIN_FALL = 0.1
# ... but a pretrained model at a fine-tuning lr (2e-5) moves the loss by well under a percent in 30 steps: a flat
# loss over fewer than this many steps is thin evidence (info), unless the update-to-weight ratio (TM1008) also
# says the lr cannot move the weights. No parameter reached, or a NaN, is conclusive at any length.
CONFIDENT_STEPS = 200
# A loss that rises by more than this share of its start on a batch it sees every step: the steps are too large.
MIN_RISE = 0.1
# Optimizer used when the user gives none (the check is then about the model and loss, not the optimizer).
DEFAULT_LR = 1e-3


def _copy_optimizer(model_copy: Any, model: Any, optimizer: Optional[Any]) -> Any:
    import torch

    if optimizer is None:
        return torch.optim.Adam([p for p in model_copy.parameters() if p.requires_grad], lr=DEFAULT_LR)
    by_id = {id(p): n for n, p in model.named_parameters()}
    copies = dict(model_copy.named_parameters())
    groups = []
    for g in optimizer.param_groups:
        params = [copies[by_id[id(p)]] for p in g["params"] if id(p) in by_id]
        groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": params})
    try:
        return type(optimizer)(groups, **optimizer.defaults)
    except TypeError:  # an optimizer whose defaults are not all constructor arguments; the groups carry them anyway
        return type(optimizer)(groups)


def overfit(
    model: Any,
    batch: Any,
    loss_fn: Optional[Callable],
    optimizer: Optional[Any],
    steps: int,
    max_grad_norm: Optional[float] = None,
    *,
    lr_cannot_move: bool = False,
) -> tuple:
    """(findings, diagnoses, losses) of training a copy of the model on the batch for ``steps`` steps."""
    import torch

    clone = copy.deepcopy(model)
    clone.train()
    opt = _copy_optimizer(clone, model, optimizer)
    params = [p for g in opt.param_groups for p in g["params"]]
    losses = []
    reached = False
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        fw = forward(clone, batch, loss_fn)
        if fw.loss is None:
            break
        losses.append(float(fw.loss.detach().float()))
        if not math.isfinite(losses[-1]):
            break
        fw.loss.backward()
        reached = reached or any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in params)
        if max_grad_norm:
            torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
        opt.step()
    del clone
    findings, diagnoses = [], []
    if len(losses) < 2:
        return findings, diagnoses, losses
    first, last = losses[0], losses[-1]
    fell = math.isfinite(last) and last < first - MIN_FALL * abs(first)
    if fell:
        return findings, diagnoses, losses
    lr = opt.param_groups[0].get("lr") if opt.param_groups else None
    severity = "error"
    if not params or not reached:
        reason, cause = "no_params", "optimizer_misses_params"
    elif not math.isfinite(last):
        reason, cause = "nonfinite", "lr_too_high"
    elif last > first + MIN_RISE * abs(first):
        reason, cause, severity = "rises", "lr_too_high", "warning"
    elif len(losses) >= CONFIDENT_STEPS or lr_cannot_move:
        reason, cause, severity = "flat", "lr_too_low", "warning"
    else:
        reason, cause, severity = "thin", "", "info"  # too few steps to tell a slow fine-tune from a stuck one
    findings.append(
        Finding(
            code="TM1030",
            rule="cannot-overfit-one-batch",
            symptom="stuck_at_chance",
            severity=severity,
            series="train/loss",
            message=msg(
                OVERFIT_FINDING[reason],
                steps=len(losses),
                first=first,
                last=last,
                lr=lr,
                confident=CONFIDENT_STEPS,
            ),
        )
    )
    if not cause:
        return findings, diagnoses, losses
    fixes = []
    if cause == "lr_too_low" and lr:
        fixes.append(Fix(param="lr", from_=lr, to=lr * 10, why=msg("preflight.fix.overfit_lr_up.why")))
    elif cause == "lr_too_high" and lr:
        fixes.append(Fix(param="lr", from_=lr, to=lr / 10, why=msg("preflight.fix.overfit_lr_down.why")))
    else:
        fixes.append(
            Fix(action=msg("preflight.fix.optimizer_all_params"), why=msg("preflight.fix.optimizer_all_params.why"))
        )
    diagnoses.append(
        Diagnosis(
            cause=cause,
            confidence=0.5,
            findings=["TM1030"],
            fixes=fixes,
            title=msg(OVERFIT_TITLE[reason]),
            explanation=msg("preflight.diag.overfit.explain", first=first, last=last, steps=len(losses)),
        )
    )
    return findings, diagnoses, losses
