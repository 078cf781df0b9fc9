"""What a name in a pickle may stand for: a plain-data constructor, a stand-in for a class, or a refusal.

A pickle may name any importable callable and call it (``os.system``, ``eval``). Here every name becomes one of:

- a plain-data constructor from a short whitelist (``dict``, ``list``, ``set``, ``OrderedDict``, ``datetime`` ...),
  wrapped so that its arguments are checked against the load's budget before it runs (``list(range(10**8))`` is 45
  bytes of pickle and 4 GB of memory);
- a *stand-in* class (:class:`PickledObject`) for names that look like classes (``TrainingArguments``,
  ``SchedulerType``, ``torch.device``): it records the class name, the constructor arguments and the state the pickle
  sets, and never imports or runs the real class;
- a refusal (:class:`UnsafePickleError`) for anything else: functions, builtins other than plain types, and modules
  whose only use in a pickle is to run code (``os``, ``subprocess``, ``builtins.eval`` ...).
"""

from __future__ import annotations

import collections
import datetime
import decimal
import pickle
from typing import Any, Callable

# Plain-data constructors a pickle may call: they build values and cannot run other code.
SAFE_GLOBALS = {
    ("builtins", "dict"): dict,
    ("builtins", "list"): list,
    ("builtins", "tuple"): tuple,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "int"): int,
    ("builtins", "float"): float,
    ("builtins", "complex"): complex,
    ("builtins", "str"): str,
    ("builtins", "bytes"): bytes,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "bool"): bool,
    ("builtins", "slice"): slice,
    ("builtins", "range"): range,
    ("__builtin__", "set"): set,
    ("__builtin__", "frozenset"): frozenset,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("datetime", "datetime"): datetime.datetime,
    ("datetime", "date"): datetime.date,
    ("datetime", "time"): datetime.time,
    ("datetime", "timedelta"): datetime.timedelta,
    ("datetime", "timezone"): datetime.timezone,
    ("decimal", "Decimal"): decimal.Decimal,
}
SAFE_TYPES = frozenset(SAFE_GLOBALS.values())
# Constructors whose result holds other values (their hashing and size are checked).
HASHING = (dict, collections.OrderedDict, set, frozenset)

# Modules (and their submodules) a legitimate data pickle never needs; naming one is an attempt to run code.
FORBIDDEN_MODULES = (
    "os",
    "posix",
    "nt",
    "subprocess",
    "sys",
    "shutil",
    "builtins",
    "__builtin__",
    "importlib",
    "pickle",
    "_pickle",
    "marshal",
    "runpy",
    "socket",
    "ctypes",
    "code",
    "codeop",
    "pty",
    "webbrowser",
    "types",
    "operator",
    "functools",
    "io",
    "_io",
    "pathlib",
    "tempfile",
    "signal",
    "multiprocessing",
    "threading",
    "asyncio",
    "http",
    "urllib",
    "requests",
    "pdb",
    "timeit",
    "platform",
    "commands",
    "popen2",
    "glob",
    "zipimport",
    "inspect",
    "gc",
    "weakref",
    "copyreg",
    "copy_reg",
    "linecache",
    "site",
    "sysconfig",
    "distutils",
    "setuptools",
    "pip",
)

# Lower-case names that are classes in their libraries and safe to stand in for (constructor args recorded only).
LOWERCASE_CLASSES = {("torch", "device"), ("torch", "dtype"), ("torch", "Size"), ("numpy", "dtype")}


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle names a callable that could run code; it was not loaded."""


class TooLargeError(pickle.UnpicklingError):
    """The pickle would build more than the load's budget allows (a few bytes that expand to gigabytes)."""


class PickledObject:
    """A stand-in for an object of a class the pickle named; holds the class name, arguments and state.

    The real class is never imported. :func:`trainmedic.safe_pickle.to_plain` turns a stand-in into a dict of its
    state.
    """

    __qualified__ = "object"

    def __new__(cls, *args: Any, **kwargs: Any) -> PickledObject:
        """A stand-in that records the constructor's arguments; no code of the real class runs."""
        self = object.__new__(cls)
        object.__setattr__(self, "_args", args)
        object.__setattr__(self, "_kwargs", kwargs)
        object.__setattr__(self, "_state", None)
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the arguments were recorded by __new__
        pass

    def __setstate__(self, state: Any) -> None:
        object.__setattr__(self, "_state", state)

    def __setattr__(self, name: str, value: Any) -> None:
        self._extra()[name] = value

    def __setitem__(self, key: Any, value: Any) -> None:  # SETITEMS on a dict subclass
        self._extra()[key] = value

    def append(self, value: Any) -> None:  # APPENDS on a list subclass
        """Hold an item a list subclass appended (pickle's APPENDS), as the stand-in's ``__items__``."""
        self._extra().setdefault("__items__", []).append(value)

    def extend(self, values: Any) -> None:
        """Hold the items a list subclass was extended with, as the stand-in's ``__items__``."""
        self._extra().setdefault("__items__", []).extend(values)

    def _extra(self) -> dict:
        if not isinstance(self._state, dict):
            object.__setattr__(self, "_state", {} if self._state is None else {"__state__": self._state})
        return self._state

    @property
    def class_name(self) -> str:
        """The dotted name the pickle gave the class (``transformers.training_args.TrainingArguments``)."""
        return type(self).__qualified__

    def __repr__(self) -> str:
        return f"<pickled {self.class_name}>"


def stand_in(module: str, name: str) -> type:
    """A new stand-in class named like the pickled one."""
    return type(name, (PickledObject,), {"__qualified__": f"{module}.{name}", "__module__": "trainmedic.pickled"})


def _is_forbidden(module: str) -> bool:
    root = module.split(".", 1)[0]
    return module in FORBIDDEN_MODULES or root in FORBIDDEN_MODULES


def is_stand_in(cls: Any) -> bool:
    """True for a stand-in class made by :func:`stand_in`."""
    return isinstance(cls, type) and issubclass(cls, PickledObject)


def reconstructor(cls: Any, base: Any, state: Any = None) -> Any:
    """``copyreg._reconstructor`` for stand-ins (plain types are rebuilt by the machine, under its budget)."""
    if is_stand_in(cls):
        obj = cls()
        if state is not None:
            obj.__setstate__(state)
        return obj
    raise UnsafePickleError("copyreg._reconstructor with a class outside the whitelist")


def latin1_encode(text: Any, encoding: str = "latin1") -> bytes:
    """``_codecs.encode(text, "latin1")``: how protocol 2 writes bytes. Any other use is refused."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError("_codecs.encode used for something other than bytes")
    return text.encode("latin1")


def find_class(module: str, name: str, classes: dict) -> Callable:
    """What ``module.name`` stands for (see the module docstring); ``classes`` caches the stand-ins of one load."""
    if (module, name) in SAFE_GLOBALS:
        return SAFE_GLOBALS[(module, name)]
    if (module, name) in (("copyreg", "_reconstructor"), ("copy_reg", "_reconstructor")):
        return reconstructor
    if (module, name) in (("_codecs", "encode"), ("codecs", "encode")):
        return latin1_encode
    if _is_forbidden(module):
        raise UnsafePickleError(f"refers to {module}.{name}")
    leaf = name.rsplit(".", 1)[-1]
    if not (leaf[:1].isupper() or (module.split(".", 1)[0], leaf) in LOWERCASE_CLASSES):
        raise UnsafePickleError(f"would call the function {module}.{name}")
    key = (module, name)
    if key not in classes:
        classes[key] = stand_in(module, name)
    return classes[key]
