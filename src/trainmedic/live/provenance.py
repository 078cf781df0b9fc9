"""NaN provenance: replay the first non-finite batch on the same weights with hooks and name the first module whose
output or gradient became non-finite, with its dtype and the largest magnitudes seen.

Paid only when something went wrong: nothing here runs on a healthy step. The replay restores buffers (BatchNorm
running statistics), the RNG state and the gradients it found, so that training goes on exactly as without it.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Optional

import torch

from ..lossfn import loss_of
from .quantities import dtype_name


def _tensors(obj: Any) -> list:
    """Floating tensors inside a module's inputs or outputs (tuples, lists, dicts, ModelOutput)."""
    if isinstance(obj, torch.Tensor):
        return [obj] if obj.is_floating_point() else []
    if isinstance(obj, dict):
        return [t for v in obj.values() for t in _tensors(v)]
    if isinstance(obj, (list, tuple)):
        return [t for v in obj for t in _tensors(v)]
    return []


def _stats(tensors: list) -> tuple:
    """(all finite?, largest finite magnitude, 'nan' | 'inf' | '') over some tensors."""
    finite, biggest, kind = True, 0.0, ""
    for t in tensors:
        t = t.detach()
        ok = torch.isfinite(t)
        if not bool(ok.all()):
            finite = False
            kind = kind or ("nan" if bool(torch.isnan(t).any()) else "inf")
        if t.numel():
            biggest = max(biggest, float(t.abs().masked_fill(~ok, 0).max()))
    return finite, biggest, kind


def _true_magnitude(module: torch.nn.Module, args: tuple, kwargs: dict) -> Optional[float]:
    """Largest output magnitude of ``module`` recomputed in float32 with autocast off: how far past the half-precision
    limit the value really went."""

    def up(x):
        return x.float() if isinstance(x, torch.Tensor) and x.is_floating_point() else x

    try:
        with torch.no_grad(), contextlib.ExitStack() as stack:
            for dev in ("cpu", "cuda"):
                stack.enter_context(torch.autocast(dev, enabled=False))
            out = module(*[up(a) for a in args], **{k: up(v) for k, v in kwargs.items()})
        vals = [t.float().abs().max() for t in _tensors(out) if t.numel()]
        return float(max(vals)) if vals else None
    except Exception:  # a module that cannot run in float32 (half weights): no estimate
        return None


def _timestep(module: torch.nn.Module, grad: torch.Tensor) -> Optional[int]:
    """For a recurrent module, the latest timestep whose input gradient is non-finite (backprop through time runs
    from the last timestep back, so that is where it first went wrong)."""
    if not isinstance(module, torch.nn.RNNBase) or grad.dim() != 3:
        return None
    time_dim = 1 if module.batch_first else 0
    other = tuple(d for d in range(3) if d != time_dim)
    bad = (~torch.isfinite(grad)).any(dim=other).nonzero().flatten()
    return int(bad.max()) if bad.numel() else None


class _Trace:
    """What the hooks saw during the replay, per module, in the order things happened."""

    def __init__(self, model: torch.nn.Module) -> None:
        inner = getattr(model, "module", model)  # DDP / FSDP / Accelerate wrappers
        self.names = {m: n for n, m in inner.named_modules()}
        self.names.setdefault(model, "")
        self.forward: list = []  # (name, module, output finite, max, kind, dtype, input finite, args, kwargs)
        self.backward: list = []  # (name, module, which 'out' | 'in', finite, max, kind, grad)
        self.handles: list = []
        self.tensor_handles: list = []

    def attach(self, model: torch.nn.Module) -> None:
        for module, name in self.names.items():
            self.handles.append(module.register_forward_pre_hook(self._pre(name), with_kwargs=True))
            self.handles.append(module.register_forward_hook(self._post(name), with_kwargs=True))

    def detach(self) -> None:
        for h in self.handles + self.tensor_handles:
            h.remove()

    def _grad_hook(self, name: str, module, which: str) -> Callable:
        def hook(grad: torch.Tensor) -> None:
            finite, biggest, kind = _stats([grad])
            self.backward.append((name, module, which, finite, biggest, kind, grad.detach()))

        return hook

    def _pre(self, name: str) -> Callable:
        def hook(module, args, kwargs):
            for t in _tensors((args, kwargs)):
                if t.requires_grad:
                    self.tensor_handles.append(t.register_hook(self._grad_hook(name, module, "in")))

        return hook

    def _post(self, name: str) -> Callable:
        def hook(module, args, kwargs, output):
            outs = _tensors(output)
            if not outs:
                return
            finite, biggest, kind = _stats(outs)
            in_finite = _stats(_tensors((args, kwargs)))[0]
            self.forward.append((name, module, finite, biggest, kind, outs[0].dtype, in_finite, args, kwargs))
            for t in outs:
                if t.requires_grad:
                    self.tensor_handles.append(t.register_hook(self._grad_hook(name, module, "out")))

        return hook


