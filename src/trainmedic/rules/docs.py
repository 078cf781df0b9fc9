"""`trainmedic rules` and `trainmedic explain CODE`, generated from the registry and the message catalogs."""

from __future__ import annotations

from typing import Optional

from ..i18n import t
from . import all_rules, get_rule
from .checks import all_checks, get_check


def list_rules(lang: str = "en") -> str:
    """A plain-text table of every rule: code, name, symptom, severity, one-line summary."""
    header = t("rules.docs.columns", lang).split("|")
    rows = [[r.code, r.name, r.symptom, r.severity, t(r.summary, lang)] for r in all_rules()]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header[:4])]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header[:4], widths)) + "  " + header[4]]
    lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len(header[4]))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row[:4], widths)) + "  " + row[4])
    return "\n".join(lines) + "\n"


def list_checks(lang: str = "en") -> str:
    """A plain-text table of the checks run by preflight, checkpoints and compare, under its heading."""
    header = t("checks.docs.columns", lang).split("|")
    rows = [[c.code, c.name, c.symptom, c.severity, c.command, t(c.summary, lang)] for c in all_checks()]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header[:5])]
    lines = [t("checks.docs.title", lang), ""]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header[:5], widths)) + "  " + header[5])
    lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len(header[5]))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row[:5], widths)) + "  " + row[5])
    return "\n".join(lines) + "\n"


def markdown_table(lang: str = "en") -> str:
    """The rule table as Markdown (for the README)."""
    header = t("rules.docs.columns", lang).split("|")
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in all_rules():
        out.append(f"| {r.code} | {r.name} | {r.symptom} | {r.severity} | {t(r.summary, lang)} |")
    return "\n".join(out) + "\n"


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
