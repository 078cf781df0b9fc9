"""Accelerate: a plain loop prepared by ``accelerator.prepare`` is guarded by a :class:`Monitor`; :func:`monitor`
builds it for the accelerator (rank 0 speaks through ``accelerator.print``) and :func:`step` is the one line that
joins them::

    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    guard = trainmedic.integrations.accelerate.monitor(accelerator, model, optimizer, policy="skip",
                                                       loss_fn=loss_fn, log_path="run/live.jsonl")
    for batch in loader:
        with accelerator.accumulate(model):
            loss = loss_fn(model, batch)
            accelerator.backward(loss)
            result = trainmedic.integrations.accelerate.step(accelerator, guard, loss, batch, max_grad_norm=1.0)
            optimizer.zero_grad()

Do not pass ``scaler=`` to the Monitor here: the prepared optimizer applies Accelerate's GradScaler itself. Under
several processes the guard's decision is agreed by all of them (one all-reduce), and only rank 0 writes the log.
The loss of an optimizer step is the mean of its micro-batches' losses (``step`` collects them).
"""

from __future__ import annotations

from typing import Any, Optional

import torch

from ..live.monitor import Monitor, StepResult
from ..lossfn import loss_of

_MICRO = "_trainmedic_micro_losses"


def monitor(accelerator, model, optimizer, **kwargs: Any) -> Monitor:
    """A :class:`Monitor` for a loop prepared by ``accelerator`` (framework ``accelerate``; announcements through
    ``accelerator.print``, which prints on the main process only)."""
    kwargs.setdefault("display", accelerator.print)
    return Monitor(model, optimizer, framework="accelerate", **kwargs)


def step(
    accelerator, monitor: Monitor, loss, batch: Any = None, *, max_grad_norm: Optional[float] = None
) -> Optional[StepResult]:
    """On a step where gradients are synchronised: clip with Accelerate (which unscales first and returns the norm),
    then let the Monitor judge and apply ``optimizer.step()``. Returns None on accumulation micro-steps."""
    micro = getattr(monitor, _MICRO, None)
    if micro is None:
        micro = ([], [])
        setattr(monitor, _MICRO, micro)
    losses, batches = micro
    value = loss_of(loss)
    if isinstance(value, torch.Tensor):
        losses.append(value.detach())
    batches.append(batch)  # a reference, kept until the step: a NaN may sit in any micro-batch
    if not accelerator.sync_gradients:
        return None
    norm = None
    if max_grad_norm:
        norm = accelerator.clip_grad_norm_(monitor.model.parameters(), max_grad_norm)
        monitor.signals.max_grad_norm = monitor.signals.max_grad_norm or float(max_grad_norm)
    total = torch.stack(losses).mean() if losses else None
    seen = list(batches)
    losses.clear()
    batches.clear()
    return monitor.step(total, batch, grad_norm=norm, micro_batches=seen)
