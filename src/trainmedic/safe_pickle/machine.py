"""The pickle machine: runs a pickle's opcodes itself, so that nothing is imported, nothing is called that
:mod:`.names` did not allow, and every object built counts against a budget.

The standard unpickler cannot be bounded from outside: a 481-byte pickle whose tuples share references ten levels
deep is hashed as a tree of a billion nodes the moment it becomes a dict key, inside C code that no timeout reaches.
Here every container built is counted, a constructor's result is sized before it is built, and a value is hashed
(dict key, set element) only when its size is known to be small.
"""

from __future__ import annotations

from pickle import UnpicklingError
from typing import Any

from .names import (
    HASHING,
    SAFE_TYPES,
    PickledObject,
    TooLargeError,
    UnsafePickleError,
    is_stand_in,
    latin1_encode,
    reconstructor,
)

# Objects one load may build (containers, stand-ins, and the items a constructor materialises). A TrainingArguments
# pickle builds a few hundred; this bounds memory to tens of MB whatever the pickle says.
MAX_NODES = 500_000
# Nodes in a tuple used as a dict key or set element. Hashing a tuple walks all of it (and hashes are not cached),
# so a key built from shared references can cost 2^depth; real keys are strings or pairs.
MAX_KEY_NODES = 1_000
# Scalars whose hash costs O(1) or is cached.
_CHEAP_KEYS = (str, bytes, int, float, complex, bool, type(None), frozenset, PickledObject)


def bad(why: str) -> UnpicklingError:
    """The error for a pickle that is not readable as data, with the reason."""
    return UnpicklingError(f"not a readable pickle ({why})")


class Machine:
    """The state of one load: stack, marks, memo and budget; :func:`.opcodes.run` drives it opcode by opcode."""

    def __init__(self, *, max_nodes: int = MAX_NODES, any_name: bool = False) -> None:
        self.max_nodes = max_nodes
        self.any_name = any_name
        self.stack: list = []
        self.marks: list = []
        self.memo: dict = {}
        self.nodes = 0
        self.classes: dict = {}
        self.tuple_nodes: dict = {}  # id(tuple) -> (tuple, nodes), for the tuples this load built

    # Budget ----------------------------------------------------------------------------------------------------
    def charge(self, n: int) -> None:
        """Count ``n`` more objects built; past the budget the load stops."""
        self.nodes += n
        if self.nodes > self.max_nodes:
            raise TooLargeError(f"builds more than {self.max_nodes:,} objects")

    def tuple_of(self, items: Any) -> tuple:
        """A tuple of ``items``, counted, with its hashing cost remembered in case it becomes a key."""
        out = tuple(items)
        self.charge(1)
        # Saturated: the count of a tuple of shared tuples doubles per level and would grow into a huge integer.
        self.tuple_nodes[id(out)] = (out, min(1 + sum(self.key_nodes(x) for x in out), MAX_KEY_NODES + 1))
        return out

    def key_nodes(self, value: Any) -> int:
        """How much hashing ``value`` costs, in nodes (lists and dicts count 1: hashing them fails at once)."""
        if value.__class__ is tuple:
            known = self.tuple_nodes.get(id(value))
            if known is not None and known[0] is value:
                return known[1]
            return 1 + sum(self.key_nodes(x) for x in value) if len(value) < MAX_KEY_NODES else MAX_KEY_NODES + 1
        return 1

    def check_key(self, key: Any) -> None:
        """Refuse a dict key or set element that cannot be hashed, or whose hash would walk too many nested values."""
        if not isinstance(key, _CHEAP_KEYS) and key.__class__ is not tuple:
            if key.__class__ in (list, dict, set, bytearray):
                raise bad(f"unhashable {key.__class__.__name__} used as a key")
            return  # datetime, Decimal, slice: hashed in constant time
        if key.__class__ is tuple and self.key_nodes(key) > MAX_KEY_NODES:
            raise TooLargeError(f"a key of more than {MAX_KEY_NODES:,} nested values")

    # Calls -------------------------------------------------------------------------------------------------------
    def call(self, func: Any, args: Any, kwargs: Any = None) -> Any:
        """A REDUCE / NEWOBJ / INST call, allowed only for what :func:`find_class` returned."""
        if args.__class__ is not tuple or (kwargs is not None and kwargs.__class__ is not dict):
            raise bad("call arguments are not a tuple")
        kwargs = kwargs or {}
        self.charge(1)
        if is_stand_in(func):
            return func(*args, **kwargs)
        if func is reconstructor:
            if len(args) in (2, 3) and args[0] is args[1] and args[0] in (dict, list, tuple, set):
                state = args[2] if len(args) == 3 else None
                return self.construct(args[0], () if state is None else (state,), {})
            return reconstructor(*args)
        if func is latin1_encode:
            try:
                return latin1_encode(*args)
            except (TypeError, UnicodeEncodeError):
                raise bad("bad arguments to _codecs.encode") from None
        if func in SAFE_TYPES:
            return self.construct(func, args, kwargs)
        raise UnsafePickleError(f"calls a {type(func).__name__} value, which is not a constructor")

    def construct(self, ctor: type, args: tuple, kwargs: dict) -> Any:
        """Call a plain-data constructor after sizing what it would build."""
        name = getattr(ctor, "__qualname__", "constructor")
        if ctor is range:
            try:
                size = len(range(*args))
            except (TypeError, ValueError, OverflowError):
                raise bad("bad arguments to range") from None
            self.charge(size)
        elif ctor is str and args and not isinstance(args[0], (str, bytes, bytearray, int, float, bool)):
            # str(obj) writes the repr of obj, which walks shared references as a tree: never needed for data.
            raise UnsafePickleError(f"str() of a {type(args[0]).__name__}")
        else:
            for a in list(args) + list(kwargs.values()):
                if isinstance(a, int) and ctor in (bytes, bytearray):
                    self.charge(max(a, 0) // 64)  # bytes(n) allocates n bytes; count them in nodes of 64 bytes
                elif hasattr(a, "__len__") and not isinstance(a, PickledObject):
                    self.charge(len(a))
            if ctor in HASHING:
                for a in args:
                    for item in _items_hashed(a):
                        self.check_key(item)
        try:
            out = ctor(*args, **kwargs)
        except UnsafePickleError:
            raise
        except Exception as exc:  # noqa: BLE001 - a whitelisted constructor given bad arguments (Decimal('abc'))
            raise bad(f"bad arguments to {name}: {type(exc).__name__}") from None
        return self.tuple_of(out) if ctor is tuple else out

    # The run -----------------------------------------------------------------------------------------------------
    def pop_mark(self) -> list:
        """The items pushed since the last mark, taken off the stack with the mark."""
        if not self.marks:
            raise bad("no mark on the stack")
        at = self.marks.pop()
        items = self.stack[at:]
        del self.stack[at:]
        return items


def _items_hashed(arg: Any) -> Any:
    """What a dict/set constructor would hash from ``arg``: keys of pairs, or elements."""
    if isinstance(arg, dict):
        return ()  # keys of a dict were checked when it was built
    for item in arg if isinstance(arg, (list, tuple, set, frozenset)) else ():
        yield item[0] if item.__class__ is tuple and len(item) == 2 else item
