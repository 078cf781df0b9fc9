"""Leave the user's model, optimizer and random state exactly as they were.

Preflight runs a forward and backward pass (which writes ``.grad`` and, in train mode, BatchNorm running statistics),
switches modules to train mode, and consumes random numbers (dropout, shuffled eval loaders). :class:`Preserved`
records all of that before and puts it back after, whatever happens in between. Parameters themselves are never
stepped (the overfit check trains a deep copy), so they are not copied.
"""

from __future__ import annotations

import random
from typing import Any, Optional

import numpy as np


class Preserved:
    """Context manager: snapshot model buffers, grads, train/eval modes, requires_grad and RNG; restore on exit."""

    def __init__(self, model: Any, optimizer: Optional[Any] = None):
        self.model = model
        self.optimizer = optimizer

    def __enter__(self) -> Preserved:
        import torch

        m = self.model
        self.modes = {name: mod.training for name, mod in m.named_modules()}
        self.requires_grad = {name: p.requires_grad for name, p in m.named_parameters()}
        self.grads = {name: (None if p.grad is None else p.grad.detach().clone()) for name, p in m.named_parameters()}
        self.buffers = {name: b.detach().clone() for name, b in m.named_buffers()}
        self.torch_rng = torch.get_rng_state()
        self.cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
        self.py_rng = random.getstate()
        self.np_rng = np.random.get_state()
        return self

    def __exit__(self, *exc: Any) -> None:
        import torch

        m = self.model
        with torch.no_grad():
            for name, p in m.named_parameters():
                p.requires_grad_(self.requires_grad.get(name, p.requires_grad))
                p.grad = self.grads.get(name)
            for name, b in m.named_buffers():
                if name in self.buffers:
                    b.copy_(self.buffers[name])
        for name, mod in m.named_modules():
            if name in self.modes:
                mod.training = self.modes[name]
        torch.set_rng_state(self.torch_rng)
        if self.cuda_rng is not None:
            torch.cuda.set_rng_state_all(self.cuda_rng)
        random.setstate(self.py_rng)
        np.random.set_state(self.np_rng)
