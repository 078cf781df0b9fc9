"""One ``loss_fn`` contract wherever trainmedic accepts one (``Monitor``, the callbacks, ``preflight``):

    loss_fn(model, batch) -> loss

``loss`` is a tensor, or anything holding one: a dict with ``"loss"``, an object with ``.loss`` (a Hugging Face
``ModelOutput``), a tuple whose first item is the loss. A criterion such as ``nn.CrossEntropyLoss()`` or
``F.cross_entropy`` takes ``(logits, labels)`` instead: it is refused when it is given, with the line to write,
rather than failing later inside the user's code. No torch import at module level.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, Callable, Optional

# Parameter names that say "I take predictions and targets", not "I take a model and a batch".
CRITERION_NAMES = (
    "input",
    "inputs",
    "logits",
    "output",
    "outputs",
    "pred",
    "preds",
    "prediction",
    "predictions",
    "y_pred",
    "y_hat",
    "scores",
    "probs",
)
HINT = "loss_fn=lambda model, batch: criterion(model(batch[0]), batch[1])"


class LossFnError(TypeError):
    """A ``loss_fn`` that does not follow the ``loss_fn(model, batch) -> loss`` contract."""


def _is_criterion(fn: Any) -> Optional[str]:
    """The name of the criterion ``fn`` is (a torch loss module or functional loss), else None."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is needed for a loss anyway
        return None
    if isinstance(fn, torch.nn.modules.loss._Loss):
        return type(fn).__name__
    module = getattr(fn, "__module__", "") or ""
    if module.startswith("torch.nn.functional") or module.startswith("torch._C"):
        return getattr(fn, "__name__", repr(fn))
    return None


def check_loss_fn(fn: Optional[Callable], where: str) -> Optional[Callable]:
    """``fn`` when it follows the contract (or is None); raises :class:`LossFnError` naming the fix when it takes
    ``(logits, labels)`` or cannot take two arguments."""
    if fn is None:
        return None
    if not callable(fn):
        raise LossFnError(f"{where}: loss_fn must be callable as loss_fn(model, batch), got {type(fn).__name__}")
    crit = _is_criterion(fn)
    if crit:
        raise LossFnError(
            f"{where}: loss_fn is called as loss_fn(model, batch) and returns the loss; {crit} takes "
            f"(logits, labels). Wrap it, e.g. {HINT}"
        )
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return fn  # a builtin or C callable without a signature: trust it
    params = [p for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    varargs = any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values())
    required = [p for p in params if p.default is p.empty]
    if not varargs and (len(params) < 2 or len(required) > 2):
        raise LossFnError(f"{where}: loss_fn must take two arguments, (model, batch); its signature is {sig}")
    if params and params[0].name.lower() in CRITERION_NAMES:
        raise LossFnError(
            f"{where}: loss_fn is called as loss_fn(model, batch), but its first argument is named "
            f"{params[0].name!r}, which looks like (logits, labels). Wrap it, e.g. {HINT}"
        )
    return fn


def loss_of(output: Any) -> Any:
    """The loss inside whatever a loss function or a model returned (None when there is none)."""
    try:
        import torch

        tensor = torch.Tensor
    except ImportError:  # pragma: no cover
        tensor = ()
    if output is None or (tensor and isinstance(output, tensor)) or isinstance(output, (int, float)):
        return output
    if isinstance(output, Mapping):
        return output.get("loss")
    loss = getattr(output, "loss", None)
    if loss is not None:
        return loss
    if isinstance(output, (tuple, list)) and output:
        return loss_of(output[0]) if tensor and isinstance(output[0], tensor) else None
    return None


def call_loss_fn(fn: Callable, model: Any, batch: Any) -> Any:
    """``loss_of(fn(model, batch))``; an exception raised inside becomes a :class:`LossFnError` that says which call
    failed (the original is chained)."""
    try:
        return loss_of(fn(model, batch))
    except Exception as exc:
        raise LossFnError(f"loss_fn(model, batch) raised {type(exc).__name__}: {exc}") from exc
