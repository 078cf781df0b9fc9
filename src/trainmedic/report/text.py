"""Terminal rendering with rich: ``Console().print(report)`` works through :meth:`Report.__rich_console__`.

:func:`render_text` records the same renderables into a string, without ANSI codes unless ``color=True``.
Every string from a report goes in as :class:`rich.text.Text`, never as markup, so ``[brackets]`` in a log line
stay as they are.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from .model import Report
from .sections import Document, Grid, Item, Items, Para, Section, Settings, build_document

VERDICT_STYLE = {"healthy": "bold green", "warning": "bold yellow", "failed": "bold red"}
LEVEL_STYLE = {"info": "cyan", "warning": "yellow", "error": "bold red", "": "magenta"}


def _header(doc: Document) -> Panel:
    head = Text()
    head.append(doc.verdict_label.upper(), style=VERDICT_STYLE.get(doc.verdict, "bold"))
    head.append(f"  {doc.conclusion_label}", style="bold")
    head.append(doc.conclusion)
    return Panel(head, title=Text(f"trainmedic · {doc.title}", style="bold"), title_align="left",
                 border_style=VERDICT_STYLE.get(doc.verdict, "").replace("bold ", ""), box=box.ROUNDED)


def _item(item: Item, number: str) -> RenderableType:
    """A numbered or bulleted entry; wrapped lines hang under the text, not under the number."""
    lines: list = []
    if item.head or item.code or item.label:
        first = Text()
        if item.head:
            first.append(item.head, style="bold")
        if item.code:
            first.append("  " if item.head else "")
            first.append(item.code, style="cyan")
        if item.label:
            first.append("  ")
            first.append(f"[{item.label}]", style=LEVEL_STYLE.get(item.level, "magenta"))
        lines.append(first)
    if item.body:
        lines.append(Text(item.body))
    lines += [Text(f"- {d}", style="dim") for d in item.details]
    grid = Table.grid()
    grid.add_column(no_wrap=True, width=len(number))
    grid.add_column(overflow="fold")
    grid.add_row(Text(number), Group(*lines))
    return grid


def _items(block: Items) -> Iterator[RenderableType]:
    width = len(str(len(block.entries)))
    for i, item in enumerate(block.entries, 1):
        number = f"{i:>{width}}. " if block.numbered else "• "
        yield _item(item, number)


def _grid(block: Grid) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title=Text(block.title, style="bold") if block.title else None,
                  title_justify="left", show_edge=False, pad_edge=False)
    for c in block.columns:
        table.add_column(Text(c), overflow="fold")
    for row in block.rows:
        table.add_row(*[Text(v) for v in row])
    return table


def _settings(block: Settings) -> Iterator[RenderableType]:
    if block.title:
        yield Text(block.title, style="bold")
    width = max((len(k) for k, _, _ in block.rows), default=0)
    for key, value, source in block.rows:
        line = Text("  ")
        line.append(key.ljust(width), style="cyan")
        line.append(" = ")
        line.append(value, style="bold")
        if source:
            line.append(f"  ({source})", style="dim")
        yield line


def section_renderables(sec: Section) -> Iterator[RenderableType]:
    yield Text("")
    yield Rule(Text(sec.title, style="bold"), align="left", style="dim")
    for block in sec.blocks:
        if isinstance(block, Para):
            yield Text(block.text)
        elif isinstance(block, Items):
            yield from _items(block)
        elif isinstance(block, Grid):
            yield _grid(block)
        elif isinstance(block, Settings):
            yield from _settings(block)


def rich_renderables(report: Report, lang: str = "en") -> Iterator[RenderableType]:
    """The report as rich renderables: a verdict panel with the conclusion, then one ruled section after another."""
    doc = build_document(report, lang)
    yield _header(doc)
    for sec in doc.sections:
        yield from section_renderables(sec)


def render_text(report: Report, lang: str = "en", width: int = 100, color: bool = False) -> str:
    """The report as terminal text; plain (no ANSI escape codes) unless ``color`` is true."""
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=color, color_system="truecolor" if color else None,
                      no_color=not color, highlight=False, emoji=False, markup=False, legacy_windows=False)
    for r in rich_renderables(report, lang):
        console.print(r)
    out = buf.getvalue()
    if color:
        return out
    return "\n".join(line.rstrip() for line in out.split("\n"))
