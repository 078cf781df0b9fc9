"""A canonical fix in the run's own framework: ``Fix(param="max_grad_norm", to=1.0)`` becomes
``torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)`` before ``optimizer.step()`` in a plain PyTorch loop,
``TrainingArguments(max_grad_norm=1.0)`` for the Hugging Face Trainer, ``Trainer(gradient_clip_val=1.0)`` for
Lightning. Causes write fixes with canonical keys (:data:`trainmedic.run.CONFIG_KEYS`); :func:`express` is the one
place that turns them into the line to write, and :func:`trainmedic.causes.infer` applies it to every fix.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

from ..findings import Fix
from ..i18n import Msg
from ..run import Run

FRAMEWORKS = ("torch", "hf", "lightning", "accelerate")
# Canonical keys with a spelling in every framework (catalog ``fix.how.<framework>.<key>``).
EXPRESSED = ("max_grad_norm", "lr", "warmup_steps", "per_device_batch", "grad_accum", "precision", "weight_decay")
# How the readers and the integrations name the loop: the launcher, else the format of the artifacts.
LAUNCHERS = {"hf-trainer": "hf", "lightning": "lightning", "accelerate": "accelerate"}
FORMATS = {"hf-trainer": "hf", "lightning-csv": "lightning"}


def framework_of(run: Run) -> Optional[str]:
    """The framework of a run: the live guard's ``framework``, else its launcher, else what its files are."""
    fw = str(run.config.get("framework") or "").lower()
    if fw in FRAMEWORKS:
        return fw
    launcher = str(run.config.get("launcher") or "").lower()
    if launcher in LAUNCHERS:
        return LAUNCHERS[launcher]
    for src in run.sources:
        if src.format in FORMATS:
            return FORMATS[src.format]
    return None


def _value(param: str, to) -> object:
    """The value as the framework's setting writes it (``bf16`` precision is a flag, the others numbers)."""
    if param == "precision":
        return str(to).lower()
    return to


def express(fix: Fix, framework: Optional[str]) -> Fix:
    """``fix`` with its action written for ``framework`` (unchanged when the param has no spelling there, when the
    fix already says what to do, or when the framework is unknown)."""
    if framework not in FRAMEWORKS or fix.param not in EXPRESSED or fix.action is not None or fix.to is None:
        return fix
    key = f"fix.how.{framework}.{fix.param}"
    if fix.param == "precision":
        key += "." + ("bf16" if "bf" in str(fix.to).lower() else "fp16" if "16" in str(fix.to) else "fp32")
    return replace(fix, action=Msg(key, {"to": _value(fix.param, fix.to)}))
