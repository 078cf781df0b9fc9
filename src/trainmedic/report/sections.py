"""The shape every rendered report shares, built once from a Report in one language.

Action first: the headline (verdict, the one-sentence conclusion, the first change and the checkpoint to resume
from) -> fixes -> why -> evidence (with the plots in HTML) -> checkpoints -> what to watch next -> notes -> what was
read and the configuration (folded). Everything here is already a string in the report's language, with the words
that came from artifacts made safe for the output (:mod:`.escape`), so a renderer only decides how things look.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional, Union

from ..findings import SEVERITY_WORDS, Change, Finding, Fix, Position, Severity
from ..i18n import Msg, Rendered, escape_artifact, fmt_value, t
from ..run import CONFIG_KEYS
from .model import Report

# Full message keys of the words chosen at run time.
TITLES = {
    "diagnosis": "report.title.diagnosis",
    "live": "report.title.live",
    "preflight": "report.title.preflight",
    "checkpoints": "report.title.checkpoints",
    "compare": "report.title.compare",
}
VERDICTS = {
    "healthy": "core.verdict.healthy",
    "warning": "core.verdict.warning",
    "failed": "core.verdict.failed",
    "unknown": "core.verdict.unknown",
}
SOURCE_COLUMNS = ("report.col.path", "report.col.format", "report.col.series", "report.col.points")


@dataclass
class Para:
    """A paragraph."""

    kind: ClassVar[str] = "para"
    text: str


@dataclass
class Item:
    """One entry of a list: a headline (where / what), a code, a badge, a body, a line of code and detail lines."""

    head: str = ""
    code: str = ""
    label: str = ""
    level: str = ""  # info | warning | error | first | "" (colour of the badge)
    body: str = ""
    details: list = field(default_factory=list)
    snippet: str = ""  # code to write, in the run's framework (never wrapped, never escaped as prose)
    place: str = ""  # where the snippet goes


@dataclass
class Items:
    """A list of entries, numbered when their order means something (fixes, evidence, causes)."""

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
    """Configuration values with the place each came from: ``lr = 2e-05  (train.py:10)`` (key and value as code)."""

    kind: ClassVar[str] = "settings"
    rows: list  # (key, value, source)
    title: str = ""


Block = Union[Para, Items, Grid, Settings]


@dataclass
class Section:
    """A titled part of the report; ``folded`` ones are shown closed where the format can (inputs, config)."""

    key: str
    title: str
    blocks: list = field(default_factory=list)
    folded: bool = False


@dataclass
class Headline:
    """What to know in ten seconds: the verdict, the conclusion, the first change and where to resume from."""

    verdict: str
    verdict_label: str
    conclusion: str = ""
    first_fix: str = ""  # the change, in words
    first_code: str = ""  # the change as code in the run's framework
    first_place: str = ""
    resume: str = ""  # the checkpoint path to resume from (code)
    resume_note: str = ""  # when there is none: what to do instead


@dataclass
class Document:
    """A report ready to lay out: title, headline, sections in reading order, and the captions of the headline."""

    kind: str
    lang: str
    title: str
    headline: Headline
    sections: list = field(default_factory=list)
    labels: dict = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """``healthy`` | ``warning`` | ``failed`` | ``unknown``."""
        return self.headline.verdict

    @property
    def verdict_label(self) -> str:
        """The verdict in the report's language."""
        return self.headline.verdict_label

    @property
    def conclusion(self) -> str:
        """The one-sentence conclusion, in the report's language."""
        return self.headline.conclusion


# Text -------------------------------------------------------------------------------------------------------------


def text_of(m: Any, lang: str) -> str:
    """A message rendered in ``lang``, or a plain string from an artifact made safe for the output."""
    if isinstance(m, Msg):
        return m.render(lang)
    return "" if m is None else escape_artifact(str(m))


def cell(v: Any, lang: str) -> str:
    """A value as a table cell: numbers in the one number format, messages in the report's language."""
    if v is None:
        return ""
    if isinstance(v, (Msg, str)):
        return text_of(v, lang)
    if isinstance(v, (list, tuple)):
        return Rendered(", ".join(cell(x, lang) for x in v))
    if isinstance(v, dict):
        return Rendered(", ".join(f"{escape_artifact(str(k))}={cell(x, lang)}" for k, x in v.items()))
    if hasattr(v, "item"):  # numpy scalar
        try:
            v = v.item()
        except (TypeError, ValueError):
            pass
    if isinstance(v, (int, float)):
        return Rendered(fmt_value(v))
    return escape_artifact(str(v))


