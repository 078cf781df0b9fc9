"""Agreement between processes (torchrun / DDP / FSDP / Accelerate): one all-reduce per step so that every rank
takes the same decision, and only rank 0 writes.

Seed 004 is the reason: a ``continue`` on one process of a 2-GPU run left the other waiting in the gradient
all-reduce for ever. Here a step is skipped on every rank or on none.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Optional

import torch


def active() -> bool:
    """True inside an initialised process group of more than one process."""
    dist = torch.distributed
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    """This process's rank (0 outside torch.distributed)."""
    return torch.distributed.get_rank() if active() else 0


def world_size() -> int:
    """The number of processes (1 outside torch.distributed)."""
    return torch.distributed.get_world_size() if active() else 1


def agree(flags: torch.Tensor) -> torch.Tensor:
    """Sum ``flags`` over all ranks in place (the step's one collective). A flag > 0 means some rank raised it."""
    if active():
        torch.distributed.all_reduce(flags, op=torch.distributed.ReduceOp.SUM)
    return flags


def any_rank(flag: bool, device: Any = "cpu") -> bool:
    """True when ``flag`` is set on any rank (one all-reduce on ``device``, the one the process group uses: call it on
    every rank, on the rare steps that need it)."""
    if not active():
        return bool(flag)
    t = torch.tensor([1.0 if flag else 0.0], device=device)
    torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.SUM)
    return bool(t.item() > 0)


def gather(obj: Any) -> list:
    """Every rank's ``obj`` (only on the rare steps that need it: the first non-finite step)."""
    if not active():
        return [obj]
    out: list = [None] * world_size()
    torch.distributed.all_gather_object(out, obj)
    return out


def no_sync_of(model: torch.nn.Module) -> Optional[Callable]:
    """The wrapper's ``no_sync`` context (DDP), so that a replay computes local gradients without a collective."""
    fn = getattr(model, "no_sync", None)
    if fn is None or not active():
        return None
    return lambda: fn() if callable(fn) else contextlib.nullcontext()
