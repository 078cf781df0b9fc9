"""The tables of `trainmedic rules`: every column as wide as its widest cell, the last one wrapped in what is left.

The layout is rich.table's (``box=None``, no edge padding, one space of padding each side between columns, every
column but the last ``no_wrap``, the last one folding what does not fit), which :func:`rich_table` renders. Building
rich's console and measuring every cell through it is about half of the command's time, so :func:`table`
lays out the common case itself, with rich's own cell widths (CJK characters are two cells) and its line breaking;
every other case (a cell of several lines or with control characters, fixed columns that leave the last one no room,
a rich without the line breaker) goes to rich.table. A test holds the two to the same text, in both languages.
"""

from __future__ import annotations

import io
from typing import Optional

# Blank cells between two columns: the right padding of one and the left padding of the next.
GAP = 2


def table(header: list, rows: list, width: int) -> str:
    """``rows`` under ``header`` as plain text at ``width`` columns, each line stripped on the right."""
    lines = _laid_out(header, rows, width)
    if lines is None:
        return rich_table(header, rows, width)
    return "\n".join(line.rstrip() for line in lines) + "\n"


def rich_table(header: list, rows: list, width: int) -> str:
    """The same table rendered by rich.table (cells as plain text: no markup, no emoji codes)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    grid = Table(box=None, show_edge=False, pad_edge=False, header_style="bold", expand=False)
    for i, h in enumerate(header):
        grid.add_column(
            Text(h), no_wrap=i < len(header) - 1, overflow="fold", ratio=1 if i == len(header) - 1 else None
        )
    for row in rows:
        grid.add_row(*(Text(cell) for cell in row))
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, force_terminal=False, legacy_windows=False).print(grid)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def _laid_out(header: list, rows: list, width: int) -> Optional[list]:
    """The table's lines, or None for a case left to rich.table."""
    try:
        from rich._wrap import divide_line
        from rich.cells import cell_len, set_cell_size
    except ImportError:  # a rich whose line breaker moved: rich.table lays it out
        return None
    body = [list(header), *(list(r) for r in rows)]
    if any(len(r) != len(header) or not all(c.isprintable() for c in r) for r in body):
        return None
    fixed = [max(cell_len(r[i]) for r in body) for i in range(len(header) - 1)]
    room = width - sum(fixed) - GAP * len(fixed)
    wrap_width = min(max(cell_len(r[-1]) for r in body), room)
    if wrap_width < 1 or any(w < 1 for w in fixed):
        return None
    lines: list = []
    for n, row in enumerate(body):
        last = _wrapped(row[-1], wrap_width, divide_line, cell_len, set_cell_size)
        blanks = [""] * (len(last) - 1)
        # rich puts a header's short cells on its last line, a row's on its first
        cells = [blanks + [c] if n == 0 else [c] + blanks for c in row[:-1]]
        for k, part in enumerate(last):
            left = "".join(_pad(col[k], w, cell_len) + " " * GAP for col, w in zip(cells, fixed))
            lines.append(left + part)
    return lines


def _wrapped(text: str, width: int, divide_line, cell_len, set_cell_size) -> list:
    """``text`` broken into lines of at most ``width`` cells where rich breaks it (words, long words folded)."""
    offsets = [0, *divide_line(text, width, fold=True), len(text)]
    parts = [text[a:b] for a, b in zip(offsets, offsets[1:])]
    return [set_cell_size(p, width) if cell_len(p) > width else p for p in parts]


def _pad(text: str, width: int, cell_len) -> str:
    return text + " " * (width - cell_len(text))
