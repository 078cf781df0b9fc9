"""One step's quantities, computed on the device and read back with one host synchronisation: the loss, the global
gradient norm over the parameters the optimizer holds (clipping with it when the Monitor clips), the spike flags,
the loss scale, the stale-gradient ratio and, every few steps, per-layer norms.

Two paths give the same values. In one process with every gradient on one device (the common case) the step costs
one fused norm (``torch._foreach_norm``), one ``torch.stack`` of the 0-d results and one ``.tolist()`` (on the CPU,
where reading a value is a memory access and not a synchronisation, the 0-d results are read one by one: cheaper
than stacking them); the global norm is summed on the host in float64. Under torch.distributed, or with gradients on
several devices or dtypes, the loss and the squared norm are summed over ranks first (one all-reduce), as every rank
must judge the same numbers.
"""

from __future__ import annotations

import math
from operator import mul
from typing import Any, Optional

import torch

from . import distributed as dist
from . import quantities as q

_item = torch.Tensor.item


class Measured:
    """Host values of one step. ``loss`` is None when it was not measured; ``post`` is the norm of the gradients
    as they are now, measured when the loop passed its own (pre-clip) norm; ``no_grads``: no parameter the
    optimizer holds has a gradient. (A plain class with slots: one is made every step.)"""

    __slots__ = ("loss", "norm", "nonfinite", "spike", "layers", "scale", "stale", "post", "no_grads")

    def __init__(
        self,
        loss: Optional[float],
        norm: float,
        nonfinite: bool,
        spike: bool,
        layers: Optional[dict] = None,
        scale: Optional[float] = None,
        stale: Optional[float] = None,
        post: Optional[float] = None,
        no_grads: bool = False,
    ) -> None:
        self.loss, self.norm, self.nonfinite, self.spike = loss, norm, nonfinite, spike
        self.layers = layers if layers is not None else {}
        self.scale, self.stale, self.post, self.no_grads = scale, stale, post, no_grads


def measure(
    mon: Any, loss: Any, *, grad_norm: Any = None, want_layers: bool = False, probed: Optional[tuple] = None
) -> Measured:
    """Measure one step of Monitor ``mon`` (one all-reduce under torch.distributed, one host read). ``probed``: what
    the stale-gradient probe's ``read()`` gave, when the caller has already read it this step, having tried
    :func:`plain` too (it goes the general way at once)."""
    tried = probed is not None
    if not tried:
        probed = mon.probe.read() if mon.probe is not None else (None, None)  # before unscaling
    stale, stale_t = probed
    if not tried and mon._plain and grad_norm is None and stale_t is None and not want_layers and torch.is_tensor(loss):
        got = plain(mon, loss)
        if got is not None:
            return of_plain(mon, *got, stale)
    scaler = mon.scaler
    if scaler is not None and scaler.is_enabled():
        try:
            scaler.unscale_(mon.optimizer)  # true gradient values for the norm and the clip
        except RuntimeError:
            pass  # already unscaled by the training loop this step
    device = mon._device
    local = (
        device is not None
        and not mon._distributed
        and (not isinstance(loss, torch.Tensor) or loss.device == device)
        and (not isinstance(grad_norm, torch.Tensor) or grad_norm.device == device)
    )
    if local:
        return _local(mon, loss, grad_norm, want_layers, stale, stale_t)
    return _general(mon, loss, grad_norm, want_layers, stale, stale_t)


def plain(mon: Any, loss: Any) -> Optional[tuple]:
    """``(loss, global gradient norm)`` of the common step (``mon._plain``: one process, one device, no GradScaler,
    no clipping by the Monitor; ``loss`` a tensor): one fused norm and one read. None when the step needs the
    general path: no gradient, a loss of several elements, or a loss on another device than the gradients."""
    grads = [g for p in mon._params if (g := p.grad) is not None]
    if not grads:
        return None
    # The default order (2) and no keyword when the gradients are float32: parsing the call's arguments costs ~2 us
    # after a backward pass, a tenth of what the reductions of a 100k-parameter model cost (bench/live_overhead.py).
    dtype = mon._norm_dtype
    norms = torch._foreach_norm(grads) if dtype is None else torch._foreach_norm(grads, 2, dtype=dtype)
    try:
        if mon._reads_free:  # CPU memory: a read is no synchronisation, and one by one is cheaper than a stack
            loss_v, norms = loss.item(), list(map(_item, norms))
        else:
            loss_v, *norms = torch.stack([loss.detach(), *norms]).tolist()
    except RuntimeError:  # a loss of several elements, or on another device than the gradients
        return None
    return loss_v, _root_sum_squares(norms)


def of_plain(mon: Any, loss_v: float, norm_v: float, stale: Optional[float]) -> Measured:
    """The :class:`Measured` of what :func:`plain` read (with the probe's ratio)."""
    if -math.inf < loss_v < math.inf and norm_v < math.inf and not mon.guard.judges_spikes:
        return Measured(loss_v, norm_v, False, False, None, None, stale)
    return _judged(mon, loss_v, norm_v, stale=stale)


