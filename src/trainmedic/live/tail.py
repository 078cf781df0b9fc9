"""The new complete lines of one growing file, followed across truncation, rewriting and rotation like ``tail -F``.

A poll reads only the bytes written since the last one. A file truncated or rewritten in place (the bytes just before
the read position changed) is read again from its start; a file rotated (renamed and recreated) is read to its end,
then the new file is followed. Either way the caller is told where the fresh reading begins, so that a reader kept
alive between polls can start over there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple, Optional

from ..errors import InputError
from ..i18n import t

# Bytes just before the read position remembered between polls: if they change, the file was rewritten in place
# (truncated and written again past where we were), and it is read again from its start.
TAIL_CHECK = 64
# A line still being written is held until its newline comes; one longer than this is no log line (an endless
# progress bar without a newline): only its latest carriage-return refresh is kept, so memory stays bounded.
MAX_PARTIAL = 1 << 20


class Chunk(NamedTuple):
    """What one poll read: the complete new lines as bytes (each ending in a newline, but for the last line of a
    rotated file), the offset in ``data`` where a reading from the start of a file begins (None when the poll only
    continued the last one), and whether the path is missing now."""

    data: bytes
    fresh_at: Optional[int]
    missing: bool


class Tail:
    """New complete lines of one file (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh: Optional[Any] = None
        self.partial = b""  # a line still being written waits for the next poll
        self.before = b""  # the TAIL_CHECK bytes before the read position
        self.opened = 0  # files opened so far (a second one is a fresh reading)
        self.fresh = False  # the bytes read since the last poll began at the start of a file
        self.parsed = 0  # bytes the last poll gave

    def read_bytes(self) -> Chunk:
        """The complete new lines as bytes (see :class:`Chunk`)."""
        chunk = self._read_bytes()
        self.parsed = len(chunk.data)
        return chunk

    def _read_bytes(self) -> Chunk:
        if self.fh is None and not self._open():
            return Chunk(b"", None, True)
        data = self._read_held()
        fresh_at = 0 if self.fresh else None
        self.fresh = False
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return Chunk(self._complete(data, final=False), fresh_at, True)
        held = os.fstat(self.fh.fileno())
        if (st.st_ino, st.st_dev) != (held.st_ino, held.st_dev):  # rotated: the old file is done, follow the new one
            old = self._complete(data + self.fh.read(), final=True)
            self.fh.close()
            if not self._open():
                return Chunk(old, fresh_at, True)
            self.fresh = False
            return Chunk(old + self._complete(self._read_held(), final=False), len(old), False)
        return Chunk(self._complete(data, final=False), fresh_at, False)

    def read(self) -> tuple:
        """(complete new lines as text, whether the path is missing now): a ``trainmedic-live`` log's lines."""
        chunk = self.read_bytes()
        return chunk.data.decode("utf-8", errors="replace").splitlines(), chunk.missing

    def _open(self) -> bool:
        try:
            self.fh = open(self.path, "rb")
        except FileNotFoundError:
            self.fh = None
            return False
        except OSError as exc:  # there but unreadable (permissions, a folder in its place): one line, exit 2
            raise InputError(self.path, t("readers.error.unreadable", "en", detail=exc.strerror or exc)) from None
        self.partial, self.before = b"", b""
        self.opened += 1
        self.fresh = True
        return True

    def _read_held(self) -> bytes:
        pos = self.fh.tell()
        if self.before:
            self.fh.seek(pos - len(self.before))
            if self.fh.read(len(self.before)) != self.before:  # truncated or rewritten: start again
                self.fh.seek(0)
                self.partial, self.before = b"", b""
                self.fresh = True
        data = self.fh.read()
        self.before = (self.before + data)[-TAIL_CHECK:]
        return data

    def _complete(self, data: bytes, *, final: bool) -> bytes:
        data = self.partial + data
        cut = len(data) if final else data.rfind(b"\n") + 1
        self.partial = b"" if final else data[cut:]
        if len(self.partial) > MAX_PARTIAL:
            refresh = self.partial.rfind(b"\r")
            self.partial = self.partial[refresh:] if refresh > 0 else self.partial[-MAX_PARTIAL:]
        return data[:cut]
