"""A fix written in the run's framework: the Hugging Face Trainer gets ``TrainingArguments(...)``, Lightning
``Trainer(...)``, Keras the optimizer's arguments, a plain PyTorch loop the line of code and where it goes.

The framework is a config value (``framework``) that readers set where they know it; when none did, it is inferred
from the formats that were read (:func:`framework_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ..findings import Fix
from ..i18n import Msg
from ..run import Run

FRAMEWORKS = ("hf", "lightning", "accelerate", "keras", "torch", "unknown")
# What the formats read say about the code that wrote them.
FORMAT_FRAMEWORK = {"hf-trainer": "hf", "lightning-csv": "lightning"}
# The live log names the integration that fed the Monitor; a launcher names how a script was started.
LAUNCHER_FRAMEWORK = {
    "hf-trainer": "hf",
    "hf": "hf",
    "lightning": "lightning",
    "accelerate": "accelerate",
    "torchrun": "torch",
    "torch.distributed.launch": "torch",
    "deepspeed": "torch",
}
# Optimizer names as the config spells them -> the class a line of code builds.
OPTIMIZER_CLASS = {"adamw": "AdamW", "adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad"}


@dataclass(frozen=True)
class FixCode:
    """A change as code in the run's framework, with where it goes (None when the line says it all)."""

    code: str
    where: Optional[Msg] = None


def framework_of(run: Run) -> str:
    """``hf``, ``lightning``, ``accelerate``, ``keras``, ``torch`` or ``unknown`` for this run."""
    named = str(run.config.get("framework") or "").lower()
    if named in FRAMEWORKS:
        return named
    formats = [s.format for s in run.sources]
    for fmt in formats:
        if fmt in FORMAT_FRAMEWORK:
            return FORMAT_FRAMEWORK[fmt]
    for s in run.sources:
        if getattr(s, "framework", None) in FRAMEWORKS:
            return s.framework
    launcher = str(run.config.get("launcher") or "").lower()
    if launcher in LAUNCHER_FRAMEWORK:
        return LAUNCHER_FRAMEWORK[launcher]
    if "trainmedic-live" in formats:
        return "torch"  # the Monitor in a hand-written loop: the integrations name themselves as launcher
    if any(str(s.path).endswith(".py") for s in run.sources):
        return "torch"  # a training script was read: its loop is plain PyTorch unless something above said otherwise
    return "unknown"


def _literal(v: Any) -> str:
    """A value as Python source: 2.5e-05, 1.0, True, "bf16"."""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return repr(v)  # the shortest text that reads back as the same float: 2.5e-05, 1.0
    if isinstance(v, int):
        return str(v)
    return repr(str(v))


def _optimizer(config: dict) -> str:
    name = str(config.get("optimizer") or "").lower()
    for key, cls in OPTIMIZER_CLASS.items():
        if key in name:
            return cls
    return "AdamW"


def _where(key: str) -> Msg:
    return Msg(key)


def render_fix(fix: Fix, framework: str, config: Optional[dict] = None) -> Optional[FixCode]:
    """The parameter change of ``fix`` as code in ``framework`` (None for an action, or a parameter that has no one
    line in that framework: the report then shows ``param: from -> to``)."""
    if not fix.param:
        return None
    config = config or {}
    p, to = fix.param, _literal(fix.to)
    opt = _optimizer(config)
    if framework == "hf":
        hf = {
            "lr": "learning_rate",
            "max_grad_norm": "max_grad_norm",
            "warmup_steps": "warmup_steps",
            "warmup_ratio": "warmup_ratio",
            "per_device_batch": "per_device_train_batch_size",
            "grad_accum": "gradient_accumulation_steps",
            "weight_decay": "weight_decay",
            "num_epochs": "num_train_epochs",
        }
        if p in hf:
            return FixCode(f"TrainingArguments({hf[p]}={to})")
        if p == "precision":
            return FixCode(_hf_precision(str(fix.to)))
        if p in ("num_labels", "num_classes"):
            return FixCode(f"from_pretrained(..., num_labels={to})")
        return None
    if framework == "lightning":
        if p == "max_grad_norm":
            return FixCode(f"Trainer(gradient_clip_val={to})")
        if p == "grad_accum":
            return FixCode(f"Trainer(accumulate_grad_batches={to})")
        if p == "precision":
            return FixCode(
                f'Trainer(precision="{fix.to}-mixed")'
                if str(fix.to) in ("bf16", "16")
                else f'Trainer(precision="{fix.to}")'
            )
        if p == "lr":
            return FixCode(
                f"torch.optim.{opt}(self.parameters(), lr={to})", _where("framework.where.configure_optimizers")
            )
        if p == "per_device_batch":
            return FixCode(f"DataLoader(..., batch_size={to})")
        return None
    if framework == "keras":
        kopt = "Adam" if opt == "AdamW" else opt
        if p == "max_grad_norm":
            return FixCode(f"optimizer = {kopt}(clipnorm={to})")
        if p == "lr":
            return FixCode(f"optimizer = {kopt}(learning_rate={to})")
        if p == "precision" and str(fix.to) == "bf16":
            return FixCode('keras.mixed_precision.set_global_policy("mixed_bfloat16")')
        if p == "per_device_batch":
            return FixCode(f"model.fit(..., batch_size={to})")
        return None
    if framework in ("torch", "accelerate"):
        if p == "max_grad_norm":
            if framework == "accelerate":
                return FixCode(
                    f"accelerator.clip_grad_norm_(model.parameters(), {to})", _where("framework.where.accelerate_clip")
                )
            return FixCode(
                f"torch.nn.utils.clip_grad_norm_(model.parameters(), {to})", _where("framework.where.torch_clip")
            )
        if p == "lr":
            return FixCode(f"torch.optim.{opt}(model.parameters(), lr={to})")
        if p == "precision" and str(fix.to) == "bf16":
            if framework == "accelerate":
                return FixCode('Accelerator(mixed_precision="bf16")')
            return FixCode(
                'torch.autocast(device_type="cuda", dtype=torch.bfloat16)', _where("framework.where.torch_autocast")
            )
        if p == "grad_accum" and framework == "accelerate":
            return FixCode(f"Accelerator(gradient_accumulation_steps={to})")
        if p == "per_device_batch":
            return FixCode(f"DataLoader(..., batch_size={to})")
        return None
    return None


def _hf_precision(to: str) -> str:
    if to == "bf16":
        return "TrainingArguments(bf16=True, fp16=False)"
    if to == "fp16":
        return "TrainingArguments(fp16=True, bf16=False)"
    return "TrainingArguments(bf16=False, fp16=False)"
