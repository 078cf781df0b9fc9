"""Markdown rendering (GitHub-flavoured): the same sections as the terminal, as headings, lists and tables.

Suitable for a pull-request comment, an issue, or a CI job summary (``$GITHUB_STEP_SUMMARY``).
"""

from __future__ import annotations

import re

from .model import Report
from .sections import Document, Grid, Item, Items, Para, Section, Settings, build_document

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|])")  # "_" inside words is literal in GFM: max_grad_norm stays readable


def escape(text: str) -> str:
    """Make text from a log literal in Markdown: ``*``, ``_``, ``[``, ``|``, ``<`` ... lose their meaning."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    if not text:
        return ""
    fence = "``" if "`" in text else "`"
    return f"{fence}{text.strip()}{fence}" if fence == "`" else f"{fence} {text} {fence}"


def _table(columns: list, rows: list) -> list:
    out = ["| " + " | ".join(escape(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(escape(v) for v in row) + " |" for row in rows]
    return out


def _item(item: Item, prefix: str) -> list:
    parts = []
    if item.head:
        parts.append(f"**{escape(item.head)}**")
    if item.code:
        parts.append(code(item.code))
    if item.label:
        parts.append(f"*{escape(item.label)}*")
    indent = " " * len(prefix)
    if parts:
        lines = [prefix + " ".join(parts)]
        if item.body:
            lines[0] += "\\"  # a hard line break: the body goes on its own line
            lines.append(f"{indent}{escape(item.body)}")
    else:
        lines = [prefix + escape(item.body)]
    lines += [f"{indent}- {escape(d)}" for d in item.details]
    return lines


def _block(block) -> list:
    if isinstance(block, Para):
        return [escape(block.text), ""]
    if isinstance(block, Items):
        lines: list = []
        for i, item in enumerate(block.entries, 1):
            lines += _item(item, f"{i}. " if block.numbered else "- ")
        return lines + [""]
    if isinstance(block, Grid):
        head = [f"**{escape(block.title)}**", ""] if block.title else []
        return head + _table(block.columns, block.rows) + [""]
    if isinstance(block, Settings):
        head = [f"**{escape(block.title)}**", ""] if block.title else []
        rows = [f"- {code(f'{k} = {v}')}" + (f" ({escape(s)})" if s else "") for k, v, s in block.rows]
        return head + rows + [""]
    return []


def section_lines(sec: Section) -> list:
    lines = [f"## {escape(sec.title)}", ""]
    for block in sec.blocks:
        lines += _block(block)
    return lines


def document_lines(doc: Document) -> list:
    lines = [f"# trainmedic: {escape(doc.title)}", "",
             f"**{escape(doc.verdict_caption.strip())}** {escape(doc.verdict_label)}", "",
             f"**{escape(doc.conclusion_label.strip())}** {escape(doc.conclusion)}", ""]
    for sec in doc.sections:
        lines += section_lines(sec)
    return lines


def render_markdown(report: Report, lang: str = "en") -> str:
    """The report as Markdown, in ``lang``."""
    return "\n".join(document_lines(build_document(report, lang))).rstrip() + "\n"
