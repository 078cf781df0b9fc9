"""Quantities the Monitor reads from the training state each step, computed on the device without syncing.

Everything here returns tensors; the Monitor stacks them and reads them back with one ``.tolist()`` per step.
"""

from __future__ import annotations

import math
from typing import Optional

import torch

# clip_grad_norm_ adds this to the norm before dividing, so that a zero norm does not divide by zero.
_CLIP_EPS = 1e-6


DTYPE_NAMES = {torch.float16: "fp16", torch.bfloat16: "bf16", torch.float32: "fp32", torch.float64: "fp64"}


def dtype_name(dtype: torch.dtype) -> str:
    """``torch.bfloat16`` -> ``bf16``: how people write precisions."""
    return DTYPE_NAMES.get(dtype, str(dtype).replace("torch.", ""))


def grads_of(params: list) -> list:
    """The gradients that exist (parameters without a gradient this step are left out)."""
    return [p.grad for p in params if p.grad is not None]


def per_tensor_norms(grads: list, device: torch.device) -> torch.Tensor:
    """L2 norm of every gradient tensor, fused (``torch._foreach_norm``), in float32, as one 1-D tensor."""
    if not grads:
        return torch.zeros(0, device=device)
    by_device: dict = {}
    for g in grads:
        by_device.setdefault((g.device, g.dtype), []).append(g)
    if len(by_device) == 1:
        norms = torch._foreach_norm(grads, 2)
        return torch.stack(norms).float().to(device)
    # Several devices or dtypes: norm per group, then put them back in parameter order.
    out = torch.empty(len(grads), device=device)
    index = {id(g): i for i, g in enumerate(grads)}
    for group in by_device.values():
        norms = torch.stack(torch._foreach_norm(group, 2)).float().to(device)
        out[torch.tensor([index[id(g)] for g in group], device=device)] = norms
    return out


def total_norm(norms: torch.Tensor) -> torch.Tensor:
    """Global L2 norm from the per-tensor norms (non-finite when any gradient is)."""
    if norms.numel() == 0:
        return torch.zeros((), device=norms.device)
    return torch.linalg.vector_norm(norms, 2)


def clip_(grads: list, norm: torch.Tensor, max_norm: float) -> None:
    """Scale gradients so that their global norm is at most ``max_norm``, reusing an already computed norm.

    Same arithmetic as ``torch.nn.utils.clip_grad_norm_`` (which would compute the norm a second time).
    """
    if not grads:
        return
    coef = torch.clamp(max_norm / (norm + _CLIP_EPS), max=1.0)
    by_device: dict = {}
    for g in grads:
        by_device.setdefault(g.device, []).append(g)
    for dev, group in by_device.items():
        torch._foreach_mul_(group, coef.to(dev))


def as_scalar(value, device: torch.device) -> torch.Tensor:
    """A loss or norm (tensor or number) as a detached float32 0-d tensor on ``device``."""
    if isinstance(value, torch.Tensor):
        return value.detach().float().reshape(-1)[0].to(device) if value.numel() else torch.tensor(math.nan)
    return torch.tensor(float(value), device=device)


def loss_scale_tensor(scaler, device: torch.device) -> Optional[torch.Tensor]:
    """The GradScaler's current scale as a tensor (no ``get_scale()``, which would sync)."""
    if scaler is None or not getattr(scaler, "is_enabled", lambda: False)():
        return None
    scale = getattr(scaler, "_scale", None)
    if isinstance(scale, torch.Tensor):
        return scale.detach().float().reshape(1).to(device)
    return torch.tensor([float(scaler.get_scale())], device=device)


