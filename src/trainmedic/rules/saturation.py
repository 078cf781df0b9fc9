"""Non-finite values in disguise: a loss pinned at a clamping constant, and an fp16 loss scale that collapsed.

Some frameworks never print NaN. Caffe's softmax loss clamps a probability of 0 to FLT_MIN, so a model whose logits
overflowed reports 87.3365 = -ln(FLT_MIN) forever; PyTorch's BCELoss clamps its log at -100; Keras clips
probabilities at 1e-7 (16.118). And mixed-precision training hides NaN gradients behind its dynamic loss scaler,
which halves the scale at every overflow: a scale that keeps falling to its minimum means every step overflows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..findings import Facts, Finding, Position, Severity
from ..i18n import Msg
from ..run import Run
from . import Params, param, rule
from .curves import eval_losses, evidence, make_finding, series_of, train_loss

# -ln of the smallest probability a framework lets through, by what it is: the loss a model scores when it gives
# the true class probability zero (its logits overflowed, or went NaN and were clamped).
SATURATION = {
    "-ln(FLT_MIN), float32's smallest normal number": -math.log(np.finfo(np.float32).tiny),  # 87.3365 (Caffe)
    "-ln of float32's smallest subnormal number": -math.log(1.401298464324817e-45),  # 103.2789
    "-ln(DBL_MIN), float64's smallest normal number": -math.log(np.finfo(np.float64).tiny),  # 708.3964
    "-ln of float16's smallest normal number": -math.log(float(np.finfo(np.float16).tiny)),  # 9.7041
    "-ln(1e-7), the probability clip of Keras' cross-entropy": -math.log(1e-7),  # 16.1181
    "-ln(1e-8)": -math.log(1e-8),  # 18.4207
    "-ln(1e-12)": -math.log(1e-12),  # 27.6310
    "100, the clamp of PyTorch's BCELoss on log(0)": 100.0,
}
MIN_SCALE_MESSAGE = re.compile(
    r"minimum loss scale reached|loss scale (?:has )?reached (?:its )?minimum", re.IGNORECASE
)


@dataclass(frozen=True)
class SaturationParams(Params):
    """Thresholds of TM104: how close to a clamping constant, and for how long, a loss must sit."""

    rel_tol: float = param(
        1e-3,
        "a loss within 0.1% of a clamping constant sits on it (ordinary losses do not "
        "land there by chance, let alone stay)",
    )
    min_points: int = param(2, "consecutive logged points on the constant, and every later point")


@dataclass(frozen=True)
class LossScaleParams(Params):
    """Thresholds of TM103: how far the fp16 loss scale must fall."""

    collapse_factor: float = param(
        256.0,
        "the scale fell this many times below its highest logged value: eight "
        "overflows in a row with no successful step between them",
    )
    floor: float = param(2.0**-10, "a scale this small means the unscaled gradients themselves overflow fp16")


@dataclass(frozen=True)
class SaturationFacts(Facts):
    """A loss pinned at a clamping constant (``kind`` "clamped") or a collapsed loss scale ("loss_scale")."""

    kind: str
    value: float
    constant: Optional[float] = None
    meaning: str = ""
    highest: Optional[float] = None


def _clamped(values: np.ndarray, p: SaturationParams) -> Optional[tuple]:
    """(first index, constant, meaning) when the finite values end pinned at a clamping constant."""
    ok = np.isfinite(values)
    if int(np.count_nonzero(ok)) < p.min_points:
        return None
    last = float(values[len(values) - 1 - int(np.argmax(ok[::-1]))])
    pinned = [(meaning, c) for meaning, c in SATURATION.items() if abs(last - c) <= p.rel_tol * c]
    if not pinned:
        return None  # the last finite value is at no constant: nothing ends pinned (no array built)
    fin = np.flatnonzero(ok)
    for meaning, c in pinned:
        on = np.abs(values[fin] - c) <= p.rel_tol * c
        if not on[-1]:
            continue
        off = np.flatnonzero(~on)
        first = int(off[-1]) + 1 if off.size else 0
        if on.size - first >= p.min_points:
            return int(fin[first]), c, meaning
    return None


@rule("TM104", "clamped-loss", symptom="nonfinite", severity="error", params=SaturationParams)
def check_clamped_loss(run: Run, p: SaturationParams) -> list:
    """Loss pinned at a clamping constant such as 87.3365 = -ln(FLT_MIN): a non-finite loss in disguise.

    What it does:
        Finds a train or eval loss that ends pinned (at least {min_points} consecutive points, within {rel_tol}
        relative) at the value a framework writes when the true class gets probability 0: 87.3365 (Caffe,
        -ln FLT_MIN), 103.28, 708.40, 9.704 (float16), 16.118 (Keras' 1e-7 clip), 18.42, 27.63, and 100 (PyTorch's
        BCELoss).
    Why it matters:
        The loss is not a number the model earned: the logits overflowed (or went NaN) and the loss function clamped
        the probability. The weights are as broken as after a NaN, and the accuracy beside it means nothing.
    Example:
        `Iteration 1170, loss = 87.3365` and `loss = 87.3365` at every later iteration.
    Fix:
        Treat it as a NaN: lower the learning rate (by 10x), check the inputs for NaN or huge values, normalise them,
        initialise the last layer with small weights; resume from a checkpoint before the loss reached the constant.
    """
    out = []
    for group in run.groups:
        for s in [train_loss(run, group), *eval_losses(run, group)]:
            if s is None:
                continue
            hit = _clamped(s.values, p)
            if hit is None:
                continue
            i, c, meaning = hit
            fin = np.flatnonzero(np.isfinite(s.values))
            ev = [evidence(s, i, Msg("rule.TM104.ev_on")), evidence(s, int(fin[-1]), Msg("rule.TM104.ev_on"))]
            if i > int(fin[0]):
                ev.insert(0, evidence(s, int(fin[fin < i][-1]), Msg("rule.TM104.ev_before")))
            out.append(
                make_finding(
                    "TM104",
                    s,
                    i,
                    ev=ev,
                    until=int(fin[-1]),
                    params={"value": float(s.values[i]), "constant": round(c, 4), "meaning": meaning},
                    facts=SaturationFacts(kind="clamped", value=float(s.values[i]), constant=c, meaning=meaning),
                )
            )
            break  # one per model group: the train loss first
    return out


@rule("TM103", "loss-scale-collapse", symptom="nonfinite", severity="error", params=LossScaleParams)
def check_loss_scale(run: Run, p: LossScaleParams) -> list:
    """The fp16 loss scale collapsed: every step overflows, the gradients are non-finite.

    What it does:
        Reads the dynamic loss scale of a mixed-precision run (Apex, fairseq, DeepSpeed, Megatron): it collapsed when
        it ends {collapse_factor}x below its highest logged value, or below {floor}, or the framework says the
        minimum loss scale was reached. Reported where the final fall began.
    Why it matters:
        The scaler halves the scale at each overflow and skips the step; a healthy run overflows now and then and
        recovers. A scale that only falls means no step succeeds any more: the loss or the weights have already gone
        to inf/NaN (often after a divergence the lr or a too small batch caused), and the run ends in
        FloatingPointError or trains on nothing.
    Example:
        `overflow detected, setting loss scale to: 0.25` ... `to: 0.0001220703125`, then `Minimum loss scale
        reached`.
    Fix:
        Resume from the last checkpoint before the fall with a lower lr (or a larger batch) and gradient clipping;
        run the overflowing module in float32, or use bf16 (which needs no loss scaling).
    """
    out = []
    for s in series_of(run, split="train", metric="loss_scale"):
        v = s.values
        fin = np.flatnonzero(np.isfinite(v) & (v > 0))
        if not fin.size:
            continue
        highest, last = float(np.max(v[fin])), float(v[fin[-1]])
        if not (last <= highest / p.collapse_factor or last <= p.floor):
            continue
        # The final fall: the last point at the highest value, then the first point below it after that.
        peak = int(fin[np.flatnonzero(v[fin] == highest)[-1]])
        after = fin[fin > peak]
        i = int(after[0]) if after.size else int(fin[-1])
        ev = [evidence(s, peak, Msg("rule.TM103.ev_high")), evidence(s, int(fin[-1]), Msg("rule.TM103.ev_last"))]
        out.append(
            make_finding(
                "TM103",
                s,
                i,
                ev=ev,
                until=int(fin[-1]),
                params={"highest": highest, "last": last, "factor": round(highest / last)},
                facts=SaturationFacts(kind="loss_scale", value=last, highest=highest),
            )
        )
    if not out:
        for e in run.events:
            if MIN_SCALE_MESSAGE.search(e.message or ""):
                loss = train_loss(run, None)
                at = Position.of(e.at())
                out.append(
                    Finding(
                        code="TM103",
                        rule="loss-scale-collapse",
                        symptom="nonfinite",
                        severity=Severity.ERROR,
                        series=loss.name if loss is not None else "",
                        message=Msg("rule.TM103.message_event", {"line": e.message.strip(), "where": at.where()}),
                        at=at,
                        facts=SaturationFacts(kind="loss_scale", value=float("nan")),
                    )
                )
                break
    return out
