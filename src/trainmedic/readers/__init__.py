"""Readers: artifacts -> :class:`~trainmedic.run.Run`.

Each format is a small module that registers a :class:`Reader` with :func:`register`. A reader has a ``sniff``
function (how sure it is that it can read a path, 0..1, from the path and its first bytes) and a ``read`` function
that returns a Run. :func:`load_run` picks readers for every path (walking directories) and merges what they return.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from ..errors import InputError
from ..run import Run

HEAD_BYTES = 64 * 1024


@dataclass
class Reader:
    """A registered reader. ``kind`` is ``metrics`` (series) or ``config`` (configuration only)."""

    name: str  # format name used in reports: hf-trainer, lightning-csv, tensorboard, csv, jsonl, text-log ...
    sniff: Callable[[Path, bytes], float]
    read: Callable[[Path], Run]
    kind: str = "metrics"
    directory: bool = False  # True when the reader claims whole directories (HF output dir, mlruns ...)
    # For a directory reader: owns(directory, path) says whether ``path`` inside the directory was already read by it
    # (so the walk does not read it again). None means the reader consumed the whole directory.
    owns: Optional[Callable[[Path, Path], bool]] = None


_REGISTRY: list[Reader] = []

# Modules that register readers, imported lazily on first use so that `import trainmedic` stays fast.
READER_MODULES = (
    "hf",
    "lightning",
    "tensorboard",
    "table",
    "mlflow",
    "wandb",
    "live",
    "config",
    "textlog",
    "allennlp",
    "document",
)


def register(reader: Reader) -> Reader:
    """Register a reader (called at import time by each reader module)."""
    _REGISTRY[:] = [r for r in _REGISTRY if (r.name, r.directory) != (reader.name, reader.directory)]
    _REGISTRY.append(reader)
    return reader


_loaded = False


def readers() -> list[Reader]:
    """All registered readers (importing the reader modules on first call)."""
    global _loaded
    if not _loaded:
        for mod in READER_MODULES:
            try:
                importlib.import_module(f"{__name__}.{mod}")
            except ModuleNotFoundError as exc:
                if exc.name and exc.name.startswith(f"{__name__}.{mod}"):
                    continue  # module not written yet
                raise
        _loaded = True
    return list(_REGISTRY)


def read_head(path: Path, n: int = HEAD_BYTES) -> bytes:
    """The first ``n`` bytes of ``path``, for the sniffers; an InputError when the file cannot be read."""
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror or exc})") from None


def pick_reader(path: Path, *, directory: bool = False) -> Optional[Reader]:
    """The reader most confident it can read ``path`` (None when none is)."""
    head = b"" if directory else read_head(path)
    best, best_score = None, 0.0
    for r in readers():
        if r.directory != directory:
            continue
        try:
            score = float(r.sniff(path, head))
        except Exception:  # a sniffer must never break loading
            score = 0.0
        if score > best_score:
            best, best_score = r, score
    return best


def load_run(paths: Iterable[os.PathLike | str]) -> Run:
    """Read every path (files or run directories) as parts of one run and merge them.

    Raises :class:`InputError` when a path does not exist, nothing readable is found, or a file that was named
    explicitly cannot be read.
    """
    from .discover import load_paths  # the walking and merging logic lives beside the readers

    return load_paths([Path(p) for p in paths])