def _forward_culprit(trace: _Trace) -> Optional[dict]:
    for i, (name, module, finite, biggest, kind, dtype, in_finite, args, kwargs) in enumerate(trace.forward):
        if finite:
            continue
        found = {
            "phase": "forward",
            "module": name or type(module).__name__,
            "dtype": dtype_name(dtype),
            "kind": kind,
            "max_abs": biggest,
            "input_finite": in_finite,
        }
        if not in_finite and i == 0:
            found["phase"] = "input"  # the very first module already received non-finite values: the batch
        if in_finite and dtype in (torch.float16, torch.bfloat16):
            true = _true_magnitude(module, args, kwargs)
            limit = float(torch.finfo(dtype).max)
            if true is not None and true > limit:
                found.update(kind="overflow", max_abs=true, limit=limit)
        return found
    return None


def _backward_culprit(trace: _Trace) -> Optional[dict]:
    """The first module (in backward order) whose incoming gradient is finite but whose input or parameter
    gradients are not."""
    incoming: dict = {}  # module -> (finite, max) of the gradient reaching its output
    outgoing: dict = {}  # module -> (finite, max, kind, grad) of the gradient it passed to its inputs
    order: list = []
    for _name, module, which, finite, biggest, kind, grad in trace.backward:
        if module not in order:
            order.append(module)
        if which == "out":
            f0, b0 = incoming.get(module, (True, 0.0))
            incoming[module] = (f0 and finite, max(b0, biggest))
        elif module not in outgoing or not finite:
            outgoing[module] = (finite, biggest, kind, grad)
    for module in order:
        name = trace.names.get(module, "")
        own = [p.grad for p in module.parameters(recurse=False) if p.grad is not None]
        p_finite, p_max, p_kind = _stats(own)
        o = outgoing.get(module)
        out_finite = o[0] if o else True
        if incoming.get(module, (True, 0.0))[0] and not (p_finite and out_finite):
            if list(module.children()) and not own and not isinstance(module, torch.nn.RNNBase):
                continue  # a container: one of its children is the more precise answer
            dtype = next((f[5] for f in trace.forward if f[1] is module), None)
            found = {
                "phase": "backward",
                "module": name or type(module).__name__,
                "dtype": dtype_name(dtype) if dtype is not None else "?",
                "kind": (o[2] if o and not out_finite else p_kind) or "nan",
                "max_abs": max(incoming.get(module, (True, 0.0))[1], p_max, o[1] if o else 0.0),
            }
            if o and not out_finite:
                t = _timestep(module, o[3])
                if t is not None:
                    found["timestep"] = t
            return found
    return None


def replay(
    model: torch.nn.Module,
    batch: Any,
    loss_fn: Callable,
    *,
    autocast: Optional[dict] = None,
    no_sync: Optional[Callable] = None,
) -> dict:
    """Recompute ``loss_fn(model, batch)`` and its backward with hooks; return where it first went non-finite.

    The result holds ``phase`` (``input`` | ``forward`` | ``loss`` | ``backward`` | ``none``), ``module``, ``dtype``,
    ``kind`` (``nan`` | ``inf`` | ``overflow``), ``max_abs`` and, where known, ``limit`` and ``timestep``.
    """
    params = [p for p in model.parameters()]
    saved_grads = [p.grad for p in params]
    buffers = [(b, b.detach().clone()) for b in model.buffers()]
    cpu_rng = torch.get_rng_state()
    cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else None
    trace = _Trace(model)
    try:
        for p in params:
            p.grad = None
        trace.attach(model)
        with contextlib.ExitStack() as stack:
            if no_sync is not None:
                stack.enter_context(no_sync())
            if autocast:
                stack.enter_context(torch.autocast(**autocast))
            loss = loss_of(loss_fn(model, batch))  # a tensor, a dict or output holding "loss", a tuple
        if not isinstance(loss, torch.Tensor):
            return {"phase": "error", "error": "loss_fn(model, batch) returned no loss tensor"}
        loss_finite, loss_max, loss_kind = _stats([loss.float().reshape(-1)])
        found = _forward_culprit(trace)
        if found is None and not loss_finite:
            found = {
                "phase": "loss",
                "module": "loss",
                "dtype": dtype_name(loss.dtype),
                "kind": loss_kind,
                "max_abs": loss_max,
            }
        if found is None:
            loss.float().sum().backward()
            found = _backward_culprit(trace)
        if found is None:
            found = {"phase": "none"}
        found["loss"] = float(loss.detach().float().reshape(-1)[0])
        return found
    except Exception as exc:  # provenance must never break the training it is trying to explain
        return {"phase": "error", "error": f"{type(exc).__name__}: {exc}"}
    finally:
        trace.detach()
        for p, g in zip(params, saved_grads):
            p.grad = g
        with torch.no_grad():
            for b, saved in buffers:
                b.copy_(saved)
        torch.set_rng_state(cpu_rng)
        if cuda_rng is not None:
            torch.cuda.set_rng_state_all(cuda_rng)
