"""One step's quantities, computed on the device and read back with one host synchronisation: the loss, the global
gradient norm over the parameters the optimizer holds (clipping with it when the Monitor clips), the spike flags,
the loss scale, the stale-gradient ratio and, every few steps, per-layer norms."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

import torch

from . import distributed as dist
from . import quantities as q


@dataclass
class Measured:
    """Host values of one step. ``loss`` is None when it was not measured; ``post`` is the norm of the gradients
    as they are now, measured when the loop passed its own (pre-clip) norm; ``no_grads``: no parameter the
    optimizer holds has a gradient."""

    loss: Optional[float]
    norm: float
    nonfinite: bool
    spike: bool
    layers: dict = field(default_factory=dict)
    scale: Optional[float] = None
    stale: Optional[float] = None
    post: Optional[float] = None
    no_grads: bool = False


def measure(mon: Any, loss: Any, *, grad_norm: Any = None, want_layers: bool = False) -> Measured:
    """Measure one step of Monitor ``mon`` (one all-reduce under torch.distributed, one host read)."""
    params = mon._params
    device = loss.device if isinstance(loss, torch.Tensor) else (params[0].device if params else torch.device("cpu"))
    stale = mon.probe.ratio() if mon.probe is not None else None  # before unscaling: both sides carry the scale
    if mon.scaler is not None and mon.scaler.is_enabled():
        try:
            mon.scaler.unscale_(mon.optimizer)  # true gradient values for the norm and the clip
        except RuntimeError:
            pass  # already unscaled by the training loop this step
    grads = q.grads_of(params)
    per = post = None
    if grad_norm is None:
        per = q.per_tensor_norms(grads, device)
        norm = q.total_norm(per)
        if mon.max_grad_norm:
            q.clip_(grads, norm, mon.max_grad_norm)
    else:
        norm = q.as_scalar(grad_norm, device)
        if want_layers:
            per = q.per_tensor_norms(grads, device)
            post = q.total_norm(per).reshape(1)
    loss_t = q.as_scalar(loss, device) if loss is not None else None
    finite = torch.isfinite(norm) if loss_t is None else torch.isfinite(loss_t) & torch.isfinite(norm)
    thr_loss, thr_norm = mon.guard.thresholds()
    if math.isfinite(thr_norm):
        spike = norm > thr_norm
        if loss_t is not None and math.isfinite(thr_loss):
            spike = spike | (loss_t > thr_loss)
    else:
        spike = torch.zeros((), dtype=torch.bool, device=device)
    zero = torch.zeros((), device=device)
    flags = torch.stack([(~finite).float(), spike.float(), zero if loss_t is None else loss_t])
    dist.agree(flags)  # [ranks with non-finite, ranks with a spike, sum of losses]
    parts = [flags, norm.float().reshape(1)]
    slots = {}
    for name, t in (("scale", q.loss_scale_tensor(mon.scaler, device)), ("stale", stale), ("post", post)):
        if t is not None:
            slots[name] = len(parts) + 2  # flags take three places, the norm one
            parts.append(t.to(device).float().reshape(1))
    if want_layers and per is not None:
        parts.append(per)
    values = torch.cat(parts).tolist()  # the one host-device synchronisation of the step
    n_bad, n_spike, loss_sum, norm_v = values[:4]
    got = {name: values[i] for name, i in slots.items()}
    layers = {}
    if want_layers and per is not None:
        first = 4 + len(slots)
        layers = q.layer_norms([mon._layer[id(p)] for p in params if p.grad is not None], values[first:])
    return Measured(loss=None if loss_t is None else loss_sum / mon.world_size, norm=norm_v, nonfinite=n_bad > 0,
                    spike=n_spike > 0, layers=layers, scale=got.get("scale"), stale=got.get("stale"),
                    post=got.get("post"), no_grads=not grads)
