"""A plain PyTorch training loop that logs the way hand-written scripts do.

It prints ``Step N | Train Loss: ... | Grad Norm: ...`` every few steps and ``Epoch e/E | Train Loss | Val Loss |
Val Acc`` after each epoch (to the console log the scenario captures), writes the same numbers to TensorBoard with
``SummaryWriter``, and returns them as records so that ``truth.json`` is measured from what was logged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import torch
from torch import nn
from torch.nn import functional as F

from .common import accuracy_f1


@dataclass
class History:
    """What the loop logged: one record per logged step and one per epoch evaluation."""

    steps: list = field(default_factory=list)  # {"step", "epoch", "loss", "grad_norm", "lr"}
    evals: list = field(default_factory=list)  # {"step", "epoch", "train_loss", "eval_loss", "eval_acc", "eval_f1"}

    def first_nonfinite_step(self) -> Optional[int]:
        """The first logged step whose loss is NaN or infinite."""
        for r in self.steps:
            if not math.isfinite(r["loss"]):
                return r["step"]
        return None


@dataclass
class LoopConfig:
    """How the loop trains and logs. ``autocast`` is ``None``, ``torch.bfloat16`` or ``torch.float16``."""

    epochs: int
    log_every: int = 5
    clip: Optional[float] = None
    autocast: Optional[torch.dtype] = None
    prefix: str = ""  # series prefix when one script trains several models ("rnn/")
    label: str = ""  # model name shown in console lines ("[RNN] ")
    loss_fn: Callable = F.cross_entropy


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, cfg: LoopConfig) -> tuple[float, float, float]:
    """Eval loss, accuracy and macro F1 on one held-out set."""
    model.eval()
    with torch.no_grad(), _autocast(cfg):
        logits = model(x).float()
    model.train()
    acc, f1 = accuracy_f1(logits, y)
    return float(cfg.loss_fn(logits, y)), acc, f1


def _autocast(cfg: LoopConfig):
    return torch.autocast("cpu", dtype=cfg.autocast) if cfg.autocast is not None else nullcontext()


def grad_norm(model: nn.Module) -> float:
    """Global L2 norm of the gradients (what ``clip_grad_norm_`` returns)."""
    norms = [p.grad.detach().float().norm() for p in model.parameters() if p.grad is not None]
    return float(torch.stack(norms).norm()) if norms else 0.0


def train_loop(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    epoch_batches: Callable[[int], Iterable],
    eval_set: tuple[torch.Tensor, torch.Tensor],
    cfg: LoopConfig,
    *,
    writer=None,
    scheduler=None,
    history: Optional[History] = None,
    stop_on_nonfinite: bool = False,
) -> History:
    """Train ``model`` for ``cfg.epochs`` epochs; ``epoch_batches(epoch)`` yields ``(inputs, labels)`` pairs.

    Non-finite losses are logged like any other value (as real scripts do) and training goes on unless
    ``stop_on_nonfinite``.
    """
    hist = history or History()
    step = 0
    for epoch in range(cfg.epochs):
        epoch_losses = []
        for x, y in epoch_batches(epoch):
            with _autocast(cfg):
                logits = model(x)
            loss = cfg.loss_fn(logits.float(), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            norm = grad_norm(model)
            if cfg.clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            step += 1
            value = loss.item()
            epoch_losses.append(value)
            if step % cfg.log_every == 0 or not math.isfinite(value):
                lr = optimizer.param_groups[0]["lr"]
                hist.steps.append({"step": step, "epoch": epoch + 1, "loss": value, "grad_norm": norm, "lr": lr})
                print(
                    f"{cfg.label}Epoch {epoch + 1} | Step {step} | Train Loss: {value:.4f} | "
                    f"Grad Norm: {norm:.4f} | LR: {lr:.2e}"
                )
                if writer is not None:
                    writer.add_scalar(f"{cfg.prefix}train/loss", value, step)
                    writer.add_scalar(f"{cfg.prefix}train/grad_norm", norm, step)
                    writer.add_scalar(f"{cfg.prefix}train/lr", lr, step)
            if stop_on_nonfinite and not math.isfinite(value):
                print(f"{cfg.label}Non-finite loss at step {step}, stopping.")
                return hist
        eval_loss, acc, f1 = evaluate(model, *eval_set, cfg)
        train_loss = sum(epoch_losses) / max(len(epoch_losses), 1)
        hist.evals.append(
            {
                "step": step,
                "epoch": epoch + 1,
                "train_loss": train_loss,
                "eval_loss": eval_loss,
                "eval_acc": acc,
                "eval_f1": f1,
            }
        )
        print(
            f"{cfg.label}Epoch {epoch + 1}/{cfg.epochs} | Train Loss: {train_loss:.4f} | Val Loss: {eval_loss:.4f} | "
            f"Val Acc: {acc:.4f} | Val F1: {f1:.4f}"
        )
        if writer is not None:
            writer.add_scalar(f"{cfg.prefix}eval/loss", eval_loss, step)
            writer.add_scalar(f"{cfg.prefix}eval/accuracy", acc, step)
            writer.add_scalar(f"{cfg.prefix}eval/f1", f1, step)
    return hist


def tensorboard_writer(out_dir: Path, name: str = "tb"):
    """A ``SummaryWriter`` under ``out_dir/name`` (the event file TensorBoard users keep)."""
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(log_dir=str(out_dir / name))
