"""Read checkpoint tensors without executing pickled code, one tensor at a time.

- ``.safetensors``: ``safe_open`` yields tensor by tensor; the format holds no code at all.
- everything else: ``torch.load(weights_only=True, mmap=True)``. ``weights_only`` uses PyTorch's restricted
  unpickler, which refuses any global it does not know (so a payload's ``__reduce__`` never runs), and ``mmap``
  leaves the tensors on disk until they are touched, so a multi-GB checkpoint fits in bounded memory. Legacy
  (non-zip) files cannot be memory-mapped and are read with ``weights_only=True`` alone.

A file that ``weights_only`` refuses (a Lightning ``.ckpt`` whose ``hyper_parameters`` hold arbitrary objects, a
whole pickled model) is reported as not safely readable; it is never loaded with a full unpickler.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

# Keys under which frameworks nest the model weights inside a checkpoint dict.
STATE_DICT_KEYS = ("state_dict", "model_state_dict", "model", "module", "net", "network", "weights")
# Top-level keys that hold a step/epoch counter in Lightning and hand-written checkpoints.
STEP_KEYS = ("global_step", "step", "iteration")
EPOCH_KEYS = ("epoch",)


class UnsafeCheckpoint(Exception):
    """The file would need a full unpickler (code execution) to read; it was refused."""


@dataclass
class Counters:
    """Where in the run a checkpoint file says it was saved, when it records it."""

    step: Optional[int] = None
    epoch: Optional[float] = None


def iter_safetensors(path: Path) -> Iterator[tuple]:
    """(name, tensor) pairs of a safetensors file, loaded one at a time."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as fh:
        for key in fh.keys():
            yield key, fh.get_tensor(key)


def torch_load_safely(path: Path) -> Any:
    """``torch.load`` with the restricted unpickler; raises :class:`UnsafeCheckpoint` when it refuses the file."""
    import pickle

    import torch

    try:
        return torch.load(str(path), map_location="cpu", weights_only=True, mmap=True)
    except pickle.UnpicklingError as exc:
        raise UnsafeCheckpoint(_first_line(exc)) from None
    except RuntimeError as exc:
        if "mmap" not in str(exc) and "zip" not in str(exc).lower():
            raise
    # Legacy (non-zip) serialisation cannot be memory-mapped.
    try:
        return torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise UnsafeCheckpoint(_first_line(exc)) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    for line in text:
        if "Unsupported global" in line or "GLOBAL" in line:
            return line.strip()
    return text[0].strip() if text else type(exc).__name__


def flatten(obj: Any, prefix: str = "") -> Iterator[tuple]:
    """Every tensor in nested dicts/lists, with dotted names."""
    import torch

    if isinstance(obj, torch.Tensor):
        yield prefix, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from flatten(v, f"{prefix}.{i}" if prefix else str(i))


def model_state(obj: Any) -> dict:
    """The model weights inside a loaded checkpoint: a nested ``state_dict`` when there is one, else the tensors."""
    if isinstance(obj, dict):
        for key in STATE_DICT_KEYS:
            inner = obj.get(key)
            if isinstance(inner, dict) and any(True for _ in flatten(inner)):
                return dict(flatten(inner))
    return dict(flatten(obj))


def _counter(obj: Any, keys: tuple) -> Optional[float]:
    if isinstance(obj, dict):
        for k in keys:
            v = obj.get(k)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return v
    return None


def read_checkpoint(files: list, optimizer_file: Optional[Path], on_weight: Callable[[str, Any], None],
                    on_optimizer: Callable[[str, Any], None]) -> Counters:
    """Stream the tensors of one checkpoint to ``on_weight`` (model) and ``on_optimizer`` (optimizer state), safely.

    Raises :class:`UnsafeCheckpoint` when a file would need code execution to read.
    """
    out = Counters()
    for f in files:
        f = Path(f)
        if f.suffix == ".safetensors":
            for name, tensor in iter_safetensors(f):
                on_weight(name, tensor)
            continue
        obj = torch_load_safely(f)
        for name, tensor in model_state(obj).items():
            on_weight(name, tensor)
        step, epoch = _counter(obj, STEP_KEYS), _counter(obj, EPOCH_KEYS)
        out.step = int(step) if step is not None else out.step
        out.epoch = epoch if epoch is not None else out.epoch
        if isinstance(obj, dict):
            for key in ("optimizer_states", "optimizer_state_dict", "optimizer"):
                if key in obj:
                    for name, tensor in flatten(obj[key], key):
                        on_optimizer(name, tensor)
        del obj
    if optimizer_file is not None:
        for name, tensor in flatten(torch_load_safely(optimizer_file)):
            on_optimizer(name, tensor)
    return out
