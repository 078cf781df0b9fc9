"""After one backward pass: which layers get no gradient or a zero one, per-layer gradient norms, and how large one
optimizer step would be relative to each layer's weights (update-to-weight ratio) at the configured lr."""

from __future__ import annotations

import math
from typing import Any, Optional

from ..findings import Diagnosis, Finding, Fix
from ..i18n import msg
from ..report.model import Table
from .params import COLUMNS

# One step should move a layer by about 1e-3 of its norm (a common rule of thumb for healthy training). Above 0.1 a
# single step rewrites a tenth of the layer: pretrained features are destroyed and the loss tends to diverge.
UPDATE_RATIO_HIGH = 0.1
# When every layer moves by less than 1e-6 of its norm per step, a million steps barely change the model.
UPDATE_RATIO_LOW = 1e-6
# Optimizers whose step has a per-element size of about lr whatever the gradient scale.
ADAPTIVE = ("adam", "rmsprop", "adagrad", "adadelta", "adafactor", "lion", "lamb", "nadam", "radam")


def _layer(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else name


def param_lrs(optimizer: Optional[Any]) -> dict:
    """``id(parameter)`` -> the learning rate of the optimizer group holding it."""
    out = {}
    if optimizer is not None:
        for g in optimizer.param_groups:
            for p in g["params"]:
                out[id(p)] = g.get("lr")
    return out


def analyse(model: Any, optimizer: Optional[Any]) -> dict:
    """Per layer: numel, grad norm, weight norm, update ratio, and the trainable tensors without/with zero gradient."""
    adaptive = optimizer is not None and any(a in type(optimizer).__name__.lower() for a in ADAPTIVE)
    lrs = param_lrs(optimizer)
    layers: dict = {}
    no_grad, zero_grad = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        row = layers.setdefault(_layer(name), {"numel": 0, "g2": 0.0, "w2": 0.0, "upd2": 0.0, "lr": None})
        row["numel"] += p.numel()
        w = p.detach().float()
        row["w2"] += float(w.pow(2).sum())
        lr = lrs.get(id(p))
        row["lr"] = lr if lr is not None else row["lr"]
        if p.grad is None:
            no_grad.append(name)
            continue
        g = p.grad.detach().float()
        g2 = float(g.pow(2).sum())
        if g2 == 0.0:
            zero_grad.append(name)
        row["g2"] += g2
        if lr is not None:
            row["upd2"] += (lr * lr * p.numel()) if adaptive else (lr * lr * g2)
    for row in layers.values():
        row["grad_norm"] = math.sqrt(row["g2"])
        row["weight_norm"] = math.sqrt(row["w2"])
        row["update_ratio"] = (
            math.sqrt(row["upd2"]) / row["weight_norm"] if row["lr"] is not None and row["weight_norm"] > 0 else None
        )
    return {"layers": layers, "no_grad": no_grad, "zero_grad": zero_grad, "adaptive": adaptive}


def gradient_table(res: dict) -> Table:
    """The per-layer gradient table: parameters, gradient and weight norms, lr and update ratio."""
    rows = []
    for layer, r in res["layers"].items():
        ratio = r["update_ratio"]
        rows.append(
            [
                layer,
                r["numel"],
                float(f"{r['grad_norm']:.4g}"),
                float(f"{r['weight_norm']:.4g}"),
                r["lr"],
                None if ratio is None else float(f"{ratio:.3g}"),
            ]
        )
    cols = ["layer", "params", "grad_norm", "weight_norm", "lr", "update_ratio"]
    return Table(
        title=msg("preflight.table.gradients"), key="gradients", columns=[msg(COLUMNS[c]) for c in cols], rows=rows
    )


def check(res: dict) -> tuple:
    """``(findings, diagnoses)`` from one backward pass: tensors without gradient or with an all-zero one, and updates
    far too large or too small for their weights."""
    findings, diagnoses = [], []
    layers = res["layers"]
    if res["no_grad"]:
        mods = sorted({_layer(n) for n in res["no_grad"]})
        findings.append(
            Finding(
                code="TM1005",
                rule="no-gradient",
                symptom="vanishing_gradient",
                severity="error",
                series="gradients",
                message=msg("preflight.finding.no_grad", tensors=len(res["no_grad"]), layers=mods[:8]),
            )
        )
        diagnoses.append(
            Diagnosis(
                cause="vanishing_gradients",
                confidence=0.6,
                findings=["TM1005"],
                title=msg("preflight.diag.no_grad.title"),
                explanation=msg("preflight.diag.no_grad.explain", layers=mods[:8]),
                fixes=[Fix(action=msg("preflight.fix.no_grad"), why=msg("preflight.fix.no_grad.why"))],
            )
        )
    if res["zero_grad"]:
        mods = sorted({_layer(n) for n in res["zero_grad"]})
        findings.append(
            Finding(
                code="TM1006",
                rule="zero-gradient",
                symptom="vanishing_gradient",
                severity="warning",
                series="gradients",
                message=msg("preflight.finding.zero_grad", tensors=len(res["zero_grad"]), layers=mods[:8]),
            )
        )
        diagnoses.append(
            Diagnosis(
                cause="dead_units",
                confidence=0.4,
                findings=["TM1006"],
                title=msg("preflight.diag.zero_grad.title"),
                explanation=msg("preflight.diag.zero_grad.explain", layers=mods[:8]),
                fixes=[Fix(action=msg("preflight.fix.zero_grad"), why=msg("preflight.fix.zero_grad.why"))],
            )
        )
    ratios = {k: r["update_ratio"] for k, r in layers.items() if r["update_ratio"] is not None and r["g2"] > 0}
    high = {k: v for k, v in ratios.items() if v > UPDATE_RATIO_HIGH}
    if high:
        worst = max(high, key=high.get)
        lr = layers[worst]["lr"]
        findings.append(
            Finding(
                code="TM1007",
                rule="update-ratio-high",
                symptom="divergence",
                severity="warning",
                series="gradients",
                message=msg(
                    "preflight.finding.ratio_high", layer=worst, ratio=high[worst], limit=UPDATE_RATIO_HIGH, lr=lr
                ),
            )
        )
        target = lr * 1e-2 / high[worst] if lr else None
        diagnoses.append(
            Diagnosis(
                cause="lr_too_high",
                confidence=0.5,
                findings=["TM1007"],
                title=msg("preflight.diag.ratio_high.title", lr=lr),
                explanation=msg("preflight.diag.ratio_high.explain", layer=worst, ratio=high[worst]),
                fixes=[Fix(param="lr", from_=lr, to=float(f"{target:.2g}"), why=msg("preflight.fix.ratio_high.why"))]
                if target
                else [],
            )
        )
    if ratios and all(v < UPDATE_RATIO_LOW for v in ratios.values()):
        best = max(ratios, key=ratios.get)
        lr = layers[best]["lr"]
        findings.append(
            Finding(
                code="TM1008",
                rule="update-ratio-low",
                symptom="plateau",
                severity="warning",
                series="gradients",
                message=msg("preflight.finding.ratio_low", ratio=ratios[best], limit=UPDATE_RATIO_LOW, lr=lr),
            )
        )
        diagnoses.append(
            Diagnosis(
                cause="lr_too_low",
                confidence=0.5,
                findings=["TM1008"],
                title=msg("preflight.diag.ratio_low.title", lr=lr),
                explanation=msg("preflight.diag.ratio_low.explain", ratio=ratios[best]),
                fixes=[
                    Fix(
                        param="lr",
                        from_=lr,
                        to=float(f"{lr * 1e-3 / ratios[best]:.2g}"),
                        why=msg("preflight.fix.ratio_low.why"),
                    )
                ]
                if lr
                else [],
            )
        )
    return findings, diagnoses