def code_text(v: Any) -> str:
    """A value shown as code (config keys and values): numbers formatted, nothing escaped as prose."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, (int, float)):
        return fmt_value(v)
    if isinstance(v, (list, tuple)):
        return ", ".join(code_text(x) for x in v)
    return str(v)


def where(at: Optional[Position], lang: str) -> str:
    """``step 2100 (epoch 0.67)``, ``epoch 3``, or the whole run."""
    if at is None or not at.known:
        return t("report.at.unknown", lang)
    return at.where().render(lang)


def span(at: Optional[Position], until: Optional[Position], lang: str) -> str:
    """Where a finding starts, and where it ends when it lasts."""
    start = where(at, lang)
    if until is not None and until.known and until != at and where(until, lang) != start:
        return t("report.at.range", lang, start=start, end=where(until, lang))
    return start


def source_text(src: str, lang: str) -> str:
    """A config value's source; ``derived from a, b`` is said in the report's language."""
    prefix = "derived from "
    if src.startswith(prefix):
        return t("report.derived_from", lang, names=src[len(prefix) :])
    return escape_artifact(src)


def _position(f: Finding, steps_per_epoch: Optional[float]) -> tuple:
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


def _common_dir(paths: list) -> str:
    """The directory all artifacts share, so that sources and checkpoints can be cited relative to it."""
    dirs = [os.path.dirname(p) for p in paths if p]
    try:
        return os.path.commonpath(dirs) if dirs else ""
    except ValueError:  # absolute and relative paths mixed
        return ""


def _relative(src: str, base: str) -> str:
    return src[len(base) + 1 :] if base and src.startswith(base + os.sep) else src


# Fixes ------------------------------------------------------------------------------------------------------------


def fix_head(fx: Union[Fix, Change], lang: str) -> str:
    """``max_grad_norm: 0 → 1`` for a parameter change, the action's words otherwise."""
    if fx.param:
        to = cell(fx.to, lang)
        key = "report.fix.set" if fx.from_ is None else "report.fix.change"
        return t(key, lang, param=fx.param, old=cell(fx.from_, lang), new=to)
    return text_of(fx.action, lang)


def changes_of(report: Report) -> list:
    """The changes to make, in order: the prescription's, else every diagnosis' fixes once each."""
    if report.prescription is not None:
        return list(report.prescription.changes)
    out, seen = [], set()
    for d in report.diagnoses:
        for fx in d.fixes:
            head = fix_head(fx, "en")
            if head not in seen:
                seen.add(head)
                out.append(
                    Change(
                        why=(fx.why,),
                        param=fx.param,
                        from_=fx.from_,
                        to=fx.to,
                        action=fx.action,
                        causes=(d.cause,),
                        first=not out,
                    )
                )
    return out


def _titles(report: Report, lang: str) -> dict:
    return {d.cause: text_of(d.title, lang) for d in report.diagnoses}


def fixes_section(report: Report, lang: str) -> Optional[Section]:
    """What to change, first change first: each with its code, why, where it is set today and what it treats."""
    changes = changes_of(report)
    if not changes:
        return None
    titles = _titles(report, lang)
    cause_titles = {d.cause: d.title for d in report.diagnoses}
    base = _common_dir([r.path for r in report.runs])
    # Which cause a change treats is worth a line only when the changes do not all treat the same ones.
    say_causes = len(titles) > 1 and len({c.causes for c in changes}) > 1
    entries = []
    for c in changes:
        details = [t("report.fix.also", lang, why=text_of(w, lang)) for w in c.why[1:]]
        if c.param and c.action:
            details.insert(0, text_of(c.action, lang))
        if c.set_at:
            details.append(t("report.fix.set_at", lang, source=escape_artifact(_relative(c.set_at, base))))
        for a in c.alternatives:
            details.append(
                t(
                    "report.fix.alternative",
                    lang,
                    action=fix_head(a, lang),
                    why=text_of(a.why[0], lang) if a.why else "",
                )
            )
        if say_causes and c.causes:
            # the cause titles as messages: a list of sentences is joined as clauses (`a; b`), not as words
            details.append(t("report.fix.for", lang, causes=[cause_titles[x] for x in c.causes if x in cause_titles]))
        entries.append(
            Item(
                head=fix_head(c, lang),
                label=t("report.fix.first", lang) if c.first else "",
                level="first" if c.first else "",
                body=text_of(c.why[0], lang) if c.why else "",
                details=details,
                snippet=c.code,
                place=text_of(c.place, lang) if c.place else "",
            )
        )
    return Section("fixes", t("report.section.fixes", lang), [Items(entries)])


# Headline ---------------------------------------------------------------------------------------------------------


