"""Risks read from the model's structure and the training settings, before any step is taken:
recurrent layers under bf16/fp16 over long sequences, recurrent layers without clipping, BatchNorm with tiny
per-device batches, probabilities fed to CrossEntropyLoss (double softmax), and sigmoid + BCELoss."""

from __future__ import annotations

from typing import Any, Optional

from ..findings import Diagnosis, Finding, Fix
from ..i18n import msg
from .batch import RECURRENT, Forward

# Messages by the squashing the model applies before a cross-entropy loss (full catalog keys).
DOUBLE_FINDING = {"softmax": "preflight.finding.double_softmax", "log_softmax": "preflight.finding.double_log_softmax"}
DOUBLE_FIX = {"softmax": "preflight.fix.double_softmax", "log_softmax": "preflight.fix.double_log_softmax"}

# Backprop through time multiplies one Jacobian per step; over ~512+ steps bf16/fp16 (8/10 mantissa bits) lose the
# gradient to rounding or overflow (an LSTM over 4096 tokens under bf16 went NaN at step 2100).
LONG_SEQUENCE = 512
# BatchNorm estimates mean and variance from the per-device batch; below 4 samples the estimate is noise.
BN_MIN_BATCH = 4
# Outputs whose rows sum to 1 within this tolerance are probabilities, not logits.
PROB_SUM_TOL = 1e-3


def recurrent_modules(model: Any) -> list:
    """Names of the recurrent modules (RNN, LSTM, GRU and their cells)."""
    import torch

    return [
        n
        for n, m in model.named_modules()
        if isinstance(m, torch.nn.RNNBase)
        and type(m).__name__ in RECURRENT
        or type(m).__name__ in ("LSTMCell", "GRUCell", "RNNCell")
    ]


def batchnorm_modules(model: Any) -> list:
    """Names of the batch-norm modules."""
    import torch

    return [n for n, m in model.named_modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]


def _is_probabilities(t: Any) -> Optional[str]:
    """'softmax' when rows are probabilities, 'log_softmax' when they are log-probabilities, else None."""
    import torch

    if not isinstance(t, torch.Tensor) or t.dim() < 2 or t.shape[-1] < 2 or not t.is_floating_point():
        return None
    x = t.detach().float()
    if (x >= 0).all() and torch.allclose(x.sum(-1), torch.ones(()), atol=PROB_SUM_TOL):
        return "softmax"
    if (x <= 0).all() and torch.allclose(x.exp().sum(-1), torch.ones(()), atol=PROB_SUM_TOL):
        return "log_softmax"
    return None


