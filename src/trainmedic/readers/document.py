"""Documents (Markdown, reStructuredText): notes and write-ups, never read as a training log themselves.

An issue or a README often holds a pasted console log in a code block, or a history table (a Keras history as a
Markdown table). Those parts are read (format ``markdown``) when they look like a log: a table whose header names
metrics, or a code block most of whose lines record metrics. Prose, and code blocks of commands or of a report's
text, are not: ``trainmedic diagnose README.md`` finds no loss in a sentence about one.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from ..i18n import msg, t
from ..run import Run
from . import Reader, encoding, register
from .textlog import read_lines

FORMAT = "markdown"
SUFFIXES = {".md", ".markdown", ".rst"}
SCORE = 0.5
# A code block is a pasted log when at least this many of its lines, and this share of them, record metrics.
MIN_LOG_LINES = 3
MIN_LOG_SHARE = 0.5
# Documents are small; a larger one is read up to this many lines.
MAX_LINES = 200_000
_FENCE = re.compile(r"^\s*(```|~~~)")


def _parts(lines) -> list:
    """Blocks of ``(line number, line)``: each fenced code block, and each run of table rows."""
    from . import textlog_line as L  # the console-log parser, imported when a document is read (see .textlog)

    blocks: list = []
    block: list = []
    fence = None
    table: list = []
    for lineno, line in lines:
        if lineno > MAX_LINES:
            break
        m = _FENCE.match(line)
        if m:
            if fence is None:
                fence, block = m.group(1), []
            elif m.group(1) == fence:
                blocks.append(("code", block))
                fence = None
            continue
        if fence is not None:
            block.append((lineno, line))
        elif "|" in line and L.table_cells(line) is not None:
            table.append((lineno, line))
        elif table:
            blocks.append(("table", table))
            table = []
    if table:
        blocks.append(("table", table))
    return blocks


def _looks_like_log(kind: str, block: list) -> bool:
    """A table of numbers under a header of names, or a code block most of whose lines record metrics."""
    from . import textlog_line as L
    from .textlog_parser import LogParser

    lines = [(n, line) for n, line in block if line.strip()]
    if kind == "table" and (not lines or L.table_header(lines[0][1]) is None):
        return False
    probe = LogParser("<block>")
    for n, line in lines:
        try:
            probe.feed(line, n)
        except (ValueError, OverflowError):
            continue
    rows = len(lines) - (2 if kind == "table" else 0)  # a table's header and rule record nothing
    return probe.records >= MIN_LOG_LINES and probe.records >= MIN_LOG_SHARE * max(rows, 1)


def read(path: Path) -> Run:
    """The pasted logs and metric tables of a document; an InputError when it holds none."""
    blocks = [b for kind, b in _parts(enumerate(encoding.iter_lines(path), 1)) if _looks_like_log(kind, b)]
    lines = [item for b in blocks for item in b]
    if not lines:
        raise InputError(path, t("readers.error.document", "en"))
    return read_lines(path, iter(lines), FORMAT, notes=(msg("readers.note.document_parts", lines=len(lines)),))


def sniff(path: Path, head: bytes) -> float:
    """A document by its suffix: ``.md``, ``.markdown``, ``.rst``."""
    return SCORE if path.suffix.lower() in SUFFIXES else 0.0


register(Reader(FORMAT, sniff, read))