def headline(report: Report, lang: str) -> Headline:
    """The verdict, the conclusion, the first change and the checkpoint to resume from, each said once."""
    verdict = report.verdict
    h = Headline(
        verdict=verdict,
        verdict_label=t(VERDICTS.get(verdict, "core.verdict.unknown"), lang),
        conclusion=text_of(report.conclusion, lang),
    )
    changes = changes_of(report)
    if changes and verdict != "healthy":
        first = next((c for c in changes if c.first), changes[0])
        h.first_fix = fix_head(first, lang)
        h.first_code = first.code
        h.first_place = text_of(first.place, lang) if first.place else ""
    ck = report.checkpoints or {}
    if ck.get("last_healthy"):
        h.resume = str(ck["last_healthy"])
    elif ck.get("broken") and report.kind in ("diagnosis", "live"):
        h.resume_note = t("report.headline.no_healthy", lang)
    return h


# Sections ---------------------------------------------------------------------------------------------------------


def _config_rows(config: dict, sources: dict, lang: str, base: str = "") -> list:
    known = [k for k in CONFIG_KEYS if k in config]
    rest = [k for k in config if k not in CONFIG_KEYS]
    return [
        (code_text(k), code_text(config[k]), source_text(_relative(str(sources.get(k, "")), base), lang))
        for k in known + rest
    ]


def read_section(report: Report, lang: str) -> Optional[Section]:
    """What was read and the configuration with its sources: last, folded."""
    if not report.runs:
        return None
    sec = Section("read", t("report.section.read", lang), folded=True)
    cols = [t(key, lang) for key in SOURCE_COLUMNS]
    rows = [
        [text_of(r.path, lang), text_of(r.format, lang), cell(len(r.series), lang), cell(int(r.points), lang)]
        for r in report.runs
    ]
    sec.blocks.append(Grid(cols, rows, key="sources"))
    # A run lists its config once (on its first artifact); several differing configs mean several runs (compare).
    configs = [(r.path, r.config, r.config_sources) for r in report.runs if r.config] or [
        (r.path, r.config, r.config_sources) for r in report.runs[:1]
    ]
    shared = all(c == configs[0][1] for _, c, _ in configs)
    base = _common_dir([r.path for r in report.runs])
    if base and any(c for _, c, _ in configs):
        sec.blocks.append(Para(t("report.label.sources_relative", lang, base=base)))
    for path, config, sources in configs[:1] if shared else configs:
        title = t("report.label.config", lang) if shared else t("report.label.config_of", lang, path=path)
        if config:
            sec.blocks.append(Settings(_config_rows(config, sources, lang, base), title))
    if not any(c for _, c, _ in configs) and report.kind in ("diagnosis", "live"):
        sec.blocks.append(Para(t("report.label.no_config", lang)))
    return sec


def _evidence_line(e: Any, lang: str) -> str:
    line = t("report.evidence.value", lang, series=e.series, value=cell(e.value, lang), where=where(e.at, lang))
    note = text_of(e.note, lang)
    return t("report.evidence.note", lang, line=line, note=note) if note else line


def _chain_item(x: Any, lang: str) -> Item:
    if isinstance(x, dict):
        at = Position.of({k: x[k] for k in ("step", "epoch", "index") if x.get(k) is not None})
        body = text_of(x.get("text", x.get("message", x.get("note", ""))), lang)
        if not body and "series" in x:
            body = t("report.evidence.plain", lang, series=x["series"], value=cell(x.get("value"), lang))
        return Item(head=where(at, lang) if at.known else "", body=body)
    return Item(body=text_of(x, lang))


def _chain_beyond_findings(report: Report) -> list:
    """Lines of ``extra["evidence_chain"]`` that do not just retell a finding (those are listed with their values)."""
    told = {id(f.message) for f in report.findings}
    return [
        x
        for x in report.extra.get("evidence_chain") or []
        if not (isinstance(x, Msg) and id(x.params.get("message")) in told)
    ]


def evidence_section(report: Report, lang: str) -> Optional[Section]:
    """The findings in the order they happened (where, code, severity, message, values), then further links; in
    HTML the plots open this section."""
    chain = _chain_beyond_findings(report)
    if not report.findings and not chain and not report.series_data:
        return None
    sec = Section("evidence", t("report.section.evidence", lang))
    entries = []
    for f in ordered_findings(report):
        label = t(
            "report.label.severity_symptom",
            lang,
            severity=Msg(SEVERITY_WORDS[Severity.of(f.severity).value]),
            symptom=f.symptom,
        )
        series = f.series_label or f.series
        head = span(f.at, f.until, lang)
        if series:
            head = t("report.evidence.head", lang, where=head, series=series)
        entries.append(
            Item(
                head=head,
                code=f"{f.code} {f.rule}".strip(),
                label=label,
                level=f.severity.value,
                body=text_of(f.message, lang),
                details=[_evidence_line(e, lang) for e in f.evidence],
            )
        )
    if entries:
        sec.blocks.append(Items(entries))
    if chain:
        sec.blocks.append(Items([_chain_item(x, lang) for x in chain], numbered=False))
    return sec


