"""Read pickled artifacts (``training_args.bin``) as plain data, without importing or calling anything they name.

A pickle is a small program: it may name any importable callable and call it (``os.system``, ``eval``). The
restricted :class:`SafeUnpickler` answers every name with one of three things:

- a plain-data constructor from a short whitelist (``dict``, ``list``, ``set``, ``OrderedDict``, ``datetime`` ...);
- a *stand-in* class (:class:`PickledObject`) for names that look like classes (``TrainingArguments``,
  ``SchedulerType``, ``torch.device``): it records the class name, the constructor arguments and the state the
  pickle sets, and never imports or runs the real class;
- a refusal (:class:`UnsafePickleError`) for anything else: functions, builtins other than plain types, and modules
  whose only use in a pickle is to run code (``os``, ``subprocess``, ``builtins.eval`` ...).

``torch.save`` files (a zip holding ``<name>/data.pkl``) and the legacy torch format are read the same way.
"""

from __future__ import annotations

import collections
import datetime
import decimal
import io
import pickle
import zipfile
from pathlib import Path
from typing import Any

# Plain-data constructors a pickle may call: they build values and cannot run other code.
SAFE_GLOBALS = {
    ("builtins", "dict"): dict, ("builtins", "list"): list, ("builtins", "tuple"): tuple,
    ("builtins", "set"): set, ("builtins", "frozenset"): frozenset, ("builtins", "int"): int,
    ("builtins", "float"): float, ("builtins", "complex"): complex, ("builtins", "str"): str,
    ("builtins", "bytes"): bytes, ("builtins", "bytearray"): bytearray, ("builtins", "bool"): bool,
    ("builtins", "slice"): slice, ("builtins", "range"): range,
    ("__builtin__", "set"): set, ("__builtin__", "frozenset"): frozenset,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("datetime", "datetime"): datetime.datetime, ("datetime", "date"): datetime.date,
    ("datetime", "time"): datetime.time, ("datetime", "timedelta"): datetime.timedelta,
    ("datetime", "timezone"): datetime.timezone, ("decimal", "Decimal"): decimal.Decimal,
}

# Modules (and their submodules) a legitimate data pickle never needs; naming one is an attempt to run code.
FORBIDDEN_MODULES = (
    "os", "posix", "nt", "subprocess", "sys", "shutil", "builtins", "__builtin__", "importlib", "pickle",
    "_pickle", "marshal", "runpy", "socket", "ctypes", "code", "codeop", "pty", "webbrowser", "types", "operator",
    "functools", "io", "_io", "pathlib", "tempfile", "signal", "multiprocessing", "threading", "asyncio",
    "http", "urllib", "requests", "pdb", "timeit", "platform", "commands", "popen2", "glob", "zipimport", "inspect",
    "gc", "weakref", "copyreg", "copy_reg", "linecache", "site", "sysconfig", "distutils", "setuptools", "pip",
)

