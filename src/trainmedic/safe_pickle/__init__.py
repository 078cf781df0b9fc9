"""Read pickled artifacts (``training_args.bin``) as plain data, without importing or calling anything they name,
in bounded time and memory.

A pickle is a small program. :mod:`.opcodes` runs it on :mod:`.machine` itself (never the standard unpickler), :mod:`.names`
decides what each name it mentions may stand for (a plain-data constructor, a stand-in for a class, or a refusal),
and :func:`to_plain` turns the result into dicts and lists. ``torch.save`` files (a zip holding ``<name>/data.pkl``)
and the legacy torch format are read the same way.

Limits (each refusal is a ``pickle.UnpicklingError`` naming it): the file and the pickle inside it at most
:data:`MAX_FILE_BYTES` / :data:`MAX_PICKLE_BYTES` (checked before reading or inflating), at most
:data:`~.machine.MAX_NODES` objects built, keys of at most :data:`~.machine.MAX_KEY_NODES` nested values, and
:data:`~.plain.MAX_DEPTH` levels kept.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

from .machine import MAX_KEY_NODES, MAX_NODES
from .names import PickledObject, TooLargeError, UnsafePickleError
from .opcodes import run
from .plain import MAX_DEPTH, to_plain

__all__ = [
    "loads",
    "load_file",
    "dry_run",
    "to_plain",
    "PickledObject",
    "UnsafePickleError",
    "TooLargeError",
    "MAX_FILE_BYTES",
    "MAX_PICKLE_BYTES",
    "MAX_NODES",
    "MAX_KEY_NODES",
    "MAX_DEPTH",
]

# A TrainingArguments pickle is 5-10 KB, its torch.save zip about as much; 100x that is still a config, anything
# larger is something else (and a zip's central directory or a pickle's opcodes cost time in proportion).
MAX_FILE_BYTES = 2 * 1024 * 1024
# The pickle itself, after inflating it from a zip: a zip bomb is stopped at this many bytes, not at gigabytes.
MAX_PICKLE_BYTES = 2 * 1024 * 1024
_TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def loads(data: bytes) -> Any:
    """Unpickle ``data`` as plain data and stand-ins. Raises :class:`UnsafePickleError` when it names code to run,
    :class:`TooLargeError` past a limit, ``pickle.UnpicklingError`` when it is not a readable pickle."""
    if len(data) > MAX_PICKLE_BYTES:
        raise TooLargeError(f"a pickle of more than {MAX_PICKLE_BYTES:,} bytes")
    return _load_one(io.BytesIO(data))


# What running a damaged pickle raises besides UnpicklingError: a truncated argument, a GET of a missing memo key ...
_BROKEN = (
    EOFError,
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    RecursionError,
    MemoryError,
    OverflowError,
    UnicodeError,
    LookupError,
)


def _load_one(fh: Any) -> Any:
    try:
        return run(fh)
    except _BROKEN as exc:
        raise pickle.UnpicklingError(f"not a readable pickle ({type(exc).__name__})") from None


def dry_run(stream: Any, *, max_nodes: int = MAX_NODES) -> None:
    """Run one pickle from ``stream`` with every name a stand-in, only to check the budget: raises
    :class:`TooLargeError` past it, ``pickle.UnpicklingError`` when the pickle is not readable, returns None.

    For pickles another restricted unpickler will load (``torch.load(weights_only=True)`` hashes dict keys and walks
    the result with no budget of its own); nothing is imported or called, whatever the pickle names.
    """
    try:
        run(stream, max_nodes=max_nodes, any_name=True)
    except _BROKEN as exc:
        raise pickle.UnpicklingError(f"not a readable pickle ({type(exc).__name__})") from None


def load_file(path: os.PathLike | str) -> Any:
    """Load a pickled file or a ``torch.save`` file (zip or legacy format) as data, executing nothing.

    Raises :class:`UnsafePickleError` when the file names code to run, :class:`TooLargeError` past a limit,
    ``pickle.UnpicklingError`` when it is not a readable pickle, ``OSError`` when it cannot be read.
    """
    path = Path(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise TooLargeError(f"a file of more than {MAX_FILE_BYTES:,} bytes")
    with open(path, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:  # grew while being read
        raise TooLargeError(f"a file of more than {MAX_FILE_BYTES:,} bytes")
    if data[:2] == b"PK":
        return loads(_zip_pickle(data))
    stream = io.BytesIO(data)
    first = _load_one(stream)
    if isinstance(first, int) and first == _TORCH_LEGACY_MAGIC:
        # legacy torch.save: magic, protocol, system info, then the object
        _load_one(stream)
        _load_one(stream)
        return _load_one(stream)
    return first


def _zip_pickle(data: bytes) -> bytes:
    """The ``data.pkl`` of a ``torch.save`` zip, inflated no further than :data:`MAX_PICKLE_BYTES`."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = [i for i in zf.infolist() if i.filename == "data.pkl" or i.filename.endswith("/data.pkl")]
            if not infos:
                raise pickle.UnpicklingError("zip file without data.pkl (not a torch.save file)")
            if infos[0].file_size > MAX_PICKLE_BYTES:
                raise TooLargeError(f"data.pkl inflates to more than {MAX_PICKLE_BYTES:,} bytes")
            with zf.open(infos[0]) as member:
                payload = member.read(MAX_PICKLE_BYTES + 1)  # the declared size may lie; the read does not
    except pickle.UnpicklingError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile lets zlib, bz2 and lzma errors of a damaged member through
        raise pickle.UnpicklingError(f"damaged zip file ({type(exc).__name__})") from None
    if len(payload) > MAX_PICKLE_BYTES:
        raise TooLargeError(f"data.pkl inflates to more than {MAX_PICKLE_BYTES:,} bytes")
    return payload
