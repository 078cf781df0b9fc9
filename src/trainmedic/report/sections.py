"""The shape every rendered report shares, built once from a Report in one language.

Text, Markdown and HTML lay out the same :class:`Document`: verdict and conclusion -> what was read -> tables
(preflight, checkpoints, compare) -> evidence chain -> why -> fixes -> checkpoints -> what to watch next -> notes.
Everything here is already a string in the report's language, so a renderer only decides how things look.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional, Union

from ..findings import Finding, Position
from ..i18n import Msg, fmt_value, t
from ..run import CONFIG_KEYS
from .model import Report, text_of


@dataclass
class Para:
    """A paragraph."""

    kind: ClassVar[str] = "para"
    text: str


@dataclass
class Item:
    """One entry of a list: a headline (where / what), a code, a badge, a body and detail lines."""

    head: str = ""
    code: str = ""
    label: str = ""
    level: str = ""  # info | warning | error | "" (colour of the badge)
    body: str = ""
    details: list = field(default_factory=list)


@dataclass
class Items:
    """A list of entries, numbered when their order means something (evidence, causes, fixes)."""

    kind: ClassVar[str] = "items"
    entries: list
    numbered: bool = True


@dataclass
class Grid:
    """A table of strings."""

    kind: ClassVar[str] = "grid"
    columns: list
    rows: list
    title: str = ""
    key: str = ""


@dataclass
class Settings:
    """Configuration values with the place each came from: ``lr = 2e-05  (train.py:10)``."""

    kind: ClassVar[str] = "settings"
    rows: list  # (key, value, source)
    title: str = ""


Block = Union[Para, Items, Grid, Settings]


@dataclass
class Section:
    """A titled part of the report."""

    key: str
    title: str
    blocks: list = field(default_factory=list)


@dataclass
class Document:
    """A report ready to lay out: title, verdict, one-sentence conclusion, sections in reading order."""

    kind: str
    lang: str
    title: str
    verdict: str
    verdict_label: str
    conclusion: str
    conclusion_label: str = "Conclusion: "  # with the language's colon
    verdict_caption: str = "Verdict: "
    sections: list = field(default_factory=list)


# Formatting helpers ---------------------------------------------------------------------------------------------

def cell(v: Any, lang: str) -> str:
    """A value as a table cell: numbers as people write them, messages in the report's language."""
    if v is None:
        return ""
    if isinstance(v, Msg):
        return v.render(lang)
    if isinstance(v, (list, tuple)):
        return ", ".join(cell(x, lang) for x in v)
    if isinstance(v, dict):
        return ", ".join(f"{k}={cell(x, lang)}" for k, x in v.items())
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):  # numpy scalar
        try:
            v = v.item()
        except (TypeError, ValueError):
            pass
    if isinstance(v, (int, float)):
        return fmt_value(v)
    return str(v)


def where(at: Optional[Position], lang: str) -> str:
    """``step 2100 (epoch 0.67)``, ``epoch 3``, or the whole run."""
    if at is None or not at.known:
        return t("report.at.unknown", lang)
    return at.where().render(lang)


def span(at: Optional[Position], until: Optional[Position], lang: str) -> str:
    """Where a finding starts, and where it ends when it lasts."""
    start = where(at, lang)
    if until is not None and until.known and until != at:
        return t("report.at.range", lang, start=start, end=where(until, lang))
    return start


def source_text(src: str, lang: str) -> str:
    """A config value's source; ``derived from a, b`` is said in the report's language."""
    prefix = "derived from "
    if src.startswith(prefix):
        return t("report.derived_from", lang, names=src[len(prefix):])
    return src


def _position(f: Finding, steps_per_epoch: Optional[float]) -> tuple:
    """Sort key: findings ordered by where they start (steps, epochs converted when the run says how)."""
    step, epoch = f.at.step, f.at.epoch
    graver = -f.severity.rank  # at the same point, errors before warnings before info
    if step is not None and math.isfinite(float(step)):
        return (0, float(step), graver)
    if epoch is not None and steps_per_epoch:
        return (0, float(epoch) * steps_per_epoch, graver)
    if epoch is not None:
        return (1, float(epoch), graver)
    return (2, 0.0, graver)


def ordered_findings(report: Report) -> list:
    """Findings in the order they appear in the run."""
    spe = None
    for r in report.runs:
        v = r.config.get("steps_per_epoch")
        if isinstance(v, (int, float)) and v > 0:
            spe = float(v)
            break
    return sorted(report.findings, key=lambda f: _position(f, spe))


