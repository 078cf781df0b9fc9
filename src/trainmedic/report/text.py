"""Terminal rendering with rich: ``Console().print(report)`` works through :meth:`Report.__rich_console__`.

Lines are wrapped here, at spaces and between CJK characters only, so that a path or a line of code is never cut
(a token longer than the terminal stays whole on its line, where the terminal's own soft wrap keeps it copyable).
Tables that do not fit fold into ``column: value`` lines. Every string from a report goes in as
:class:`rich.text.Text`, never as markup, without control characters, and no line ends in spaces.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterator

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.rule import Rule
from rich.text import Text

from ..i18n import Rendered, escaping, t
from .escape import clean
from .model import Report
from .sections import Document, Grid, Headline, Item, Items, Para, Section, Settings, build_document

VERDICT_STYLE = {"healthy": "bold green", "warning": "bold yellow", "failed": "bold red", "unknown": "bold"}
LEVEL_STYLE = {"info": "cyan", "warning": "yellow", "error": "bold red", "first": "bold green", "": "magenta"}
# A token: one CJK character with the punctuation that must not start a line, or a run of other non-space characters.
_CJK_TOKEN = (
    r"[\u2e80-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af][\u3000-\u303f\uff00-\uffef]*"
    r"|[^\s\u2e80-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]+|\s+"
)
# A text whose characters all come before the first CJK block has the tokens of this cheaper pattern; compiling the
# other one builds a table of forty thousand characters (about 2 ms at every start).
_FIRST_CJK = "\u2e80"
_TOKEN = re.compile(r"\S+|\s+")
CODE_INDENT = "    "
DEFAULT_WIDTH = 100


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list:
    """``text`` in lines of at most ``width`` cells, broken at spaces or between CJK characters only; ``first`` and
    ``rest`` prefix the first and the following lines. A longer token is never split."""
    lines: list = []
    line, used, empty, space = first, cell_len(first), True, False
    for tok in _tokens(clean(text)):
        if tok.isspace():
            space = not empty  # spaces at the start of a line are dropped
            continue
        n = cell_len(tok)
        sep = " " if space else ""
        if not empty and used + len(sep) + n > width:
            lines.append(line)
            line, used, empty, sep = rest, cell_len(rest), True, ""
        line, used, empty, space = line + sep + tok, used + len(sep) + n, False, False
    if not empty or not lines:
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list:
    if not text or max(text) < _FIRST_CJK:
        return _TOKEN.findall(text)
    return _cjk_token().findall(text)


@functools.cache
def _cjk_token() -> re.Pattern:
    return re.compile(_CJK_TOKEN)


class Lines:
    """Text wrapped to the console's width when it is rendered."""

    def __init__(self, text: str, style: str = "", first: str = "", rest: str = "", prefix_style: str = "") -> None:
        self.text, self.style, self.first, self.rest, self.prefix_style = text, style, first, rest, prefix_style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for i, line in enumerate(wrap(self.text, options.max_width, self.first, self.rest)):
            prefix = self.first if i == 0 else self.rest
            out = Text(no_wrap=True, overflow="ignore", end="\n")
            out.append(line[: len(prefix)], style=self.prefix_style)
            out.append(line[len(prefix) :], style=self.style)
            yield out


class Verbatim:
    """One line that is never wrapped or cut (a path, a line of code)."""

    def __init__(self, text: str, style: str = "", indent: str = "") -> None:
        self.text, self.style, self.indent = clean(text), style, indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        out = Text(self.indent, no_wrap=True, overflow="ignore", end="\n")
        out.append(self.text, style=self.style)
        yield out


def _headline(doc: Document) -> Iterator[RenderableType]:
    h: Headline = doc.headline
    head = Text(no_wrap=True, overflow="ignore")
    head.append(h.verdict_label.upper(), style=VERDICT_STYLE.get(h.verdict, "bold"))
    head.append(f"  trainmedic · {clean(doc.title)}", style="bold")
    yield Rule(style=VERDICT_STYLE.get(h.verdict, "").replace("bold ", ""))
    yield head
    if h.conclusion:
        yield Lines(doc.labels["conclusion"] + h.conclusion, rest="  ")
    if h.first_fix:
        yield Lines(doc.labels["first"] + h.first_fix, style="bold", rest="  ")
        if h.first_code:
            yield Verbatim(h.first_code, "cyan", CODE_INDENT)
        if h.first_place:
            yield Lines(h.first_place, "dim", CODE_INDENT, CODE_INDENT)
    if h.resume:
        yield Lines(doc.labels["resume"] + h.resume, style="bold", rest=CODE_INDENT)
    elif h.resume_note:
        yield Lines(doc.labels["resume"] + h.resume_note, rest="  ")
    yield Rule(style=VERDICT_STYLE.get(h.verdict, "").replace("bold ", ""))