class StaleProbe:
    """Whether gradients are zeroed between optimizer steps, read from one small parameter through one tensor hook.

    When the parameter has no gradient at the first backward pass after a step (``zero_grad()`` sets it to None, the
    default), its gradient is exactly what this step's backward passes deliver: ratio 1, known without touching the
    device. Otherwise (``zero_grad(set_to_none=False)``, or no ``zero_grad`` at all) the hook keeps the sum of the
    incoming gradients and the gradient as it will be after each accumulation, and :meth:`read` hands over their
    norms (taken before any clipping or unscaling, so both sides carry the same scale): in a healthy loop they are
    equal; when the gradient is not zeroed it also holds every earlier step's gradient.

    After FRESH_STEPS_TO_DISARM such steps in a row the hook is removed and each step's gradient is told apart from
    the last one by identity alone (a gradient set to None comes back as a new tensor); a gradient tensor that
    survives a step puts the hook back, so a loop that stops zeroing is measured again from the next step."""

    def __init__(self, params: list) -> None:
        cands = [p for p in params if p.requires_grad and p.numel() >= 2]
        self.param = min(cands, key=lambda p: p.numel()) if cands else None
        # None: no backward since the last read; FRESH: the first one found no gradient; else [after, incoming].
        self.state: Optional[object] = None
        self.handles: list = []
        self.fresh_in_row = 0
        self.last: Optional[torch.Tensor] = None  # the gradient tensor at the last read, once the hook is removed
        self._arm()

    def _arm(self) -> None:
        if self.param is not None and not self.handles:
            self.handles = [self.param.register_hook(self._incoming)]
        self.last, self.fresh_in_row = None, 0

    def _incoming(self, grad: torch.Tensor) -> None:
        state = self.state
        if state is FRESH:
            return
        old = self.param.grad
        if state is None:
            if old is None:
                self.state = FRESH
                return
            g = grad.detach()  # kept, never written into: autograd adds it into .grad, not the other way round
            self.state = [old.detach() + g, g] if old.shape == g.shape else FRESH
            return
        g = grad.detach()
        state[0] = old.detach() + g if old is not None and old.shape == g.shape else g
        state[1] = state[1] + g  # out of place: an earlier incoming tensor may be the one in .grad

    def read(self) -> tuple:
        """``(ratio, norms)`` of the last step, and starts the next one: ratio 1.0 when the step started without a
        gradient; else ``norms``, the device tensors ``[|grad|, |sum of incoming gradients|]`` to read back with the
        step's other values (both None when it is not known: no backward pass seen, or the hook just put back)."""
        if not self.handles:
            return self.ratio(), None
        state, self.state = self.state, None
        if state is None:
            return None, None
        if state is FRESH:
            self.fresh_in_row += 1
            if self.fresh_in_row >= FRESH_STEPS_TO_DISARM:
                self.remove()
                self.last = self.param.grad
            return 1.0, None
        self.fresh_in_row = 0
        return None, list(torch._foreach_norm(state, 2))

    def ratio(self) -> Optional[float]:
        """:meth:`read` once the hook is removed (no device values then): 1.0 when the gradient is a new tensor
        since the last read, else None (not known: no gradient, or the same tensor, and the hook goes back)."""
        grad = self.param.grad if self.param is not None else None
        if grad is None:
            return None
        if grad is self.last:  # the same tensor as a step ago: not set to None; measure from the next step
            self._arm()
            return None
        self.last = grad
        return 1.0

    def reset(self) -> None:
        """Forget what was seen since the last read (a replay's backward is not a training step)."""
        self.state = None
        if not self.handles and self.param is not None:
            self.last = self.param.grad

    def remove(self) -> None:
        """Remove the tensor hook (the probe then tells steps apart by identity alone)."""
        for h in self.handles:
            h.remove()
        self.handles = []


# Steps in a row that began without a gradient before the probe's hook is removed (see StaleProbe): a loop that has
# zeroed by setting gradients to None this long keeps doing so; identity then tells whether it still does.
FRESH_STEPS_TO_DISARM = 50
# The probe's marker for "the step began without a gradient".
FRESH = object()


def lrs(optimizer) -> list:
    """Learning rate of every parameter group (host values; no device work)."""
    out = [group.get("lr", math.nan) for group in optimizer.param_groups]
    for lr in out:
        if type(lr) is not float:  # a tensor lr (read now: the scheduler changes it in place), an int ...
            return [float(v.item() if isinstance(v, torch.Tensor) else v) for v in out]
    return out


def layer_of(param_name: str) -> str:
    """The module that owns a parameter: ``encoder.0.weight`` -> ``encoder.0``."""
    head, _, _ = param_name.rpartition(".")
    return head or param_name


def layer_norms(layers: list, norms: list) -> dict:
    """Per-layer gradient norms from per-tensor norms (host floats), ``layers[i]`` naming tensor ``i``'s module."""
    sq: dict = {}
    for layer, n in zip(layers, norms):
        sq[layer] = sq.get(layer, 0.0) + n * n
    return {k: math.sqrt(v) if math.isfinite(v) else v for k, v in sq.items()}


def run_config(
    model,
    optimizer,
    *,
    policy: str,
    scaler=None,
    autocast: Optional[dict] = None,
    max_grad_norm: Optional[float] = None,
    world_size: int = 1,
    framework: str = "torch",
    num_classes: Optional[int] = None,
    extra: Optional[dict] = None,
) -> dict:
    """The configuration the live log's header carries (keys of :data:`trainmedic.run.CONFIG_KEYS`).

    ``max_grad_norm`` is written only when it is known: a loop that clips by itself is seen doing so (a
    ``clipping`` observation), it is not "off".
    """
    inner = getattr(model, "module", model)
    cfg: dict = {
        "lr": lrs(optimizer)[0] if optimizer.param_groups else None,
        "optimizer": type(getattr(optimizer, "optimizer", optimizer)).__name__,
        "model": type(inner).__name__,
        "total_params": sum(p.numel() for p in inner.parameters()),
        "trainable_params": sum(p.numel() for p in inner.parameters() if p.requires_grad),
        "world_size": world_size,
        "guard_policy": policy,
        "framework": framework,
    }
    if max_grad_norm:
        cfg["max_grad_norm"] = float(max_grad_norm)
    if num_classes:
        cfg["num_classes"] = int(num_classes)
    kinds = (torch.nn.LSTM, torch.nn.GRU, torch.nn.RNN)
    recurrent = sorted({f"nn.{k.__name__}" for m in inner.modules() for k in kinds if isinstance(m, k)})
    if recurrent:
        cfg["recurrent_layers"] = recurrent  # spelled as the config readers spell them: nn.LSTM, nn.GRU
    if scaler is not None and scaler.is_enabled():
        cfg["precision"] = "fp16"
    elif autocast and autocast.get("dtype") is not None:
        cfg["precision"] = dtype_name(autocast["dtype"])
    cfg.update(extra or {})
    return cfg
