"""Hyperparameter dictionaries (Lightning ``hparams.yaml``, MLflow params, W&B config) -> RunConfig keys.

Frameworks and people spell the same setting many ways (``lr``, ``learning_rate``, ``base_lr``); this maps the common
spellings onto the keys rules and causes understand, keeping every value's source.
"""

from __future__ import annotations

from typing import Any

from ..run import RunConfig
from .columns import parse_number

# Spelling (lower case; the last dotted or slashed part of a nested key) -> RunConfig key.
ALIASES = {
    "lr": "lr", "learning_rate": "lr", "base_lr": "lr", "learningrate": "lr", "init_lr": "lr",
    "batch_size": "per_device_batch", "train_batch_size": "per_device_batch", "bs": "per_device_batch",
    "per_device_train_batch_size": "per_device_batch", "micro_batch_size": "per_device_batch",
    "accumulate_grad_batches": "grad_accum", "gradient_accumulation_steps": "grad_accum", "grad_accum": "grad_accum",
    "grad_accum_steps": "grad_accum", "accum_steps": "grad_accum",
    "max_grad_norm": "max_grad_norm", "gradient_clip_val": "max_grad_norm", "clip_grad_norm": "max_grad_norm",
    "grad_clip": "max_grad_norm", "clip_grad": "max_grad_norm",
    "precision": "precision", "mixed_precision": "precision",
    "weight_decay": "weight_decay", "wd": "weight_decay",
    "warmup_steps": "warmup_steps", "num_warmup_steps": "warmup_steps", "warmup_ratio": "warmup_ratio",
    "epochs": "num_epochs", "max_epochs": "num_epochs", "num_epochs": "num_epochs", "num_train_epochs": "num_epochs",
    "max_steps": "max_steps", "seed": "seed",
    "num_classes": "num_classes", "num_labels": "num_classes", "n_classes": "num_classes",
    "max_len": "max_len", "max_length": "max_len", "max_seq_length": "max_len", "seq_len": "max_len",
    "block_size": "max_len",
    "optimizer": "optimizer", "optim": "optimizer", "scheduler": "scheduler", "lr_scheduler": "scheduler",
    "lr_scheduler_type": "scheduler", "model": "model", "model_name": "model", "model_name_or_path": "model",
    "arch": "model", "world_size": "world_size", "loss": "loss", "loss_reduction": "loss_reduction",
    "reduction": "loss_reduction", "early_stopping_patience": "early_stopping_patience", "patience":
    "early_stopping_patience", "bf16": "bf16", "fp16": "fp16",
}
NUMERIC = {"lr", "per_device_batch", "grad_accum", "max_grad_norm", "weight_decay", "warmup_steps", "warmup_ratio",
           "num_epochs", "max_steps", "seed", "num_classes", "max_len", "world_size", "early_stopping_patience"}
INTEGER = {"per_device_batch", "grad_accum", "warmup_steps", "num_epochs", "max_steps", "seed", "num_classes",
           "max_len", "world_size", "early_stopping_patience"}


def _precision(value: Any) -> Any:
    """``bf16-mixed`` -> bf16, ``16-mixed``/16 -> fp16, 32 -> fp32; other spellings are kept."""
    text = str(value).lower()
    if "bf16" in text or "bfloat16" in text:
        return "bf16"
    if text in ("16", "16-mixed", "fp16", "float16", "half", "16-true"):
        return "fp16"
    if text in ("32", "32-true", "fp32", "float32", "no"):
        return "fp32"
    return value


def flatten(data: dict, prefix: str = "") -> dict:
    """Nested dicts -> one level with ``a.b`` keys."""
    out: dict = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def apply_hparams(data: dict, config: RunConfig, source: str) -> int:
    """Set the RunConfig keys that ``data`` spells; returns how many were set."""
    count = 0
    for key, value in flatten(data).items():
        leaf = str(key).replace("/", ".").rsplit(".", 1)[-1].strip().lower().lstrip("-")
        target = ALIASES.get(leaf)
        if target is None or value is None or isinstance(value, (dict, list)):
            continue
        if target in ("bf16", "fp16"):
            if value is True or str(value).lower() in ("true", "1"):
                config.set("precision", target, source)
                count += 1
            continue
        if target == "precision":
            value = _precision(value)
        elif target in NUMERIC:
            number = parse_number(value) if not isinstance(value, bool) else None
            if number is None:
                continue
            value = int(number) if target in INTEGER and number.is_integer() else number
        if target not in config:
            config.set(target, value, source)
            count += 1
    return count