def _item(item: Item, number: str, lang: str) -> Iterator[RenderableType]:
    """A numbered or bulleted entry; wrapped lines hang under the text, not under the number."""
    pad = " " * cell_len(number)
    head = " ".join(
        x
        for x in (
            item.head,
            f"[{item.code}]" if item.code else "",
            t("report.text.label", lang, label=Rendered(item.label)) if item.label else "",
        )
        if x
    )
    first = number
    if head:
        yield Lines(head, "bold", first, pad, prefix_style="bold")
        first = pad
    if item.snippet:
        yield Verbatim(item.snippet, "cyan", pad + "  ")
    if item.place:
        yield Lines(item.place, "dim", pad + "  ", pad + "  ")
    if item.body:
        yield Lines(item.body, "", first, pad)
    for d in item.details:
        yield Lines(d, "dim", pad + "- ", pad + "  ")


def _items(block: Items, lang: str) -> Iterator[RenderableType]:
    width = len(str(len(block.entries)))
    for i, item in enumerate(block.entries, 1):
        yield from _item(item, f"{i:>{width}}. " if block.numbered else "• ", lang)


class FoldingGrid:
    """A table when it fits the console, else one ``column: value`` line per cell under each row's first cell."""

    def __init__(self, block: Grid, lang: str = "en") -> None:
        self.block, self.lang = block, lang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        b = self.block
        cols = [clean(c) for c in b.columns]
        rows = [[clean(v) for v in row] for row in b.rows]
        widths = [max([cell_len(c)] + [cell_len(r[i]) for r in rows if i < len(r)]) for i, c in enumerate(cols)]
        if b.title:
            yield Text(clean(b.title), style="bold")
        if sum(widths) + 2 * (len(widths) - 1) <= options.max_width:

            def line(values: list) -> str:
                return "  ".join(v + " " * (w - cell_len(v)) for v, w in zip(values, widths)).rstrip()

            yield Text(line(cols), style="bold", no_wrap=True)
            yield Text("  ".join("─" * w for w in widths), style="dim", no_wrap=True)
            for r in rows:
                yield Text(line(r), no_wrap=True, overflow="ignore")
            return
        for r in rows:
            yield Lines(r[0] if r else "", "bold", "• ", "  ")
            for c, v in zip(cols[1:], r[1:]):
                if v:  # an empty cell says nothing on a line of its own
                    yield Lines(
                        t("report.text.field", self.lang, name=Rendered(c), value=Rendered(v)), "", "    ", "      "
                    )


def _settings(block: Settings) -> Iterator[RenderableType]:
    if block.title:
        yield Text(clean(block.title), style="bold")
    width = max((cell_len(k) for k, _, _ in block.rows), default=0)
    for key, value, source in block.rows:
        lead = f"  {clean(key)}{' ' * (width - cell_len(key))} = "
        yield Lines(f"{value} ({source})" if source else value, "", lead, " " * cell_len(lead))


def section_renderables(sec: Section, lang: str = "en") -> Iterator[RenderableType]:
    """One section for the terminal: a rule with its title, then its blocks."""
    yield Text("")
    yield Rule(Text(clean(sec.title), style="bold"), align="left", style="dim")
    for block in sec.blocks:
        if isinstance(block, Para):
            yield Lines(block.text)
        elif isinstance(block, Items):
            yield from _items(block, lang)
        elif isinstance(block, Grid):
            yield FoldingGrid(block, lang)
        elif isinstance(block, Settings):
            yield from _settings(block)


def rich_renderables(report: Report, lang: str = "en") -> Iterator[RenderableType]:
    """The report as rich renderables: the headline, then one ruled section after another."""
    with escaping(clean):
        doc = build_document(report, lang)
    yield from _headline(doc)
    for sec in doc.sections:
        if sec.blocks:  # the evidence of a healthy run holds only its plots, which the terminal does not draw
            yield from section_renderables(sec, lang)


def render_text(report: Report, lang: str = "en", width: int = DEFAULT_WIDTH, color: bool = False) -> str:
    """The report as terminal text; plain (no ANSI escape codes) unless ``color`` is true."""
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width,
        force_terminal=color,
        color_system="truecolor" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    for r in rich_renderables(report, lang):
        console.print(r, crop=False)
    out = buf.getvalue()
    return "\n".join(line.rstrip() for line in out.split("\n"))
