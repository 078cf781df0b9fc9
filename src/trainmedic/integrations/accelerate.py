"""Accelerate: a plain loop prepared by ``accelerator.prepare`` uses :class:`Monitor` directly; :func:`step` is the
one line that joins them::

    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    monitor = trainmedic.Monitor(model, optimizer, policy="skip", loss_fn=loss_fn, log_path="run/live.jsonl")
    for batch in loader:
        with accelerator.accumulate(model):
            loss = loss_fn(model, batch)
            accelerator.backward(loss)
            result = trainmedic.integrations.accelerate.step(accelerator, monitor, loss, batch, max_grad_norm=1.0)
            optimizer.zero_grad()

Do not pass ``scaler=`` to the Monitor here: the prepared optimizer applies Accelerate's GradScaler itself. Under
several processes the guard's decision is agreed by all of them (one all-reduce), and only rank 0 writes the log.
"""

from __future__ import annotations

from typing import Any, Optional

from ..live.monitor import Monitor, StepResult


def step(accelerator, monitor: Monitor, loss, batch: Any = None, *,
         max_grad_norm: Optional[float] = None) -> Optional[StepResult]:
    """On a step where gradients are synchronised: clip with Accelerate (which unscales first and returns the norm),
    then let the Monitor judge and apply ``optimizer.step()``. Returns None on accumulation micro-steps."""
    if not accelerator.sync_gradients:
        return None
    norm = None
    if max_grad_norm:
        norm = accelerator.clip_grad_norm_(monitor.model.parameters(), max_grad_norm)
    return monitor.step(loss, batch, grad_norm=norm)
