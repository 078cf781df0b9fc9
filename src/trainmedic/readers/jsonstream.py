"""Read a large JSON object member by member, streaming one array member item by item.

A ``trainer_state.json`` of a long run holds a ``log_history`` of a million entries. ``json.load`` would build all of
them as dicts at once; here the standard library's C decoder parses one item at a time from a sliding text buffer, so
memory stays bounded by one chunk plus one item while speed stays close to ``json.load``. The decoder accepts the
``NaN``/``Infinity``/``-Infinity`` tokens that Python's ``json.dump`` writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

CHUNK_CHARS = 1 << 20  # 1 Mi characters per read: large enough that refills are rare, small enough to stay bounded

_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")


class JSONStreamError(ValueError):
    """The text is not the JSON object expected (truncated, malformed, or another JSON type)."""


class _Buffer:
    def __init__(self, fh) -> None:
        self.fh = fh
        self.text = ""
        self.pos = 0
        self.eof = False

    def fill(self) -> bool:
        """Read one more chunk, dropping what was consumed. False at end of file."""
        if self.eof:
            return False
        more = self.fh.read(CHUNK_CHARS)
        if not more:
            self.eof = True
            return False
        self.text = self.text[self.pos :] + more
        self.pos = 0
        return True

    def skip_ws(self) -> str:
        """Skip whitespace and return the next character ('' at end of input)."""
        while True:
            self.pos = _WS.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.fill():
                return ""

    def expect(self, chars: str) -> str:
        c = self.skip_ws()
        if not c or c not in chars:
            where = "end of file" if not c else repr(c)
            raise JSONStreamError(f"expected one of {chars!r}, found {where}")
        self.pos += 1
        return c

    def value(self) -> Any:
        """Decode one JSON value at the current position, reading more text when it runs past the buffer."""
        self.skip_ws()
        while True:
            try:
                val, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if self.fill():
                    continue
                raise JSONStreamError(f"malformed or truncated JSON ({exc.msg})") from None
            except RecursionError:
                raise JSONStreamError("JSON nested too deeply") from None
            # A number at the very end of the buffer may continue in the next chunk.
            if end >= len(self.text) and not self.eof and not isinstance(val, (dict, list, str)):
                if self.fill():
                    continue
            self.pos = end
            return val


_SEP = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")


def iter_batches(buf: _Buffer) -> Iterator[list]:
    """Yield the items of the array that starts at the buffer's position, in lists.

    Fast path: the text up to the last ``}`` in the buffer is decoded as one array by the C decoder; that only
    succeeds when the cut falls between two items (a cut inside an item or a string is a syntax error), so a success
    is always right. Otherwise items are decoded one by one up to the attempted cut, then the fast path resumes.
    """
    buf.expect("[")
    if buf.skip_ws() == "]":
        buf.pos += 1
        return
    while True:
        if len(buf.text) - buf.pos < CHUNK_CHARS:
            buf.fill()
        text, pos = buf.text, buf.pos
        cut = text.rfind("}", pos)
        batch = None
        if cut > pos:
            try:
                batch = _DECODER.decode("[" + text[pos : cut + 1] + "]")
            except (ValueError, RecursionError):
                batch = None
        if batch is not None:
            buf.pos = cut + 1
            last = buf.expect(",]") == "]"
            yield batch
            if last:
                return
            continue
        items: list = []
        last = False
        while not last and (buf.pos <= cut or not items):
            items.append(buf.value())
            last = buf.expect(",]") == "]"
        yield items
        if last:
            return


def iter_items(buf: _Buffer) -> Iterator[Any]:
    """Yield the items of the array that starts at the buffer's position, one by one."""
    for batch in iter_batches(buf):
        yield from batch


def read_object(path: Path, stream: dict[str, Callable[[Iterator[Any]], Any]], *, encoding: str = "utf-8-sig") -> dict:
    """Read the top-level JSON object in ``path``.

    Members named in ``stream`` are not built in memory: their array is handed, as an iterator of lists of items
    (see :func:`iter_batches`), to the given consumer, whose return value takes the member's place in the result. Raises :class:`JSONStreamError`.
    """
    out: dict = {}
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        buf = _Buffer(fh)
        buf.expect("{")
        if buf.skip_ws() == "}":
            return out
        while True:
            key = buf.value()
            if not isinstance(key, str):
                raise JSONStreamError("object key is not a string")
            buf.expect(":")
            consumer = stream.get(key)
            if consumer is not None and buf.skip_ws() == "[":
                batches = iter_batches(buf)
                out[key] = consumer(batches)
                for _ in batches:  # a consumer that stopped early still leaves the buffer after the array
                    pass
            else:
                out[key] = buf.value()
            if buf.expect(",}") == "}":
                break
        if buf.skip_ws():
            raise JSONStreamError("text after the JSON object")
    return out
