"""Run a scenario through the real Hugging Face ``Trainer`` and read back what it wrote.

The Trainer writes ``checkpoint-*/trainer_state.json`` (with ``log_history``), ``training_args.bin`` and the weights;
``save_state()`` adds the final ``trainer_state.json`` at the top of the output directory. The console (the dict
lines the Trainer prints, its warnings) is captured to ``console.log`` beside it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from torch import nn

from .common import console_log, finite, hf_compute_metrics

# Small windows so a run of a few hundred steps leaves a detailed history and several checkpoints.
DEFAULT_ARGS = dict(
    per_device_train_batch_size=16,
    per_device_eval_batch_size=64,
    logging_steps=5,
    eval_strategy="steps",
    eval_steps=25,
    save_strategy="steps",
    save_steps=25,
    lr_scheduler_type="constant",
    max_grad_norm=1.0,
)


def train_hf(
    out_dir: Path,
    model: nn.Module,
    train_set,
    eval_set,
    *,
    seed: int,
    args: dict,
    optimizers: Optional[tuple] = None,
    callbacks: Sequence[Any] = (),
    trainer_cls=None,
) -> list[dict]:
    """Train with ``transformers.Trainer`` into ``out_dir/output`` and return the final ``log_history``.

    ``args`` override :data:`DEFAULT_ARGS` (``learning_rate``, ``max_steps``, ``warmup_steps`` ...).
    An exception raised by training is printed to the console log (as a crashed run would) and re-raised.
    """
    from transformers import Trainer, TrainingArguments

    output = out_dir / "output"
    kwargs = dict(DEFAULT_ARGS)
    kwargs.update(args)
    targs = TrainingArguments(
        output_dir=str(output),
        use_cpu=True,
        report_to="none",
        disable_tqdm=True,
        seed=seed,
        data_seed=seed,
        dataloader_num_workers=0,
        **kwargs,
    )
    cls = trainer_cls or Trainer
    trainer = cls(
        model=model,
        args=targs,
        train_dataset=train_set,
        eval_dataset=eval_set,
        compute_metrics=hf_compute_metrics,
        optimizers=optimizers or (None, None),
        callbacks=list(callbacks),
    )
    with console_log(out_dir / "console.log"):
        trainer.train()
        trainer.save_state()
    return trainer.state.log_history


def load_log_history(output: Path) -> list[dict]:
    """``log_history`` from the final ``trainer_state.json`` (NaN parsed as Python's json writes it)."""
    return json.loads((output / "trainer_state.json").read_text(encoding="utf-8"))["log_history"]


def train_entries(history: list[dict]) -> list[dict]:
    """The per-window training entries (they carry ``loss``)."""
    return [e for e in history if "loss" in e]


def eval_entries(history: list[dict]) -> list[dict]:
    """The evaluation entries (they carry ``eval_loss``)."""
    return [e for e in history if "eval_loss" in e]


def first_nonfinite(history: list[dict]) -> Optional[dict]:
    """The first logged training window whose loss or grad_norm is non-finite.

    The Trainer's ``logging_nan_inf_filter`` (on by default) hides a NaN loss: a window whose steps were all NaN is
    logged as ``loss: 0.0`` — but its ``grad_norm`` stays NaN, so both are looked at.
    """
    for e in train_entries(history):
        if not finite(e.get("loss")) or ("grad_norm" in e and not finite(e["grad_norm"])):
            return e
    return None


def first_nonfinite_eval(history: list[dict]) -> Optional[dict]:
    """The first evaluation whose loss is non-finite."""
    for e in eval_entries(history):
        if not finite(e.get("eval_loss")):
            return e
    return None


def checkpoint_steps(output: Path) -> list[int]:
    """Steps of the ``checkpoint-*`` folders the Trainer saved, ascending."""
    return sorted(int(p.name.split("-")[1]) for p in output.glob("checkpoint-*") if p.name.split("-")[1].isdigit())


def first_rise(points: Sequence[tuple[float, float]], factor: float) -> Optional[float]:
    """The x of the first point whose y exceeds ``factor`` x the lowest y seen before it (None when none does).

    This is how the zoo measures where a divergence starts, from the logged numbers themselves.
    """
    best = math.inf
    for x, y in points:
        if not finite(y) or y > factor * best:
            return x
        best = min(best, y)
    return None