def why_section(report: Report, lang: str) -> Optional[Section]:
    """Why it happened: each cause with its confidence, explanation and the findings it rests on."""
    if not report.diagnoses:
        return None
    entries = []
    for d in report.diagnoses:
        details = [t("report.label.findings", lang, codes=list(d.findings))] if d.findings else []
        entries.append(
            Item(
                head=text_of(d.title, lang),
                code=d.cause,
                label=t("report.label.confidence", lang, pct=int(round(float(d.confidence) * 100))),
                body=text_of(d.explanation, lang),
                details=details,
            )
        )
    return Section("why", t("report.section.why", lang), [Items(entries)])


CHECKPOINT_KEYS_SHOWN = ("last_healthy", "broken", "resume", "unreadable", "framework", "evidence", "source")


def checkpoints_section(report: Report, lang: str) -> Optional[Section]:
    """Last healthy checkpoint, the broken ones (with why), how to resume."""
    ck = report.checkpoints
    if not ck:
        return None
    reasons = ck.get("evidence") if isinstance(ck.get("evidence"), dict) else {}
    entries = [
        Item(
            head=t("report.label.last_healthy", lang),
            body=cell(ck.get("last_healthy"), lang) or t("report.label.none", lang),
        )
    ]
    if ck.get("broken"):
        details = [
            t("report.label.broken_because", lang, path=b, why=reasons[b]) if reasons.get(b) else cell(b, lang)
            for b in ck["broken"]
        ]
        entries.append(Item(head=t("report.label.broken", lang), details=details))
    if ck.get("unreadable"):
        entries.append(Item(head=t("report.label.unreadable", lang), details=[cell(b, lang) for b in ck["unreadable"]]))
    if ck.get("framework"):
        entries.append(Item(head=t("report.label.framework", lang), body=cell(ck["framework"], lang)))
    if ck.get("resume"):
        resume = ck["resume"]
        if isinstance(resume, Msg):
            entries.append(Item(head=t("report.label.resume", lang), body=text_of(resume, lang)))
        else:
            entries.append(Item(head=t("report.label.resume", lang), snippet=str(resume)))
    for k, v in ck.items():
        if k not in CHECKPOINT_KEYS_SHOWN and v not in (None, "", [], {}):
            entries.append(Item(head=text_of(k, lang), body=cell(v, lang)))
    return Section("checkpoints", t("report.section.checkpoints", lang), [Items(entries, numbered=False)])


def _bullets(key: str, heading: str, lines: list, lang: str) -> Optional[Section]:
    if not lines:
        return None
    return Section(key, t(heading, lang), [Items([Item(body=x) for x in lines], numbered=False)])


def notes(report: Report, lang: str) -> list:
    """Every note in the report's words: the report's own, then each artifact's (a skipped file, a refused pickle)."""
    out = [text_of(n, lang) for n in report.notes]
    for r in report.runs:
        out += [t("report.note.of_file", lang, path=r.path, note=text_of(n, lang)) for n in r.notes]
    return out


def tables_section(report: Report, lang: str) -> list:
    """One section per table a producer attached (checkpoints, parameters, configuration ...)."""
    out = []
    for tb in report.tables:
        grid = Grid([cell(c, lang) for c in tb.columns], [[cell(v, lang) for v in row] for row in tb.rows], key=tb.key)
        out.append(Section(f"table:{tb.key}" if tb.key else "table", text_of(tb.title, lang), [grid]))
    return out


def build_document(report: Report, lang: str) -> Document:
    """Everything a renderer lays out, in reading order, already in ``lang``."""
    sections = [
        fixes_section(report, lang),
        why_section(report, lang),
        *tables_section(report, lang),
        evidence_section(report, lang),
        checkpoints_section(report, lang),
        _bullets("watch", "report.section.watch", [text_of(w, lang) for w in report.watch_next], lang),
        _bullets("notes", "report.section.notes", notes(report, lang), lang),
        read_section(report, lang),
    ]
    labels = dict(
        conclusion=t("report.caption", lang, label=Msg("report.section.conclusion")),
        verdict=t("report.caption", lang, label=Msg("report.verdict")),
        first=t("report.caption", lang, label=Msg("report.headline.first")),
        resume=t("report.caption", lang, label=Msg("report.headline.resume")),
        plots=t("report.section.plots", lang),
        conclusion_name=t("report.section.conclusion", lang),
        first_name=t("report.headline.first", lang),
        resume_name=t("report.headline.resume", lang),
    )
    return Document(
        kind=report.kind,
        lang=lang,
        title=t(TITLES.get(report.kind, "report.title.diagnosis"), lang),
        headline=headline(report, lang),
        sections=[s for s in sections if s is not None],
        labels=labels,
    )
