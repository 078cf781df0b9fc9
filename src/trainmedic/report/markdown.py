"""Markdown rendering (GitHub-flavoured) for a pull-request comment, an issue, or a CI job summary
(``$GITHUB_STEP_SUMMARY``).

No H1 (it is pasted into pages that have their own title): the headline in bold, then ``##`` sections; what was read
and the configuration folded in ``<details>``. Words from artifacts are escaped (:func:`.escape.md_text`), values
and code sit in code spans no backtick can close, so nothing a log wrote becomes a link, an image, a heading or HTML.
"""

from __future__ import annotations

from ..i18n import escaping
from .escape import md_cell, md_code, md_line, md_text
from .model import Report
from .sections import Document, Grid, Item, Items, Para, Section, Settings, build_document


def _table(columns: list, rows: list) -> list:
    out = ["| " + " | ".join(md_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(md_cell(v) for v in row) + " |" for row in rows]
    return out


def _item(item: Item, prefix: str) -> list:
    parts = []
    if item.head:
        parts.append(f"**{item.head}**")
    if item.code:
        parts.append(md_code(item.code))
    if item.label:
        parts.append(f"*{item.label}*")
    indent = " " * len(prefix)
    body = []
    if item.snippet:
        body.append(md_code(item.snippet) + (f" ({item.place})" if item.place else ""))
    if item.body:
        body.append(md_line(item.body))
    lines = [prefix + " ".join(parts)] if parts else []
    for b in body:
        if lines:
            lines[-1] += "\\"  # a hard line break: the next part on its own line
            lines.append(indent + b)
        else:
            lines.append(prefix + b)
    lines += [f"{indent}- {md_line(d)}" for d in item.details]
    return lines


def _block(block) -> list:
    if isinstance(block, Para):
        return [md_line(block.text), ""]
    if isinstance(block, Items):
        lines: list = []
        for i, item in enumerate(block.entries, 1):
            lines += _item(item, f"{i}. " if block.numbered else "- ")
        return lines + [""]
    if isinstance(block, Grid):
        head = [f"**{block.title}**", ""] if block.title else []
        return head + _table(block.columns, block.rows) + [""]
    if isinstance(block, Settings):
        head = [f"**{block.title}**", ""] if block.title else []
        rows = [f"- {md_code(f'{k} = {v}')}" + (f" ({s})" if s else "") for k, v, s in block.rows]
        return head + rows + [""]
    return []


def section_lines(sec: Section) -> list:
    """One section as Markdown lines: a ``##`` heading, or a ``<details>`` block when the section is folded."""
    body: list = []
    for block in sec.blocks:
        body += _block(block)
    if sec.folded:
        return [f"<details><summary>{sec.title}</summary>", ""] + body + ["</details>", ""]
    return [f"## {sec.title}", ""] + body


def headline_lines(doc: Document) -> list:
    """The headline as Markdown lines: verdict, conclusion, the first change and where to resume."""
    h = doc.headline
    lines = [f"**{h.verdict_label.upper()}** · trainmedic · {doc.title}", ""]
    if h.conclusion:
        lines += [f"**{doc.labels['conclusion'].strip()}** {h.conclusion}", ""]
    if h.first_fix:
        first = f"**{doc.labels['first'].strip()}** {h.first_fix}"
        if h.first_code:
            first += f"\\\n{md_code(h.first_code)}" + (f" ({h.first_place})" if h.first_place else "")
        lines += [first, ""]
    if h.resume:
        lines += [f"**{doc.labels['resume'].strip()}** {md_code(h.resume)}", ""]
    elif h.resume_note:
        lines += [f"**{doc.labels['resume'].strip()}** {h.resume_note}", ""]
    return lines


def document_lines(doc: Document) -> list:
    """The whole document as Markdown lines: the headline, then every section that has something to show."""
    lines = headline_lines(doc)
    for sec in doc.sections:
        if sec.blocks:
            lines += section_lines(sec)
    return lines


def render_markdown(report: Report, lang: str = "en") -> str:
    """The report as Markdown, in ``lang``."""
    with escaping(md_text):
        doc = build_document(report, lang)
    lines = [line.rstrip() if not line.endswith("\\") else line for line in document_lines(doc)]
    return "\n".join(lines).rstrip() + "\n"
