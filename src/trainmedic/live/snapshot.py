"""Healthy snapshots for the ``rollback`` policy: model, optimizer, GradScaler and lr-scheduler state (and the
optimizer's parameters that are not the model's), kept in CPU memory or on disk, and the lr change after a restore.

A snapshot is taken only when every tensor in it is finite, is read back from disk with
``torch.load(weights_only=True)`` (a file replaced in ``snapshot_dir`` cannot run code), and is checked again
before it is restored. A rollback goes to the newest healthy snapshot; the state before training is used only when
no snapshot with progress is healthy.
"""

from __future__ import annotations

import math
import os
from collections import deque
from typing import Any, Optional

import torch

from .facts import optimizer_params

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


def all_finite(obj: Any) -> bool:
    """Whether every floating-point tensor in a nested state is finite (one reduction per tensor group)."""
    tensors = []

    def walk(o: Any) -> None:
        if isinstance(o, torch.Tensor):
            if o.is_floating_point() and o.numel():
                tensors.append(o)
        elif isinstance(o, dict):
            for v in o.values():
                walk(v)
        elif isinstance(o, (list, tuple)):
            for v in o:
                walk(v)

    walk(obj)
    if not tensors:
        return True
    norms = torch._foreach_norm([t.float() for t in tensors], 2)
    return bool(torch.isfinite(torch.stack([n.cpu() for n in norms])).all())


class Snapshots:
    """Takes a snapshot every ``every`` applied steps and keeps the last ``keep`` (in memory, or in ``directory``),
    plus the first one (the state before training) as the last resort."""

    def __init__(
        self,
        model,
        optimizer,
        *,
        scaler=None,
        scheduler=None,
        every: int = 100,
        keep: int = 2,
        directory: Optional[str] = None,
    ) -> None:
        self.model, self.optimizer, self.scaler, self.scheduler = model, optimizer, scaler, scheduler
        self.every = max(1, int(every))
        self.directory = directory
        self.kept: deque = deque(maxlen=max(1, int(keep)))  # (step, lr_scale, state or path, mean loss)
        self.first: Optional[tuple] = None
        self.best_loss = math.inf  # lowest mean loss of any snapshot taken, kept or not
        self.refused = 0  # snapshots not taken because the state held non-finite values
        if directory:
            os.makedirs(directory, exist_ok=True)

    def due(self, step: int) -> bool:
        """Whether a snapshot is taken at ``step`` (every ``every`` steps)."""
        return step % self.every == 0

    def _outside(self) -> list:
        own = {id(p) for p in self.model.parameters()}
        return [p for p in optimizer_params(self.optimizer) if id(p) not in own]

    def take(self, step: int, lr_scale: float, loss: float = math.nan) -> bool:
        """Snapshot now (``loss``: the mean loss since the previous one); False when the state is not finite."""
        state = {
            "model": to_cpu(self.model.state_dict()),
            "optimizer": to_cpu(self.optimizer.state_dict()),
            "outside": [to_cpu(p) for p in self._outside()],
        }
        if not all_finite(state):
            self.refused += 1
            return False
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
        return True

    def _healthy(self, item: tuple) -> bool:
        return math.isfinite(item[3]) and item[3] <= HEALTHY_RATIO * self.best_loss

    def candidates(self, before_step: Optional[int]) -> list:
        """Snapshots to try, best first: the newest healthy one before ``before_step``, then the newest healthy one
        at all, then the state before training (only when no snapshot with progress is healthy)."""
        healthy = [it for it in reversed(self.kept) if self._healthy(it)]
        early = [it for it in healthy if before_step is None or it[0] < before_step]
        order = early + [it for it in healthy if all(it is not e for e in early)]
        if not order and self.first is not None:
            order = [self.first]
        return order

    def _load(self, state: Any) -> Optional[dict]:
        if isinstance(state, str):
            try:
                state = torch.load(state, map_location="cpu", weights_only=True)
            except Exception:  # a missing, truncated or foreign file is no snapshot to restore
                return None
        if (
            not isinstance(state, dict)
            or "model" not in state
            or not all_finite([state["model"], state.get("optimizer"), state.get("outside")])
        ):
            return None
        return state

    def restore(self, before_step: Optional[int]) -> Optional[tuple]:
        """Restore the best snapshot (see :meth:`candidates`) that loads and is finite: ``(its step, its lr
        scale)``, or None when there is none. When none of those loads (a file removed or replaced), the other
        snapshots are tried, newest first: each was finite when it was taken."""
        preferred = self.candidates(before_step)
        rest = [
            it for it in [*reversed(self.kept), self.first] if it is not None and all(it is not p for p in preferred)
        ]
        for step, lr_scale, stored, _ in preferred + rest:
            state = self._load(stored)
            if state is None:
                continue
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            with torch.no_grad():
                for p, saved in zip(self._outside(), state.get("outside") or []):
                    p.copy_(saved.to(p.device))
            if self.scaler is not None and "scaler" in state:
                self.scaler.load_state_dict(state["scaler"])
            if self.scheduler is not None and "scheduler" in state:
                self.scheduler.load_state_dict(state["scheduler"])
            return step, lr_scale
        return None


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
