"""`trainmedic rules` and `trainmedic explain CODE`, generated from the registry (the built-in rules through their
index, :mod:`.index`, so that these commands import no rule).

A rule's English text is its docstring (see :class:`~trainmedic.rules.RuleDoc`), its Chinese text the catalog entries
``rule.<CODE>.summary|what|why|example|fix``; both are filled with the rule's thresholds (``{loss_tol}``), so the
documentation always states the values the code uses. Checks (preflight, checkpoints, compare) are documented in
the catalogs.
"""

from __future__ import annotations

from typing import Optional

from ..findings import SEVERITY_WORDS
from ..i18n import catalog, fill, t
from . import DOC_SECTIONS, Rule
from .checks import all_checks, get_check
from .docs_table import table
from .index import documented_rules

# `trainmedic rules` must stay readable in an 80-column terminal.
WIDTH = 80
# Words chosen at run time, by value (full catalog keys).
PART_KEYS = {
    "what": "rules.docs.what",
    "why": "rules.docs.why",
    "example": "rules.docs.example",
    "fix": "rules.docs.fix",
}
COMMAND_KEYS = {
    "preflight": "checks.docs.command.preflight",
    "checkpoints": "checks.docs.command.checkpoints",
    "compare": "checks.docs.command.compare",
}


def doc_key(prefix: str, part: str) -> str:
    """The catalog key of one part of a rule's or check's documentation: ``rule.TM101.what``. The one place keys are
    made from a name: a rule (a plugin's too) is documented under its own code."""
    return f"{prefix}.{part}"


def rule_text(r: Rule, part: str, lang: str = "en") -> str:
    """One part (``summary``, ``what``, ``why``, ``example``, ``fix``) of a rule's documentation, thresholds filled."""
    text = catalog(lang).get(doc_key(f"rule.{r.code}", part)) if lang != "en" else None
    if text is None:
        text = r.doc.summary if part == "summary" else getattr(r.doc, part, "")
    return fill(text, lang, **r.params.as_dict())


def list_rules(lang: str = "en", width: int = WIDTH) -> str:
    """A table of every rule: code, name, severity and its one-line summary (the symptom is in `explain`)."""
    header = t("rules.docs.columns", lang).split("|")
    header = [header[0], header[1], header[3], header[4]]
    rows = [
        [r.code, r.name, t(SEVERITY_WORDS[r.severity.value], lang), rule_text(r, "summary", lang)]
        for r in documented_rules()
    ]
    return table(header, rows, width)


def list_checks(lang: str = "en", width: int = WIDTH) -> str:
    """The checks run by preflight, checkpoints and compare under one heading, a table per command."""
    header = t("rules.docs.columns", lang).split("|")
    header = [header[0], header[1], header[3], header[4]]
    parts = [t("checks.docs.title", lang) + "\n"]
    for command in ("preflight", "checkpoints", "compare"):
        rows = [
            [c.code, c.name, t(SEVERITY_WORDS[str(c.severity)], lang), t(c.summary, lang)]
            for c in all_checks()
            if c.command == command
        ]
        parts += ["\n" + t(COMMAND_KEYS[command], lang) + "\n\n", table(header, rows, width)]
    return "".join(parts)


def _rule(code: str) -> Optional[Rule]:
    """The documented rule with this code (any case) or name, or None."""
    key = code.strip()
    return next((r for r in documented_rules() if r.code == key.upper() or r.name == key.lower()), None)


def explain(code: str, lang: str = "en") -> Optional[str]:
    """The four-part explanation of one rule (what, why, example, fix) and its thresholds; None if no such rule."""
    r = _rule(code)
    if r is None:
        return explain_check(code, lang)
    lines = [
        f"{r.code} {r.name}",
        t("rules.docs.symptom", lang, symptom=r.symptom, severity=r.severity.value),
        "",
        rule_text(r, "summary", lang),
        "",
    ]
    for part in DOC_SECTIONS:
        lines += [t(PART_KEYS[part], lang), "  " + rule_text(r, part, lang), ""]
    values = r.params.as_dict()
    if values:
        reasons = r.params.reasons() if lang == "en" else {}
        lines.append(t("rules.docs.thresholds", lang))
        for k, v in values.items():
            why = reasons.get(k)
            lines.append(f"  {k} = {v!r}" + (f"  ({why})" if why else ""))
        lines.append("")
    return "\n".join(lines)


def explain_check(code: str, lang: str = "en") -> Optional[str]:
    """The explanation of one check (what, why, fix) and the command that runs it; None if no such check."""
    c = get_check(code)
    if c is None:
        return None
    lines = [
        f"{c.code} {c.name} ({t(COMMAND_KEYS[c.command], lang)})",
        t("rules.docs.symptom", lang, symptom=c.symptom, severity=c.severity),
        "",
        t(c.summary, lang),
        "",
    ]
    for part in ("what", "why", "fix"):
        lines += [t(PART_KEYS[part], lang), "  " + t(doc_key(c.explanation, part), lang), ""]
    return "\n".join(lines)


def markdown(lang: str = "en") -> str:
    """The rules page of the documentation (``docs/rules.md``), generated from the registry: the rule table, then each
    rule's four parts and thresholds (with their reasons), then the checks."""
    lines = [
        "<!-- generated by `trainmedic rules --format md`: do not edit by hand -->",
        "",
        "# " + t("rules.docs.title", lang),
        "",
        "| code | name | symptom | severity | summary |",
        "|---|---|---|---|---|",
    ]
    rules = documented_rules()
    for r in rules:
        lines.append(
            f"| [{r.code}](#{r.code.lower()}) | `{r.name}` | `{r.symptom}` | {r.severity.value} | "
            f"{_cell(rule_text(r, 'summary', lang))} |"
        )
    for r in rules:
        lines += [
            "",
            f"## {r.code}",
            "",
            f"`{r.name}` · symptom `{r.symptom}` · severity {r.severity.value}",
            "",
            rule_text(r, "summary", lang),
        ]
        for part in DOC_SECTIONS:
            lines += ["", f"**{t(PART_KEYS[part], lang)}.** {rule_text(r, part, lang)}"]
        values = r.params.as_dict()
        if values:
            lines += [
                "",
                f"**{t('rules.docs.thresholds', lang)}** (`[tool.trainmedic.rules.{r.code}]`)",
                "",
                "| name | default | why |",
                "|---|---|---|",
            ]
            reasons = r.params.reasons()
            lines += [f"| `{k}` | `{v!r}` | {_cell(reasons.get(k, ''))} |" for k, v in values.items()]
    lines += ["", "# " + t("checks.docs.title", lang)]
    for command in ("preflight", "checkpoints", "compare"):
        lines += [
            "",
            "## " + t(COMMAND_KEYS[command], lang),
            "",
            "| code | name | symptom | severity | summary |",
            "|---|---|---|---|---|",
        ]
        for c in all_checks():
            if c.command == command:
                lines.append(f"| {c.code} | `{c.name}` | `{c.symptom}` | {c.severity} | {_cell(t(c.summary, lang))} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
