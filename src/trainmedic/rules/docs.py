"""`trainmedic rules` and `trainmedic explain CODE`, generated from the registry and the message catalogs."""

from __future__ import annotations

import textwrap
import unicodedata
from typing import Optional

from ..i18n import t
from . import all_rules, get_rule
from .checks import all_checks, get_check

# `trainmedic rules` must stay readable in an 80-column terminal: the short columns share one line and the summary
# goes on the lines below, indented and wrapped, instead of running off the right edge.
WIDTH = 80


def _wrap(text: str, width: int, indent: int) -> list:
    """``text`` wrapped to ``width`` columns after ``indent`` spaces (CJK characters take two columns)."""
    room = max(20, width - indent)
    if any(unicodedata.east_asian_width(ch) in "WF" for ch in text):
        room //= 2  # textwrap counts characters, a CJK character fills two columns
        return [" " * indent + text[i:i + room] for i in range(0, len(text), room)]
    return [" " * indent + line for line in textwrap.wrap(text, room)]


def _cols(text: str) -> int:
    """Columns ``text`` fills in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _cols(text))


def _table(header: list, rows: list, width: int) -> list:
    """Rows of short columns, each followed by its summary (the last item of the row) on wrapped lines."""
    widths = [max(_cols(h), *(_cols(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(_pad(c, w) for c, w in zip(row[:-1], widths)).rstrip())
        lines += _wrap(row[-1], width, widths[0] + 2)  # under the name column
    return lines


def list_rules(lang: str = "en", width: int = WIDTH) -> str:
    """A plain-text table of every rule: code, name, symptom, severity, and its one-line summary below."""
    header = t("rules.docs.columns", lang).split("|")[:4]
    rows = [[r.code, r.name, r.symptom, r.severity, t(r.summary, lang)] for r in all_rules()]
    return "\n".join(_table(header, rows, width)) + "\n"


def list_checks(lang: str = "en", width: int = WIDTH) -> str:
    """The checks run by preflight, checkpoints and compare under one heading, a table per command."""
    header = t("rules.docs.columns", lang).split("|")[:4]
    lines = [t("checks.docs.title", lang)]
    for command in ("preflight", "checkpoints", "compare"):
        rows = [[c.code, c.name, c.symptom, c.severity, t(c.summary, lang)]
                for c in all_checks() if c.command == command]
        lines += ["", t(f"checks.docs.command.{command}", lang), ""] + _table(header, rows, width)
    return "\n".join(lines) + "\n"


def explain(code: str, lang: str = "en") -> Optional[str]:
    """The four-part explanation of one rule (what, why, example, fix) and its thresholds; None if no such rule."""
    r = get_rule(code.strip())
    if r is None:
        return explain_check(code, lang)
    lines = [f"{r.code} {r.name}", t("rules.docs.symptom", lang, symptom=r.symptom, severity=r.severity), "",
             t(r.summary, lang), ""]
    for part in ("what", "why", "example", "fix"):
        lines += [t(f"rules.docs.{part}", lang), "  " + t(f"{r.explanation}.{part}", lang), ""]
    if r.thresholds:
        lines.append(t("rules.docs.thresholds", lang))
        lines += [f"  {k} = {v}" for k, v in r.thresholds.items()]
        lines.append("")
    return "\n".join(lines)


def explain_check(code: str, lang: str = "en") -> Optional[str]:
    """The explanation of one check (what, why, fix) and the command that runs it; None if no such check."""
    c = get_check(code)
    if c is None:
        return None
    lines = [f"{c.code} {c.name} ({t('checks.docs.command.' + c.command, lang)})",
             t("rules.docs.symptom", lang, symptom=c.symptom, severity=c.severity), "", t(c.summary, lang), ""]
    for part in ("what", "why", "fix"):
        lines += [t(f"rules.docs.{part}", lang), "  " + t(f"{c.explanation}.{part}", lang), ""]
    return "\n".join(lines)