# Lower-case names that are classes in their libraries and safe to stand in for (constructor args recorded only).
LOWERCASE_CLASSES = {("torch", "device"), ("torch", "dtype"), ("torch", "Size"), ("numpy", "dtype")}


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle names a callable that could run code; it was not loaded."""


class PickledObject:
    """A stand-in for an object of a class the pickle named; holds the class name, arguments and state.

    The real class is never imported. :func:`to_plain` turns a stand-in into a dict of its state.
    """

    __qualified__ = "object"

    def __new__(cls, *args: Any, **kwargs: Any) -> PickledObject:
        self = object.__new__(cls)
        object.__setattr__(self, "_args", args)
        object.__setattr__(self, "_kwargs", kwargs)
        object.__setattr__(self, "_state", None)
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the arguments were recorded by __new__
        pass

    def __setstate__(self, state: Any) -> None:
        object.__setattr__(self, "_state", state)

    def __setattr__(self, name: str, value: Any) -> None:  # BUILD without __setstate__ never reaches here
        self._extra()[name] = value

    def __setitem__(self, key: Any, value: Any) -> None:  # SETITEMS on a dict subclass
        self._extra()[key] = value

    def append(self, value: Any) -> None:  # APPENDS on a list subclass
        self._extra().setdefault("__items__", []).append(value)

    def extend(self, values: Any) -> None:
        self._extra().setdefault("__items__", []).extend(values)

    def _extra(self) -> dict:
        if not isinstance(self._state, dict):
            object.__setattr__(self, "_state", {} if self._state is None else {"__state__": self._state})
        return self._state

    @property
    def class_name(self) -> str:
        return type(self).__qualified__

    def __repr__(self) -> str:
        return f"<pickled {self.class_name}>"


def _stand_in(module: str, name: str) -> type:
    return type(name, (PickledObject,), {"__qualified__": f"{module}.{name}", "__module__": "trainmedic.pickled"})


def _is_forbidden(module: str) -> bool:
    root = module.split(".", 1)[0]
    return module in FORBIDDEN_MODULES or root in FORBIDDEN_MODULES


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that builds plain data and stand-ins, and refuses names that could run code."""

    def __init__(self, file: Any) -> None:
        super().__init__(file)
        self._classes: dict = {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in SAFE_GLOBALS:
            return SAFE_GLOBALS[(module, name)]
        if (module, name) in (("copyreg", "_reconstructor"), ("copy_reg", "_reconstructor")):
            return _reconstructor
        if (module, name) in (("_codecs", "encode"), ("codecs", "encode")):
            return _latin1_encode  # protocol 2 writes bytes as _codecs.encode(text, "latin1")
        if _is_forbidden(module):
            raise UnsafePickleError(f"refers to {module}.{name}")
        leaf = name.rsplit(".", 1)[-1]
        if not (leaf[:1].isupper() or (module.split(".", 1)[0], leaf) in LOWERCASE_CLASSES):
            raise UnsafePickleError(f"would call the function {module}.{name}")
        key = (module, name)
        if key not in self._classes:
            self._classes[key] = _stand_in(module, name)
        return self._classes[key]

    def persistent_load(self, pid: Any) -> Any:
        # torch.save stores tensors' storages out of band; a config pickle holds none, so record a placeholder.
        return PickledObject()


def _reconstructor(cls: Any, base: Any, state: Any = None) -> Any:
    if isinstance(cls, type) and issubclass(cls, PickledObject):
        obj = cls()
        if state is not None:
            obj.__setstate__(state)
        return obj
    if base in (object, dict, list, tuple, set, str, int, float) and cls is base:
        return base() if state is None else base(state)
    raise UnsafePickleError("copyreg._reconstructor with a class outside the whitelist")


def _latin1_encode(text: Any, encoding: str = "latin1") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError("_codecs.encode used for something other than bytes")
    return text.encode("latin1")


def loads(data: bytes) -> Any:
    """Unpickle ``data`` with :class:`SafeUnpickler`. Raises :class:`UnsafePickleError` or ``UnpicklingError``."""
    return _load_one(io.BytesIO(data))


def _load_one(fh: Any) -> Any:
    try:
        return SafeUnpickler(fh).load()
    except pickle.UnpicklingError:
        raise
    except (EOFError, ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError, MemoryError,
            OverflowError, UnicodeDecodeError, ImportError) as exc:
        raise pickle.UnpicklingError(f"not a readable pickle ({type(exc).__name__})") from None


_TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def load_file(path: Path) -> Any:
    """Load a pickled file or a ``torch.save`` file (zip or legacy format) as data, executing nothing.

    Raises :class:`UnsafePickleError` when the file names code to run, ``pickle.UnpicklingError`` when it is not a
    readable pickle, ``OSError`` when it cannot be read.
    """
    path = Path(path)
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n == "data.pkl" or n.endswith("/data.pkl")]
                if not names:
                    raise pickle.UnpicklingError("zip file without data.pkl (not a torch.save file)")
                data = zf.read(names[0])
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as exc:
            raise pickle.UnpicklingError(f"damaged zip file ({exc})") from None
        return loads(data)
    with open(path, "rb") as fh:
        first = _load_one(fh)
        if first == _TORCH_LEGACY_MAGIC:  # legacy torch.save: magic, protocol, system info, then the object
            _load_one(fh)
            _load_one(fh)
            return _load_one(fh)
        return first


def to_plain(obj: Any, _depth: int = 0) -> Any:
    """Turn stand-ins into plain data: an object with state becomes a dict of it (plus ``__class__``); an object
    built from arguments only (an enum member, ``torch.device('cpu')``) becomes its single argument."""
    if _depth > 50:
        return None
    if isinstance(obj, PickledObject):
        state = obj._state
        if state is None:
            args = obj._args
            if len(args) == 1:
                return to_plain(args[0], _depth + 1)
            return {"__class__": obj.class_name, "__args__": [to_plain(a, _depth + 1) for a in args]}
        if isinstance(state, tuple) and len(state) == 2 and (state[0] is None or isinstance(state[0], dict)):
            merged = dict(state[0] or {})
            if isinstance(state[1], dict):
                merged.update(state[1])  # (dict state, slots state)
            state = merged
        if isinstance(state, dict):
            out = {str(k): to_plain(v, _depth + 1) for k, v in state.items()}
            out.setdefault("__class__", obj.class_name)
            return out
        return to_plain(state, _depth + 1)
    if isinstance(obj, dict):
        return {k if isinstance(k, (str, int, float)) else str(k): to_plain(v, _depth + 1) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_plain(v, _depth + 1) for v in obj]
    return obj