def default_conclusion(report: Report, lang: str) -> str:
    """The one-sentence conclusion: the report's own, else one made from the top cause or the first finding."""
    if report.conclusion is not None:
        return text_of(report.conclusion, lang)
    verdict = report.verdict
    if verdict == "healthy":
        series = len({s for r in report.runs for s in r.series})
        points = sum(int(r.points) for r in report.runs)
        if series:
            return t("report.conclusion.healthy", lang, points=points, series=series)
        return t("report.conclusion.healthy_short", lang)
    first = ordered_findings(report)
    serious = [f for f in first if f.serious] or first
    if report.diagnoses:
        top = report.diagnoses[0]
        codes = set(top.findings)
        related = [f for f in serious if f.code in codes] or serious
        return t("report.conclusion.cause", lang, title=text_of(top.title, lang),
                 pct=int(round(float(top.confidence) * 100)), where=where(related[0].at, lang))
    return t("report.conclusion.symptom", lang, message=text_of(serious[0].message, lang))


# Sections -------------------------------------------------------------------------------------------------------

def _config_rows(config: dict, sources: dict, lang: str, base: str = "") -> list:
    known = [k for k in CONFIG_KEYS if k in config]
    rest = [k for k in config if k not in CONFIG_KEYS]
    return [(k, cell(config[k], lang), source_text(_relative(str(sources.get(k, "")), base), lang))
            for k in known + rest]


def _common_dir(paths: list) -> str:
    """The directory all artifacts share, so that config sources can be cited relative to it."""
    dirs = [os.path.dirname(p) for p in paths if p]
    try:
        return os.path.commonpath(dirs) if dirs else ""
    except ValueError:  # absolute and relative paths mixed
        return ""


def _relative(src: str, base: str) -> str:
    return src[len(base) + 1:] if base and src.startswith(base + os.sep) else src


def read_section(report: Report, lang: str) -> Optional[Section]:
    if not report.runs:
        return None
    sec = Section("read", t("report.section.read", lang))
    cols = [t(f"report.col.{c}", lang) for c in ("path", "format", "series", "points")]
    rows = [[r.path, r.format, cell(len(r.series), lang), cell(int(r.points), lang)] for r in report.runs]
    sec.blocks.append(Grid(cols, rows, key="sources"))
    # A run lists its config once (on its first artifact); several differing configs mean several runs (compare).
    configs = [(r.path, r.config, r.config_sources) for r in report.runs if r.config] or [
        (r.path, r.config, r.config_sources) for r in report.runs[:1]]
    shared = all(c == configs[0][1] for _, c, _ in configs)
    base = _common_dir([r.path for r in report.runs])
    if base:
        sec.blocks.append(Para(t("report.label.sources_relative", lang, base=base)))
    for path, config, sources in (configs[:1] if shared else configs):
        title = t("report.label.config", lang) + ("" if shared else f": {path}")
        if config:
            sec.blocks.append(Settings(_config_rows(config, sources, lang, base), title))
    if not any(c for _, c, _ in configs) and report.kind in ("diagnosis", "live"):
        sec.blocks.append(Para(t("report.label.no_config", lang)))
    for r in report.runs:
        for n in r.notes:
            sec.blocks.append(Para(f"{r.path}: {text_of(n, lang)}"))
    return sec


def _evidence_line(e: Any, lang: str) -> str:
    line = t("report.evidence.value", lang, series=e.series, value=cell(e.value, lang), where=where(e.at, lang))
    note = text_of(e.note, lang)
    return t("report.evidence.note", lang, line=line, note=note) if note else line


def _chain_item(x: Any, lang: str) -> Item:
    if isinstance(x, dict):
        at = {k: x[k] for k in ("step", "epoch", "index") if x.get(k) is not None}
        body = text_of(x.get("text", x.get("message", x.get("note", ""))), lang)
        if not body and "series" in x:
            body = f"{x['series']} = {cell(x.get('value'), lang)}"
        return Item(head=where(at, lang) if at else "", body=body)
    return Item(body=text_of(x, lang))


def _chain_beyond_findings(report: Report) -> list:
    """Lines of ``extra["evidence_chain"]`` that do not just retell a finding (those are listed with their values)."""
    told = {id(f.message) for f in report.findings}
    return [x for x in report.extra.get("evidence_chain") or []
            if not (isinstance(x, Msg) and id(x.params.get("message")) in told)]


def evidence_section(report: Report, lang: str) -> Optional[Section]:
    """The findings in the order they happened (code, symptom, where, message, values), then any further links."""
    chain = _chain_beyond_findings(report)
    if not report.findings and not chain:
        return None
    sec = Section("evidence", t("report.section.evidence", lang))
    entries = []
    for f in ordered_findings(report):
        label = f"{t('report.severity.' + f.severity.value, lang)} · {f.symptom}"
        details = [_evidence_line(e, lang) for e in f.evidence]
        series = f.series_label or f.series
        head = span(f.at, f.until, lang) + (f" · {series}" if series else "")
        entries.append(Item(head=head, code=f"{f.code} {f.rule}".strip(), label=label, level=f.severity.value,
                            body=text_of(f.message, lang), details=details))
    if entries:
        sec.blocks.append(Items(entries))
    if chain:
        sec.blocks.append(Items([_chain_item(x, lang) for x in chain], numbered=False))
    return sec


