"""Weight statistics of one checkpoint, computed tensor by tensor: non-finite counts, global and per-module norms."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

# Prefixes that wrappers add in front of every parameter name (DDP, torch.compile, Lightning's `self.model`).
WRAPPER_PREFIXES = ("module.", "_orig_mod.", "model.")


@dataclass
class TensorStat:
    """Size, non-finite count and sum of squares of one tensor: all a checkpoint's triage needs of it."""

    numel: int
    nonfinite: int
    sumsq: float  # sum of squares of the finite entries


@dataclass
class CheckpointStats:
    """What the weights of a checkpoint look like. ``tensors`` is kept small: three numbers per tensor."""

    tensors: dict = field(default_factory=dict)  # name -> TensorStat (model weights)
    optimizer_nonfinite: int = 0
    optimizer_numel: int = 0

    def add_weight(self, name: str, tensor: Any) -> None:
        """Count a model weight (integer buffers and values that are not tensors are skipped)."""
        st = tensor_stat(tensor)
        if st is not None:
            self.tensors[name] = st

    def add_optimizer(self, name: str, tensor: Any) -> None:
        """Count an optimizer state tensor: only its non-finite entries matter (they replay the NaN on resume)."""
        st = tensor_stat(tensor)
        if st is not None:
            self.optimizer_nonfinite += st.nonfinite
            self.optimizer_numel += st.numel

    @property
    def nonfinite(self) -> int:
        """Non-finite entries over every weight."""
        return sum(t.nonfinite for t in self.tensors.values())

    @property
    def numel(self) -> int:
        """Entries over every weight."""
        return sum(t.numel for t in self.tensors.values())

    @property
    def global_norm(self) -> float:
        """L2 norm over the finite entries of every weight (NaN entries are counted separately)."""
        return math.sqrt(sum(t.sumsq for t in self.tensors.values()))

    def module_norms(self, depth: Optional[int] = None) -> dict:
        """Norm and non-finite count per top-level module: name -> (norm, nonfinite)."""
        names = list(self.tensors)
        depth = depth or module_depth(names)
        out: dict = {}
        for name, st in self.tensors.items():
            key = module_of(name, depth)
            sq, nf = out.get(key, (0.0, 0))
            out[key] = (sq + st.sumsq, nf + st.nonfinite)
        return {k: (math.sqrt(sq), nf) for k, (sq, nf) in out.items()}


def tensor_stat(tensor: Any) -> Optional[TensorStat]:
    """Numbers of one floating-point tensor; None for integer buffers (step counters, position ids)."""
    import torch

    if not isinstance(tensor, torch.Tensor) or not tensor.is_floating_point() or tensor.numel() == 0:
        return None
    finite = torch.isfinite(tensor)
    nonfinite = int(tensor.numel() - int(finite.sum()))
    clean = tensor if nonfinite == 0 else torch.where(finite, tensor, torch.zeros((), dtype=tensor.dtype))
    sumsq = float(clean.double().pow(2).sum())
    return TensorStat(int(tensor.numel()), nonfinite, sumsq)


def strip_wrappers(name: str) -> str:
    """A parameter name without the prefixes DDP, torch.compile and Lightning add (``module.``, ``_orig_mod.`` ...)."""
    changed = True
    while changed:
        changed = False
        for p in WRAPPER_PREFIXES:
            if name.startswith(p) and len(name) > len(p):
                name, changed = name[len(p) :], True
    return name


def module_of(name: str, depth: int) -> str:
    """The module a parameter belongs to, ``depth`` levels deep (``encoder.layer`` for ``encoder.layer.0.weight`` at
    depth 2)."""
    parts = strip_wrappers(name).split(".")
    # Drop the parameter's own name (weight/bias) so that a module is never split into its tensors.
    parts = parts[:-1] or parts
    return ".".join(parts[:depth])


def module_depth(names: list) -> int:
    """The shallowest depth that shows at least two modules (``bert.encoder`` rather than just ``bert``)."""
    for depth in (1, 2, 3):
        if len({module_of(n, depth) for n in names}) >= 2:
            return depth
    return 1
