"""Healthy snapshots for the ``rollback`` policy: model, optimizer, GradScaler and lr-scheduler state, kept in CPU
memory or on disk, and the lr change applied after a restore."""

from __future__ import annotations

import math
import os
from collections import deque
from typing import Any, Optional

import torch

# A snapshot is healthy when the mean loss of the steps before it is at most twice the lowest such mean of any
# snapshot so far: a run that drifted upwards before going non-finite has finite but already-diverged snapshots.
HEALTHY_RATIO = 2.0


def to_cpu(obj: Any) -> Any:
    """A deep copy of a state dict with every tensor copied to CPU memory."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().to("cpu", copy=True)
    if isinstance(obj, dict):
        return {k: to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_cpu(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(to_cpu(v) for v in obj)
    return obj


class Snapshots:
    """Takes a snapshot every ``every`` applied steps and keeps the last ``keep`` (in memory, or in ``directory``),
    plus the first one (the state before training, healthy by definition) as the last resort."""

    def __init__(self, model, optimizer, *, scaler=None, scheduler=None, every: int = 100, keep: int = 2,
                 directory: Optional[str] = None) -> None:
        self.model, self.optimizer, self.scaler, self.scheduler = model, optimizer, scaler, scheduler
        self.every = max(1, int(every))
        self.directory = directory
        self.kept: deque = deque(maxlen=max(1, int(keep)))  # (step, lr_scale, state or path, mean loss)
        self.first: Optional[tuple] = None
        self.best_loss = math.inf  # lowest mean loss of any snapshot taken, kept or not
        if directory:
            os.makedirs(directory, exist_ok=True)

    def due(self, step: int) -> bool:
        return step % self.every == 0

    def take(self, step: int, lr_scale: float, loss: float = math.nan) -> None:
        """Snapshot now; ``loss`` is the mean loss of the steps since the previous snapshot."""
        state = {"model": to_cpu(self.model.state_dict()), "optimizer": to_cpu(self.optimizer.state_dict())}
        if self.scaler is not None:
            state["scaler"] = self.scaler.state_dict()
        if self.scheduler is not None:
            state["scheduler"] = to_cpu(self.scheduler.state_dict())
        if self.directory:
            path = os.path.join(self.directory, f"snapshot-{step}.pt")
            torch.save(state, path)
            if self.first is not None and len(self.kept) == self.kept.maxlen:
                old = self.kept[0][2]
                if os.path.exists(old):
                    os.remove(old)
            state = path
        item = (step, lr_scale, state, loss)
        if math.isfinite(loss):
            self.best_loss = min(self.best_loss, loss)
        if self.first is None:
            self.first = item
        else:
            self.kept.append(item)

    def restore(self, before_step: Optional[int]) -> Optional[tuple]:
        """Restore the newest healthy snapshot taken before ``before_step`` (the first snapshot when none is):
        ``(its step, its lr scale)``, or None when there is no snapshot."""
        if self.first is None:
            return None
        best = self.best_loss
        chosen = self.first
        for item in reversed(self.kept):
            early = before_step is None or item[0] < before_step
            if early and math.isfinite(item[3]) and item[3] <= HEALTHY_RATIO * best:
                chosen = item
                break
        step, lr_scale, state, _ = chosen
        if isinstance(state, str):
            # Our own file, written above by this process: loading it runs no foreign pickled code.
            state = torch.load(state, map_location="cpu", weights_only=False)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scaler is not None and "scaler" in state:
            self.scaler.load_state_dict(state["scaler"])
        if self.scheduler is not None and "scheduler" in state:
            self.scheduler.load_state_dict(state["scheduler"])
        return step, lr_scale


def scale_lr(optimizer, scheduler, factor: float) -> None:
    """Multiply the learning rate by ``factor`` in the optimizer and in the scheduler's base, so that the schedule
    keeps the lower level when it next recomputes the lr."""
    for group in optimizer.param_groups:
        lr = group["lr"]
        if isinstance(lr, torch.Tensor):
            lr.mul_(factor)
        else:
            group["lr"] = lr * factor
        if "initial_lr" in group:
            group["initial_lr"] = group["initial_lr"] * factor
    scheduler = getattr(scheduler, "scheduler", scheduler)  # Accelerate wraps the scheduler
    if scheduler is not None and hasattr(scheduler, "base_lrs"):
        scheduler.base_lrs = [b * factor for b in scheduler.base_lrs]