def why_section(report: Report, lang: str) -> Optional[Section]:
    if not report.diagnoses:
        return None
    entries = []
    for d in report.diagnoses:
        details = [t("report.label.findings", lang, codes=", ".join(d.findings))] if d.findings else []
        entries.append(Item(head=text_of(d.title, lang), code=d.cause,
                            label=t("report.label.confidence", lang, pct=int(round(float(d.confidence) * 100))),
                            body=text_of(d.explanation, lang), details=details))
    return Section("why", t("report.section.why", lang), [Items(entries)])


def fix_head(fx: Any, lang: str) -> str:
    """``max_grad_norm: 0 → 1`` for a parameter change, the action's words otherwise."""
    if fx.param:
        to = cell(fx.to, lang)
        if fx.from_ is None:
            change = f"{fx.param} → {to}"
        else:
            change = f"{fx.param}: {cell(fx.from_, lang)} → {to}"
        return change + (f"; {text_of(fx.action, lang)}" if fx.action else "")
    return text_of(fx.action, lang)


def fixes_section(report: Report, lang: str) -> Optional[Section]:
    entries, seen = [], set()
    multi = len(report.diagnoses) > 1
    for d in report.diagnoses:
        for fx in d.fixes:
            head = fix_head(fx, lang)
            if head in seen:
                continue
            seen.add(head)
            details = [t("report.label.cause", lang, cause=text_of(d.title, lang))] if multi else []
            entries.append(Item(head=head, body=text_of(fx.why, lang), details=details))
    if not entries:
        return None
    return Section("fixes", t("report.section.fixes", lang), [Items(entries)])


CHECKPOINT_KEYS_SHOWN_ELSEWHERE = ("last_healthy", "broken", "resume", "unreadable", "framework", "evidence", "source")


def checkpoints_section(report: Report, lang: str) -> Optional[Section]:
    """Last healthy checkpoint, the broken ones (with why), how to resume."""
    ck = report.checkpoints
    if not ck:
        return None
    reasons = ck.get("evidence") if isinstance(ck.get("evidence"), dict) else {}
    entries = [Item(head=t("report.label.last_healthy", lang),
                    body=cell(ck.get("last_healthy"), lang) or t("report.label.none", lang))]
    if ck.get("broken"):
        details = [cell(b, lang) + (f" ({cell(reasons[b], lang)})" if reasons.get(b) else "") for b in ck["broken"]]
        entries.append(Item(head=t("report.label.broken", lang), details=details))
    if ck.get("unreadable"):
        entries.append(Item(head=t("report.label.unreadable", lang), details=[cell(b, lang) for b in ck["unreadable"]]))
    if ck.get("framework"):
        entries.append(Item(head=t("report.label.framework", lang), body=cell(ck["framework"], lang)))
    if ck.get("resume"):
        entries.append(Item(head=t("report.label.resume", lang), body=cell(ck["resume"], lang)))
    for k, v in ck.items():
        if k not in CHECKPOINT_KEYS_SHOWN_ELSEWHERE and v not in (None, "", [], {}):
            entries.append(Item(head=k, body=cell(v, lang)))
    return Section("checkpoints", t("report.section.checkpoints", lang), [Items(entries, numbered=False)])


def _bullets(key: str, heading: str, lines: list, lang: str) -> Optional[Section]:
    if not lines:
        return None
    return Section(key, t(heading, lang), [Items([Item(body=text_of(x, lang)) for x in lines], numbered=False)])


def tables_section(report: Report, lang: str) -> list:
    out = []
    for tb in report.tables:
        grid = Grid([cell(c, lang) for c in tb.columns], [[cell(v, lang) for v in row] for row in tb.rows],
                    key=tb.key)
        out.append(Section(f"table:{tb.key}" if tb.key else "table", text_of(tb.title, lang), [grid]))
    return out


def build_document(report: Report, lang: str) -> Document:
    """Everything a renderer lays out, in reading order, already in ``lang``."""
    sections = [read_section(report, lang), *tables_section(report, lang), evidence_section(report, lang),
                why_section(report, lang), fixes_section(report, lang), checkpoints_section(report, lang),
                _bullets("watch", "report.section.watch", report.watch_next, lang),
                _bullets("notes", "report.section.notes", report.notes, lang)]
    verdict = report.verdict
    return Document(kind=report.kind, lang=lang, title=t(f"report.title.{report.kind}", lang), verdict=verdict,
                    verdict_label=t(f"core.verdict.{verdict}", lang), conclusion=default_conclusion(report, lang),
                    conclusion_label=t("report.caption", lang, label=t("report.section.conclusion", lang)),
                    verdict_caption=t("report.caption", lang, label=t("report.verdict", lang)),
                    sections=[s for s in sections if s is not None])
