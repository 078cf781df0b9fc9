"""Read checkpoint tensors without executing pickled code, one tensor at a time.

- ``.safetensors``: ``safe_open`` yields tensor by tensor; the format holds no code at all.
- everything else: ``torch.load(weights_only=True, mmap=True)``. ``weights_only`` uses PyTorch's restricted
  unpickler, which refuses any global it does not know (so a payload's ``__reduce__`` never runs), and ``mmap``
  leaves the tensors on disk until they are touched, so a multi-GB checkpoint fits in bounded memory. Legacy
  (non-zip) files cannot be memory-mapped and are read with ``weights_only=True`` alone.

A file that ``weights_only`` refuses (a Lightning ``.ckpt`` whose ``hyper_parameters`` hold arbitrary objects, a
whole pickled model) is reported as not safely readable; it is never loaded with a full unpickler.

``weights_only`` bounds what a pickle may name, not what it costs: a 2 KB pickle whose tuples share references is
hashed as a tree of billions of nodes. So the pickle is first dry-run on trainmedic's bounded machine
(:func:`trainmedic.safe_pickle.dry_run`), and the loaded object is walked once per shared container.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from ..safe_pickle import TooLargeError, dry_run

# Keys under which frameworks nest the model weights inside a checkpoint dict.
STATE_DICT_KEYS = ("state_dict", "model_state_dict", "model", "module", "net", "network", "weights")
# Top-level keys that hold a step/epoch counter in Lightning and hand-written checkpoints.
STEP_KEYS = ("global_step", "step", "iteration")
EPOCH_KEYS = ("epoch",)
# A checkpoint's pickle holds the structure only (tensor data are separate records): a few objects per tensor, so a
# few hundred thousand for the largest models with their optimizer state. Past these the file is not a checkpoint.
MAX_PICKLE_NODES = 2_000_000
MAX_PICKLE_BYTES = 64 * 1024 * 1024
# Containers walked when looking for tensors in a loaded checkpoint (each shared container once).
MAX_WALK = 1_000_000
_TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


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


class _Capped:
    """A file read no further than ``limit`` bytes from where it stands: a pickle op cannot claim gigabytes."""

    def __init__(self, fh: Any, limit: int) -> None:
        self.fh, self.left = fh, limit

    def tell(self) -> int:
        return self.fh.tell()

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0 or n > self.left:
            raise TooLargeError(f"a pickle of more than {MAX_PICKLE_BYTES:,} bytes")
        data = self.fh.read(n)
        self.left -= len(data)
        return data

    def readline(self, limit: int = -1) -> bytes:
        data = self.fh.readline(min(self.left, 1 << 20))
        self.left -= len(data)
        return data


def check_pickle(path: Path) -> None:
    """Dry-run the pickle of a torch.save file (zip or legacy) on the bounded machine before torch.load reads it.

    Raises :class:`~trainmedic.safe_pickle.TooLargeError` or ``pickle.UnpicklingError``.
    """
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if i.filename == "data.pkl" or i.filename.endswith("/data.pkl")]
            if not infos:
                return  # not a torch.save zip: torch.load says what it is
            if infos[0].file_size > MAX_PICKLE_BYTES:
                raise TooLargeError(f"data.pkl of more than {MAX_PICKLE_BYTES:,} bytes")
            with zf.open(infos[0]) as member:
                dry_run(io.BytesIO(member.read(MAX_PICKLE_BYTES)), max_nodes=MAX_PICKLE_NODES)
        return
    with open(path, "rb") as fh:
        capped = _Capped(fh, MAX_PICKLE_BYTES)
        head = fh.read(2)
        fh.seek(0)
        if head[:1] != b"\x80":
            return  # not a pickle: torch.load says what it is
        # Legacy torch.save: magic number, protocol, system info, then the object (then raw storage bytes).
        for _ in range(4):
            dry_run(capped, max_nodes=MAX_PICKLE_NODES)


def torch_load_safely(path: Path) -> Any:
    """``torch.load`` with the restricted unpickler, after :func:`check_pickle`; raises :class:`UnsafeCheckpoint`
    when it refuses the file, ``pickle.UnpicklingError`` when the pickle is past the budget or damaged."""
    import pickle

    import torch

    check_pickle(path)

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
    """Every tensor in nested dicts/lists, with dotted names.

    A container reached twice (lists that share references, or contain themselves) is walked once, under the first
    name that reached it: walked as a tree, 2 KB of shared lists are billions of paths. At most :data:`MAX_WALK`
    containers are walked.
    """
    import torch

    seen: set = set()
    stack = [(prefix, obj)]
    while stack:
        name, item = stack.pop()
        if isinstance(item, torch.Tensor):
            yield name, item
            continue
        if isinstance(item, dict):
            children = [(f"{name}.{k}" if name else str(k), v) for k, v in item.items()]
        elif isinstance(item, (list, tuple)):
            children = [(f"{name}.{i}" if name else str(i), v) for i, v in enumerate(item)]
        else:
            continue
        if id(item) in seen:
            continue
        seen.add(id(item))
        if len(seen) > MAX_WALK:
            raise TooLargeError(f"more than {MAX_WALK:,} nested containers")
        stack.extend(reversed(children))


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


def read_checkpoint(
    files: list,
    optimizer_file: Optional[Path],
    on_weight: Callable[[str, Any], None],
    on_optimizer: Callable[[str, Any], None],
) -> Counters:
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
