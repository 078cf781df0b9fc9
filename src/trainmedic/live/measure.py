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
    stale = mon.probe.norms() if mon.probe is not None else None  # before unscaling: both sides carry the scale
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
    loss_t = q.as_scalar(loss, device) if loss is not None else torch.zeros((), device=device)
    # [loss, norm^2], summed over ranks: a non-finite value on any rank makes the sum non-finite on every rank, and
    # every rank then judges the same averaged numbers on the host, so all take the same decision.
    # float64 (where the device has it): the square of a norm of 1e20 must not overflow to inf.
    dtype = torch.float32 if device.type == "mps" else torch.float64
    head = torch.stack([loss_t.to(dtype), norm.to(dtype).reshape(()) ** 2])
    dist.agree(head)
    parts = [head]
    slots = {}
    at = 2
    for name, t in (("scale", q.loss_scale_tensor(mon.scaler, device)), ("stale", stale), ("post", post)):
        if t is not None:
            t = t.to(device, dtype).reshape(-1)
            slots[name] = (at, at + t.numel())
            at += t.numel()
            parts.append(t)
    if want_layers and per is not None:
        parts.append(per.to(dtype))
    values = torch.cat(parts).tolist()  # the one host-device synchronisation of the step
    world = mon.world_size
    loss_v = values[0] / world if loss is not None else None
    norm_v = math.sqrt(values[1] / world) if values[1] >= 0 else math.nan
    nonfinite = not math.isfinite(norm_v) or (loss_v is not None and not math.isfinite(loss_v))
    thr_loss, thr_norm = mon.guard.thresholds()
    spike = (not nonfinite) and (norm_v > thr_norm or (loss_v is not None and loss_v > thr_loss))
    got = {name: values[a:b] for name, (a, b) in slots.items()}
    stale_ratio = None
    if "stale" in got:
        g, inc = got["stale"]
        stale_ratio = g / inc if inc > 0 else None
    layers = {}
    if want_layers and per is not None:
        first = at
        layers = q.layer_norms([mon._layer[id(p)] for p in params if p.grad is not None], values[first:])
    return Measured(
        loss=loss_v,
        norm=norm_v,
        nonfinite=nonfinite,
        spike=spike,
        layers=layers,
        scale=got["scale"][0] if "scale" in got else None,
        stale=stale_ratio,
        post=got["post"][0] if "post" in got else None,
        no_grads=not grads,
    )
