"""Facts the Monitor reads once (or on a bad step), not every step: what trains and what the optimizer holds, the
number of classes, what the inputs and labels of the first batch look like, whether a batch holds NaN/inf.

Each returns typed observations (:mod:`trainmedic.observations`). These read values back to the host, which is
why they run on the first step and on failing steps only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

import torch

from ..observations import InputStats, LabelStats, ParameterCounts

# Keys under which batches carry their labels (HF dicts, user dicts).
LABEL_KEYS = ("labels", "label", "targets", "target", "y")
# Floating inputs summarised per batch: at most this many tensors (a batch of dozens of feature tensors is rare and
# its first ones say enough).
MAX_INPUTS = 8


def optimizer_params(optimizer: Any) -> list:
    """Every parameter the optimizer will update, in group order: what must stay finite."""
    return [p for g in getattr(optimizer, "param_groups", []) for p in g["params"]]


def parameter_counts(model: torch.nn.Module, optimizer: Any) -> ParameterCounts:
    """Trainable, frozen and optimised parameter counts, and the modules that are entirely frozen or missed."""
    inner = getattr(model, "module", model)
    held = {id(p) for p in optimizer_params(optimizer)}
    total = trainable = optimized = missed = 0
    modules: dict = {}  # top-level module -> [trainable, missed]
    named = list(inner.named_parameters())
    for name, p in named:
        n = p.numel()
        top = name.split(".", 1)[0] if "." in name else "(root)"
        row = modules.setdefault(top, [0, 0])
        total += n
        if p.requires_grad:
            trainable += n
            row[0] += n
            if id(p) in held:
                optimized += n
            else:
                missed += n
                row[1] += n
    own = {id(p) for _, p in named}
    outside = sum(p.numel() for p in optimizer_params(optimizer) if id(p) not in own)
    return ParameterCounts(
        step=None,
        total=total,
        trainable=trainable,
        optimized=optimized,
        missed=missed,
        outside=outside,
        frozen_modules=tuple(m for m, r in modules.items() if r[0] == 0),
        missed_modules=tuple(m for m, r in modules.items() if r[1] and r[1] == r[0]),
    )


def num_classes_of(model: torch.nn.Module) -> Optional[int]:
    """The number of classes the model predicts: ``config.num_labels``, else the width of its last linear layer."""
    inner = getattr(model, "module", model)
    cfg = getattr(inner, "config", None)
    k = getattr(cfg, "num_labels", None)
    if isinstance(k, int) and k >= 1:
        return k
    last = None
    for m in inner.modules():
        if isinstance(m, torch.nn.Linear):
            last = m
    return int(last.out_features) if last is not None else None


def split_batch(batch: Any) -> tuple:
    """(inputs, labels) of a batch: a dict with a label key, an ``(inputs, labels)`` pair, or inputs alone."""
    if isinstance(batch, Mapping):
        key = next((k for k in LABEL_KEYS if k in batch), None)
        return {k: v for k, v in batch.items() if k != key}, (batch[key] if key else None)
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    return batch, None


def float_tensors(obj: Any, prefix: str = "input") -> list:
    """(name, tensor) of every floating-point tensor in a nested batch."""
    if isinstance(obj, torch.Tensor):
        return [(prefix, obj)] if obj.is_floating_point() else []
    if isinstance(obj, Mapping):
        return [t for k, v in obj.items() for t in float_tensors(v, str(k))]
    if isinstance(obj, (tuple, list)):
        return [t for i, v in enumerate(obj) for t in float_tensors(v, f"{prefix}[{i}]")]
    return []


def batch_has_nonfinite(batch: Any) -> Optional[bool]:
    """Whether a floating-point tensor of the batch holds NaN or inf (None when the batch has none to check)."""
    tensors = float_tensors(batch)
    if not tensors:
        return None
    flags = torch.stack([(~torch.isfinite(t)).any().to("cpu") for _, t in tensors])
    return bool(flags.any())


def input_stats(batch: Any, step: int) -> list:
    """Summary statistics of the floating-point inputs of a batch (labels excluded)."""
    inputs, _ = split_batch(batch)
    out = []
    for name, t in float_tensors(inputs)[:MAX_INPUTS]:
        x = t.detach().float()
        fin = torch.isfinite(x)
        vals = x[fin]
        if not vals.numel():
            out.append(InputStats(step=step, name=name, nonfinite=int(x.numel())))
            continue
        stats = torch.stack(
            [
                vals.min(),
                vals.max(),
                vals.mean(),
                vals.std() if vals.numel() > 1 else vals.new_zeros(()),
                (vals == vals.round()).all().float(),
                (~fin).sum().float(),
            ]
        ).tolist()
        out.append(
            InputStats(
                step=step,
                name=name,
                minimum=stats[0],
                maximum=stats[1],
                mean=stats[2],
                std=stats[3],
                integer_valued=bool(stats[4]),
                nonfinite=int(stats[5]),
            )
        )
    return out


def label_stats(batch: Any, num_classes: Optional[int], split: str, step: Optional[int]) -> Optional[LabelStats]:
    """Counts per class of the integer labels of a batch (None when it holds no class labels)."""
    _, labels = split_batch(batch)
    if not isinstance(labels, torch.Tensor) or labels.is_floating_point() or labels.dim() > 2 or not labels.numel():
        return None
    flat = labels.detach().reshape(-1)
    flat = flat[flat >= 0]  # -100 and other ignore values
    if not flat.numel():
        return None
    return LabelStats(
        step=step,
        split=split,
        counts=tuple(int(c) for c in torch.bincount(flat.cpu()).tolist()),
        num_classes=num_classes,
    )


def merge_labels(a: Optional[LabelStats], b: Optional[LabelStats]) -> Optional[LabelStats]:
    """Label counts of two batches added together."""
    if a is None or b is None:
        return a or b
    n = max(len(a.counts), len(b.counts))
    counts = tuple(
        (a.counts[i] if i < len(a.counts) else 0) + (b.counts[i] if i < len(b.counts) else 0) for i in range(n)
    )
    return LabelStats(step=a.step, split=a.split, counts=counts, num_classes=a.num_classes or b.num_classes)
