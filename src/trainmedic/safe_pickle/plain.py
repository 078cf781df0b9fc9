"""Stand-ins -> plain data (dicts, lists, scalars) that readers can look values up in."""

from __future__ import annotations

from typing import Any

from .names import PickledObject

# Nesting kept when turning a pickle into plain data: a TrainingArguments state is three levels deep; deeper values
# become None rather than a recursion the interpreter cannot finish.
MAX_DEPTH = 50


def to_plain(obj: Any) -> Any:
    """Turn stand-ins into plain data: an object with state becomes a dict of it (plus ``__class__``); an object
    built from arguments only (an enum member, ``torch.device('cpu')``) becomes its single argument.

    Shared values are converted once and shared in the result (a pickle whose lists reference each other ten levels
    deep is a few hundred bytes, and a tree of a billion nodes when walked as one); a value that contains itself
    becomes None where it recurs.
    """
    return _Plain().convert(obj, 0)


class _Plain:
    def __init__(self) -> None:
        self.done: dict = {}  # id -> (original, converted): the original is kept so that its id is not reused
        self.active: set = set()

    def convert(self, obj: Any, depth: int) -> Any:
        if isinstance(obj, (str, bytes, int, float, bool, type(None))):
            return obj
        key = id(obj)
        if key in self.done:
            return self.done[key][1]
        if depth > MAX_DEPTH or key in self.active:
            return None
        self.active.add(key)
        try:
            out = self._convert(obj, depth + 1)
        finally:
            self.active.discard(key)
        self.done[key] = (obj, out)
        return out

    def _convert(self, obj: Any, depth: int) -> Any:
        if isinstance(obj, PickledObject):
            return self._object(obj, depth)
        if isinstance(obj, dict):
            return {k if isinstance(k, (str, int, float)) else _key(k): self.convert(v, depth) for k, v in obj.items()}
        if isinstance(obj, (list, tuple, set, frozenset)):
            return [self.convert(v, depth) for v in obj]
        return obj

    def _object(self, obj: PickledObject, depth: int) -> Any:
        state = obj._state
        if state is None:
            args = obj._args
            if len(args) == 1:
                return self.convert(args[0], depth)
            return {"__class__": obj.class_name, "__args__": [self.convert(a, depth) for a in args]}
        if isinstance(state, tuple) and len(state) == 2 and (state[0] is None or isinstance(state[0], dict)):
            merged = dict(state[0] or {})
            if isinstance(state[1], dict):
                merged.update(state[1])  # (dict state, slots state)
            state = merged
        if isinstance(state, dict):
            out = {_key(k): self.convert(v, depth) for k, v in state.items()}
            out.setdefault("__class__", obj.class_name)
            return out
        return self.convert(state, depth)


def _key(k: Any) -> str:
    """A dict key as text, without calling repr on anything that could be large."""
    if isinstance(k, str):
        return k
    if isinstance(k, (int, float, bool, type(None))):
        return str(k) if not isinstance(k, int) or k.bit_length() < 64 else "<int>"
    return f"<{type(k).__name__}>"