def _scalar(value: Any) -> Any:
    """A loss or norm as a 0-d tensor to stack (no copy when it already is one), or a host float."""
    if isinstance(value, torch.Tensor):
        if value.dim() == 0:
            return value.detach()
        return value.detach().reshape(-1)[0] if value.numel() else math.nan
    return float(value)


def _local(mon: Any, loss: Any, grad_norm: Any, want_layers: bool, stale: Any, stale_t: Any) -> Measured:
    """One process, one device: a fused norm, one stack, one read; the global norm summed on the host."""
    params = mon._params
    grads = [p.grad for p in params if p.grad is not None]
    parts: list = []
    host: dict = {}
    for name, value in (("loss", loss), ("norm", grad_norm)):
        if value is None:
            continue
        v = _scalar(value)
        if isinstance(v, torch.Tensor):
            host[name] = len(parts)
            parts.append(v)
        else:
            host[name] = v
    per_at = clip_at = None
    if grads and (grad_norm is None or want_layers):
        per = torch._foreach_norm(grads, 2, dtype=torch.float32)
        if grad_norm is None and mon.max_grad_norm:
            total = torch.linalg.vector_norm(torch.stack(per), 2)
            q.clip_(grads, total, mon.max_grad_norm)
            clip_at = len(parts)
            parts.append(total)
        per_at = len(parts)
        parts.extend(per)
    scale = q.loss_scale_tensor(mon.scaler, mon._device)
    scale_at = None
    if scale is not None:
        scale_at = len(parts)
        parts.append(scale.reshape(()))
    stale_at = None
    if stale_t is not None:
        stale_at = len(parts)
        parts.extend(stale_t)
    values = torch.stack(parts).tolist() if parts else []  # the one host-device synchronisation of the step
    loss_v = _host(host.get("loss"), values)
    per_v = values[per_at : per_at + len(grads)] if per_at is not None else None
    if grad_norm is not None:
        norm_v = _host(host["norm"], values)
    elif clip_at is not None:
        norm_v = values[clip_at]
    elif per_v:
        norm_v = _root_sum_squares(per_v)
    else:
        norm_v = 0.0
    post = _root_sum_squares(per_v) if grad_norm is not None and per_v is not None else None
    if stale_at is not None:
        g, inc = values[stale_at], values[stale_at + 1]
        stale = g / inc if inc > 0 else None
    layers = {}
    if want_layers and per_v:
        layers = q.layer_norms([mon._layer[id(p)] for p in params if p.grad is not None], per_v)
    return _judged(
        mon,
        loss_v,
        norm_v,
        layers=layers,
        scale=values[scale_at] if scale_at is not None else None,
        stale=stale,
        post=post,
        no_grads=not grads,
    )


def _host(where: Any, values: list) -> Optional[float]:
    """A value that went to the device read (its index) or stayed on the host (a float)."""
    if where is None:
        return None
    return values[where] if isinstance(where, int) else where


def _root_sum_squares(norms: list) -> float:
    """The global L2 norm from per-tensor norms, in float64 (non-finite when any is)."""
    total = sum(map(mul, norms, norms))
    return math.sqrt(total) if total >= 0 else math.nan


def _general(mon: Any, loss: Any, grad_norm: Any, want_layers: bool, stale: Any, stale_t: Any) -> Measured:
    """Several processes or devices: loss and squared norm summed over ranks (one all-reduce), then one read."""
    params = mon._params
    device = loss.device if isinstance(loss, torch.Tensor) else (params[0].device if params else torch.device("cpu"))
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
    stale_pair = torch.stack(stale_t).float() if stale_t is not None else None
    for name, t in (("scale", q.loss_scale_tensor(mon.scaler, device)), ("stale", stale_pair), ("post", post)):
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
    got = {name: values[a:b] for name, (a, b) in slots.items()}
    if "stale" in got:
        g, inc = got["stale"]
        stale = g / inc if inc > 0 else None
    layers = {}
    if want_layers and per is not None:
        layers = q.layer_norms([mon._layer[id(p)] for p in params if p.grad is not None], values[at:])
    return _judged(
        mon,
        loss_v,
        norm_v,
        layers=layers,
        scale=got["scale"][0] if "scale" in got else None,
        stale=stale,
        post=got["post"][0] if "post" in got else None,
        no_grads=not grads,
    )


def _judged(mon: Any, loss_v: Optional[float], norm_v: float, **kw: Any) -> Measured:
    """The host values with the step's flags: non-finite, and a spike above the guard's thresholds."""
    nonfinite = not math.isfinite(norm_v) or (loss_v is not None and not math.isfinite(loss_v))
    spike = False
    if not nonfinite and mon.guard.judges_spikes:
        thr_loss, thr_norm = mon.guard.thresholds()
        spike = norm_v > thr_norm or (loss_v is not None and loss_v > thr_loss)
    return Measured(loss=loss_v, norm=norm_v, nonfinite=nonfinite, spike=spike, **kw)
