"""One forward pass on the user's batch, whatever its shape: an HF-style dict with ``labels``, an
``(inputs, labels)`` tuple, or a tensor with a ``loss_fn``. Hooks record what the structural checks need: outputs
of Softmax/LogSoftmax/Sigmoid modules and the sequence length each recurrent layer sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

LABEL_KEYS = ("labels", "label", "targets", "target", "y")
RECURRENT = ("RNN", "LSTM", "GRU")
# HF's ignore index: label positions that the loss skips.
IGNORE_INDEX = -100


@dataclass
class Forward:
    """What one forward pass produced."""

    inputs: Any
    labels: Any
    output: Any
    logits: Any
    loss: Any
    loss_kind: str  # "cross_entropy" | "bce" | "bce_logits" | "nll" | "model" | "custom"
    prob_outputs: list = field(default_factory=list)  # (module name, kind, tensor) of Softmax/LogSoftmax/Sigmoid
    recurrent_lengths: dict = field(default_factory=dict)  # module name -> sequence length seen


def split_batch(batch: Any) -> tuple:
    """(inputs, labels) of a batch; labels is None when the batch carries none."""
    if isinstance(batch, dict):
        for k in LABEL_KEYS:
            if k in batch:
                return batch, batch[k]
        return batch, None
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    return batch, None


def loss_kind(called: set) -> str:
    """What kind of loss a ``loss_fn(model, batch)`` computed, from the torch functions it called."""
    import torch.nn.functional as F

    for fn, kind in (
        (F.cross_entropy, "cross_entropy"),
        (F.nll_loss, "nll"),
        (F.binary_cross_entropy_with_logits, "bce_logits"),
        (F.binary_cross_entropy, "bce"),
    ):
        if fn in called:
            return kind
    return "custom"


def _recorder():
    """A torch function mode that notes which functions are called (to see which loss a ``loss_fn`` uses)."""
    from torch.overrides import TorchFunctionMode

    class Calls(TorchFunctionMode):
        def __init__(self) -> None:
            super().__init__()
            self.seen: set = set()

        def __torch_function__(self, func, types, args=(), kwargs=None):
            self.seen.add(func)
            return func(*args, **(kwargs or {}))

    return Calls()


def logits_of(output: Any) -> Any:
    """The prediction tensor in a model output (HF ``ModelOutput.logits``, a dict, a tuple's first tensor)."""
    import torch

    if isinstance(output, torch.Tensor):
        return output
    logits = getattr(output, "logits", None)
    if logits is not None:
        return logits
    if isinstance(output, dict):
        for k in ("logits", "output", "out", "pred", "preds", "y_hat"):
            if k in output:
                return output[k]
    if isinstance(output, (tuple, list)):
        for o in output:
            if isinstance(o, torch.Tensor) and o.dim() >= 1:
                return o
    return None


def _hooks(model: Any, fw: Forward) -> list:
    import torch

    handles = []
    for name, mod in model.named_modules():
        kind = {torch.nn.Softmax: "softmax", torch.nn.LogSoftmax: "log_softmax", torch.nn.Sigmoid: "sigmoid"}.get(
            type(mod)
        )
        if kind:
            handles.append(
                mod.register_forward_hook(lambda m, i, o, name=name, kind=kind: fw.prob_outputs.append((name, kind, o)))
            )
        if type(mod).__name__ in RECURRENT and isinstance(mod, torch.nn.RNNBase):

            def pre(m, args, name=name):
                x = args[0] if args else None
                if isinstance(x, torch.nn.utils.rnn.PackedSequence):
                    fw.recurrent_lengths[name] = int(x.batch_sizes.shape[0])
                elif isinstance(x, torch.Tensor) and x.dim() == 3:
                    fw.recurrent_lengths[name] = int(x.shape[1] if m.batch_first else x.shape[0])

            handles.append(mod.register_forward_pre_hook(pre))
    return handles


def forward(model: Any, batch: Any, loss_fn: Optional[Callable], autocast_dtype: Any = None) -> Forward:
    """Run the model on the batch (in whatever mode it is in) and compute the loss the training would use:
    ``loss_fn(model, batch)`` when given (see :mod:`trainmedic.lossfn`), else the model's own loss (HF) or
    cross-entropy on ``(inputs, labels)``."""
    import contextlib

    import torch
    import torch.nn.functional as F

    from ..lossfn import call_loss_fn

    inputs, labels = split_batch(batch)
    fw = Forward(inputs=inputs, labels=labels, output=None, logits=None, loss=None, loss_kind="cross_entropy")
    handles = _hooks(model, fw)
    outputs: list = []
    handles.append(model.register_forward_hook(lambda m, a, out: outputs.append(out)))
    ctx: Any = contextlib.nullcontext()
    if autocast_dtype is not None:
        device = next((p.device.type for p in model.parameters()), "cpu")
        ctx = torch.autocast(device_type=device, dtype=autocast_dtype)
    try:
        with ctx:
            if loss_fn is not None:
                with _recorder() as calls:
                    fw.loss = call_loss_fn(loss_fn, model, batch)
                fw.loss_kind = loss_kind(calls.seen)
                fw.output = outputs[0] if outputs else None
                fw.logits = logits_of(fw.output)
                return fw
            fw.output = model(**inputs) if isinstance(inputs, dict) else model(inputs)
            fw.logits = logits_of(fw.output)
            model_loss = getattr(fw.output, "loss", None)
            if model_loss is None and isinstance(fw.output, dict):
                model_loss = fw.output.get("loss")
            if model_loss is not None:
                fw.loss, fw.loss_kind = model_loss, "model"
            elif labels is not None and fw.logits is not None:
                fw.loss = F.cross_entropy(fw.logits.float(), labels)
    finally:
        for h in handles:
            h.remove()
    return fw
