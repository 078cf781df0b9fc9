"""The checks every reader makes before parsing: the file exists, is not empty, is text; and the error it raises."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from ..i18n import t

# Byte-order marks of text encodings whose bytes contain NULs (so a NUL alone does not mean binary).
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")


def fail(path: Any, key: str, **params: Any) -> InputError:
    """An :class:`InputError` whose reason is the catalog message ``key`` (rendered in English)."""
    return InputError(path, t(key, "en", **params))


def looks_binary(head: bytes) -> bool:
    """True when the first bytes are not text: a NUL byte outside a UTF-16 file, or mostly control bytes."""
    if not head:
        return False
    if head.startswith(_WIDE_BOMS):
        return False
    if b"\x00" in head:
        return True
    sample = head[:4096]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) // 10  # a few stray control bytes occur in real logs; many mean binary


def read_text_head(path: Path, n: int = 64 * 1024) -> bytes:
    """The first ``n`` bytes of a file that must be non-empty text; raises InputError otherwise."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(n)
    except OSError as exc:
        raise fail(path, "readers.error.unreadable", detail=exc.strerror or str(exc)) from None
    if not head.strip():
        raise fail(path, "readers.error.empty")
    if looks_binary(head):
        raise fail(path, "readers.error.binary")
    return head
