"""Reader for trainmedic's own live log (format ``trainmedic-live``, written by :class:`trainmedic.Monitor`).

The records go through the same :class:`~trainmedic.live.records.RunBuilder` the Monitor uses, so a run read back
from its log is the Run the Monitor diagnosed. A last line cut off by a crash is ignored.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..livelog import FORMAT, RunBuilder, parse_lines
from ..run import Run
from . import Reader, register

# The header is the first line; a marker this early in the file is enough to claim it.
_MARKER = b'"format":"' + FORMAT.encode() + b'"'


def sniff(path: Path, head: bytes) -> float:
    """Certain when the first line carries the ``trainmedic-live`` format marker."""
    first = head.split(b"\n", 1)[0].replace(b" ", b"")
    return 1.0 if _MARKER in first else 0.0


def read(path: Path) -> Run:
    builder = RunBuilder(str(path))
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for rec in parse_lines(fh):
                builder.add(rec)
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror or exc})") from None
    if builder.header is None:
        raise InputError(path, "not a trainmedic-live log (no header line)")
    return builder.run()


register(Reader(FORMAT, sniff, read))