def check(
    model: Any,
    fw: Optional[Forward],
    *,
    autocast_dtype: Any,
    per_device_batch: Optional[int],
    max_grad_norm: Optional[float],
    seq_len: Optional[int],
) -> tuple:
    """(findings, diagnoses) for the structural risks."""
    import torch

    findings, diagnoses = [], []
    rnns = recurrent_modules(model)
    lengths = dict(fw.recurrent_lengths) if fw else {}
    longest = max(lengths.values(), default=seq_len or 0)
    low_precision = autocast_dtype in (torch.bfloat16, torch.float16)
    if rnns and low_precision and longest >= LONG_SEQUENCE:
        dtype = str(autocast_dtype).replace("torch.", "")
        findings.append(
            Finding(
                code="TM1020",
                rule="recurrent-long-sequence-low-precision",
                symptom="nonfinite",
                severity="warning",
                series="structure",
                message=msg(
                    "preflight.finding.rnn_amp",
                    modules=list(rnns),
                    length=longest,
                    dtype=dtype,
                    limit=LONG_SEQUENCE,
                ),
            )
        )
        fixes = [
            Fix(action=msg("preflight.fix.rnn_fp32", module=rnns[0]), why=msg("preflight.fix.rnn_fp32.why")),
            Fix(param="max_grad_norm", from_=max_grad_norm or 0.0, to=1.0, why=msg("preflight.fix.clip.why")),
        ]
        diagnoses.append(
            Diagnosis(
                cause="recurrent_long_sequence",
                confidence=0.7,
                findings=["TM1020"],
                fixes=fixes,
                title=msg("preflight.diag.rnn_amp.title", dtype=dtype, length=longest),
                explanation=msg("preflight.diag.rnn_amp.explain", length=longest, dtype=dtype),
            )
        )
        diagnoses.append(
            Diagnosis(
                cause="mixed_precision_overflow",
                confidence=0.5,
                findings=["TM1020"],
                fixes=fixes[:1],
                title=msg("preflight.diag.amp.title"),
                explanation=msg("preflight.diag.amp.explain"),
            )
        )
    if rnns and not max_grad_norm:
        findings.append(
            Finding(
                code="TM1021",
                rule="recurrent-without-clipping",
                symptom="gradient_explosion",
                severity="warning",
                series="structure",
                message=msg("preflight.finding.rnn_no_clip", modules=list(rnns)),
            )
        )
        diagnoses.append(
            Diagnosis(
                cause="no_grad_clipping",
                confidence=0.6,
                findings=["TM1021"],
                title=msg("preflight.diag.no_clip.title"),
                explanation=msg("preflight.diag.no_clip.explain"),
                fixes=[
                    Fix(param="max_grad_norm", from_=max_grad_norm or 0.0, to=1.0, why=msg("preflight.fix.clip.why"))
                ],
            )
        )
    bns = batchnorm_modules(model)
    if bns and per_device_batch is not None and per_device_batch < BN_MIN_BATCH:
        findings.append(
            Finding(
                code="TM1022",
                rule="batchnorm-small-batch",
                symptom="oscillation",
                severity="warning",
                series="structure",
                message=msg("preflight.finding.bn_small", modules=bns[:4], batch=per_device_batch, limit=BN_MIN_BATCH),
            )
        )
        diagnoses.append(
            Diagnosis(
                cause="batchnorm_small_batch",
                confidence=0.7,
                findings=["TM1022"],
                title=msg("preflight.diag.bn.title", batch=per_device_batch),
                explanation=msg("preflight.diag.bn.explain", batch=per_device_batch),
                fixes=[
                    Fix(action=msg("preflight.fix.bn"), why=msg("preflight.fix.bn.why")),
                    Fix(
                        param="per_device_batch",
                        from_=per_device_batch,
                        to=BN_MIN_BATCH * 4,
                        why=msg("preflight.fix.bn_batch.why"),
                    ),
                ],
            )
        )
    if fw is not None:
        findings_l, diagnoses_l = _loss_output(fw)
        findings += findings_l
        diagnoses += diagnoses_l
    return findings, diagnoses


def _loss_output(fw: Forward) -> tuple:
    """Double softmax and sigmoid + BCELoss."""
    findings, diagnoses = [], []
    logits = fw.logits
    hooked = next((kind for _, kind, out in fw.prob_outputs if out is logits), None)
    kind = hooked or _is_probabilities(logits)
    if fw.loss_kind in ("cross_entropy", "model") and kind in ("softmax", "log_softmax"):
        module = next((name for name, k, out in fw.prob_outputs if out is logits), "")
        findings.append(
            Finding(
                code="TM1023",
                rule="softmax-into-cross-entropy",
                symptom="stuck_at_chance",
                severity="error",
                series="structure",
                message=msg(DOUBLE_FINDING[kind], module=module or "forward"),
            )
        )
        diagnoses.append(
            Diagnosis(
                cause="loss_output_mismatch",
                confidence=0.9,
                findings=["TM1023"],
                title=msg("preflight.diag.double_softmax.title"),
                explanation=msg("preflight.diag.double_softmax.explain"),
                fixes=[Fix(action=msg(DOUBLE_FIX[kind]), why=msg("preflight.fix.double_softmax.why"))],
            )
        )
    if fw.loss_kind == "bce":
        findings.append(
            Finding(
                code="TM1024",
                rule="sigmoid-with-bceloss",
                symptom="nonfinite",
                severity="warning",
                series="structure",
                message=msg("preflight.finding.bce"),
            )
        )
        diagnoses.append(
            Diagnosis(
                cause="loss_output_mismatch",
                confidence=0.6,
                findings=["TM1024"],
                title=msg("preflight.diag.bce.title"),
                explanation=msg("preflight.diag.bce.explain"),
                fixes=[Fix(action=msg("preflight.fix.bce"), why=msg("preflight.fix.bce.why"))],
            )
        )
    return findings, diagnoses
