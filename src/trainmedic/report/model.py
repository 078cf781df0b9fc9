"""The Report: everything a renderer needs, in one object shared by diagnose, live, preflight, checkpoints, compare."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Optional

import numpy as np

from ..findings import Change, Diagnosis, Finding, Fix, Prescription, Severity, worst
from ..i18n import Msg

SCHEMA = "trainmedic.report/1"


@dataclass(frozen=True)
class RunSummary:
    """What was read: one entry per artifact (path, format, series, points, config with sources)."""

    path: str
    format: str
    series: list = field(default_factory=list)
    points: int = 0
    config: dict = field(default_factory=dict)  # key -> value
    config_sources: dict = field(default_factory=dict)  # key -> "file:line"
    notes: tuple = ()
    role: str = "metrics"  # metrics | config | checkpoint | document | unknown

    def __post_init__(self) -> None:
        object.__setattr__(self, "series", tuple(self.series))
        object.__setattr__(self, "notes", tuple(self.notes))


@dataclass(frozen=True)
class Table:
    """A titled table for reports that are not only findings (preflight, checkpoints, compare)."""

    title: Msg | str
    columns: list
    rows: list
    key: str = ""  # stable id, e.g. "parameters", "optimizer_coverage", "checkpoints", "config"


@dataclass(frozen=True)
class Report:
    """A diagnosis (or preflight, checkpoint triage, comparison) ready to render; built once, never edited.

    Shape of every report, action first: verdict and conclusion (with the first change and the checkpoint to resume
    from) -> fixes -> why -> evidence -> checkpoints -> what to watch next -> what was read.
    """

    kind: str = "diagnosis"  # diagnosis | live | preflight | checkpoints | compare
    runs: tuple = ()
    findings: tuple = ()
    diagnoses: tuple = ()
    prescription: Optional[Prescription] = None  # the diagnoses' fixes as one plan (None: the fixes as listed)
    checkpoints: Optional[Mapping] = None  # {"last_healthy": ..., "broken": [...], "resume": Msg|str, ...}
    conclusion: Optional[Msg | str] = None
    watch_next: tuple = ()  # Msg | str
    notes: tuple = ()  # Msg | str: things the reader should know (thin evidence, files skipped ...)
    tables: tuple = ()
    extra: Mapping = field(default_factory=dict)  # kind-specific machine-readable data, copied into JSON
    series_data: Mapping = field(default_factory=dict)  # name -> Series, for plots (not serialised)
    lang: str = "en"
    undecided: Optional[Msg | str] = None  # why nothing could be judged (no checkpoint readable): verdict "unknown"

    def __post_init__(self) -> None:
        for name in ("runs", "findings", "diagnoses", "watch_next", "notes", "tables"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))
        if self.checkpoints is not None:
            object.__setattr__(self, "checkpoints", MappingProxyType(dict(self.checkpoints)))

    def replace(self, **changes: Any) -> Report:
        """A copy with some fields changed (the report itself never changes)."""
        return dataclasses.replace(self, **changes)

    @property
    def verdict(self) -> str:
        """``healthy`` | ``warning`` | ``failed`` from the findings; ``unknown`` when nothing could be judged."""
        worst = self.worst_severity()
        if worst is None and self.undecided is not None:
            return "unknown"
        if worst is Severity.ERROR:
            return "failed"
        if worst is Severity.WARNING:
            return "warning"
        return "healthy"

    def worst_severity(self) -> Optional[Severity]:
        """The severity of the worst finding (None when there are none)."""
        return worst(f.severity for f in self.findings)

    def fails_on(self, level: str | Severity) -> bool:
        """True when a finding at or above ``level`` (``warning`` or ``error``) exists: the CLI exits 1."""
        return any(f.severity.at_least(level) for f in self.findings)

    # Renderers -----------------------------------------------------------------------------------------------
    def to_dict(self, lang: Optional[str] = None) -> dict:
        """The JSON report as a dict (see :func:`to_dict`), in ``lang`` or the report's language."""
        return to_dict(self, lang or self.lang)

    def to_json(self, lang: Optional[str] = None, indent: int = 2) -> str:
        """The JSON report as strict JSON text (no NaN: non-finite numbers are strings)."""
        return json.dumps(self.to_dict(lang), indent=indent, ensure_ascii=False, allow_nan=False)

    def to_markdown(self, lang: Optional[str] = None) -> str:
        """The report as Markdown."""
        from .markdown import render_markdown

        return render_markdown(self, lang or self.lang)

    def to_html(self, lang: Optional[str] = None) -> str:
        """The report as one HTML document (it needs the ``html`` extra)."""
        from .html import render_html

        return render_html(self, lang or self.lang)

    def to_text(self, lang: Optional[str] = None, width: int = 100, color: bool = False) -> str:
        """The report as terminal text, ``width`` columns wide, with ANSI colors when ``color``."""
        from .text import render_text

        return render_text(self, lang or self.lang, width=width, color=color)

    def __rich_console__(self, console, options):
        from .text import rich_renderables

        yield from rich_renderables(self, self.lang)


@dataclass
class Draft:
    """The parts of a report while a producer (preflight, checkpoint triage, compare) gathers them; :meth:`build`
    makes the one immutable Report."""

    kind: str = "diagnosis"
    lang: str = "en"
    runs: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    diagnoses: list = field(default_factory=list)
    prescription: Optional[Prescription] = None
    checkpoints: Optional[dict] = None
    conclusion: Optional[Msg | str] = None
    watch_next: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    series_data: dict = field(default_factory=dict)
    undecided: Optional[Msg | str] = None

    def build(self) -> Report:
        """The immutable Report made from these parts."""
        return Report(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})


# JSON ----------------------------------------------------------------------------------------------------------


def text_of(m: Any, lang: str) -> str:
    """A message rendered in ``lang``; a plain string as it is, None as ``""``."""
    if isinstance(m, Msg):
        return m.render(lang)
    return "" if m is None else str(m)


def json_number(v: Any) -> Any:
    """Strict-JSON numbers: NaN and infinities become the strings ``"nan"``, ``"inf"``, ``"-inf"``."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


def _plain(v: Any, lang: str) -> Any:
    """Recursively make a value strict-JSON-safe (numbers, Msg, tuples, numpy)."""
    if isinstance(v, Msg):
        return v.render(lang)
    if isinstance(v, Mapping):
        return {str(k): _plain(x, lang) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x, lang) for x in v]
    v = json_number(v)
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


def _at(at: Any) -> Optional[dict]:
    if at is None:
        return None
    d = at.as_dict() if hasattr(at, "as_dict") else dict(at)
    return {k: json_number(v) for k, v in d.items()}


def finding_dict(f: Finding, lang: str) -> dict:
    """One finding in the JSON report: code, severity, where, message and evidence."""
    ev = []
    for e in f.evidence:
        item: dict = {"series": e.series}
        item.update(_at(e.at) or {})
        item.pop("index", None)
        item["value"] = json_number(e.value)
        if e.note:
            item["note"] = text_of(e.note, lang)
        ev.append(item)
    out = {
        "code": f.code,
        "rule": f.rule,
        "symptom": f.symptom,
        "severity": f.severity.value,
        "series": f.series,
        "series_label": f.series_label or f.series,
        "at": _at(f.at) or {},
    }
    if f.until is not None and f.until.known:
        out["until"] = _at(f.until)
    out["evidence"] = ev
    out["message"] = text_of(f.message, lang)
    return out


def _fix_fields(fx: Fix | Change, lang: str) -> dict:
    item: dict = {}
    if fx.param:
        item["param"] = fx.param
        item["from"] = _plain(fx.from_, lang)
        item["to"] = _plain(fx.to, lang)
    if fx.action:
        item["action"] = text_of(fx.action, lang)
    return item


def diagnosis_dict(d: Diagnosis, lang: str) -> dict:
    """One diagnosis in the JSON report: cause, confidence, explanation, the findings it explains, its fixes."""
    fixes = [{**_fix_fields(fx, lang), "why": text_of(fx.why, lang)} for fx in d.fixes]
    return {
        "cause": d.cause,
        "confidence": round(float(d.confidence), 3),
        "title": text_of(d.title, lang),
        "explanation": text_of(d.explanation, lang),
        "findings": list(d.findings),
        "fixes": fixes,
    }


def change_dict(c: Change, lang: str) -> dict:
    """One change of the prescription: what to set (and the code in the run's framework), why, for which causes."""
    item = _fix_fields(c, lang)
    if c.code:
        item["code"] = c.code
    if c.place:
        item["where"] = text_of(c.place, lang)
    if c.set_at:
        item["set_at"] = c.set_at
    item["why"] = [text_of(w, lang) for w in c.why]
    item["causes"] = list(c.causes)
    if c.alternatives:
        item["alternatives"] = [
            {**_fix_fields(a, lang), "why": [text_of(w, lang) for w in a.why]} for a in c.alternatives
        ]
    item["first"] = bool(c.first)
    return item


def prescription_dict(p: Prescription, lang: str) -> dict:
    """The prescription in the JSON report: the changes in order, and the fixes dropped with the reason."""
    return {
        "framework": p.framework,
        "changes": [change_dict(c, lang) for c in p.changes],
        "dropped": [{**_fix_fields(fx, lang), "reason": text_of(why, lang)} for fx, why in p.dropped],
    }


def to_dict(report: Report, lang: str) -> dict:
    """The JSON report (schema ``trainmedic.report/1``), keys in reading order: what to do before how it was found."""
    out: dict = {
        "schema": SCHEMA,
        "kind": report.kind,
        "verdict": report.verdict,
        "conclusion": text_of(report.conclusion, lang),
    }
    if report.prescription is not None:
        out["prescription"] = prescription_dict(report.prescription, lang)
    out["diagnoses"] = [diagnosis_dict(d, lang) for d in report.diagnoses]
    out["findings"] = [finding_dict(f, lang) for f in report.findings]
    if report.checkpoints is not None:
        out["checkpoints"] = _plain(report.checkpoints, lang)
    if report.watch_next:
        out["watch_next"] = [text_of(w, lang) for w in report.watch_next]
    if report.notes:
        out["notes"] = [text_of(n, lang) for n in report.notes]
    out["runs"] = [
        {
            "path": r.path,
            "format": r.format,
            "series": list(r.series),
            "points": int(r.points),
            "config": _plain(r.config, lang),
            "config_sources": dict(r.config_sources),
            "role": r.role,
            **({"notes": [text_of(n, lang) for n in r.notes]} if r.notes else {}),
        }
        for r in report.runs
    ]
    if report.tables:
        out["tables"] = [
            {
                "key": tb.key,
                "title": text_of(tb.title, lang),
                "columns": [text_of(c, lang) for c in tb.columns],
                "rows": _plain(tb.rows, lang),
            }
            for tb in report.tables
        ]
    for k, v in report.extra.items():
        out.setdefault(k, _plain(v, lang))
    return out


def summarise_sources(run: Any) -> list:
    """One RunSummary per artifact read; the first carries the merged run's config with its sources."""
    config = run.config.as_dict()
    sources = {k: v.cite() for k, v in run.config.items()}
    out = []
    for i, s in enumerate(run.sources):
        # The merged run has one config: it is listed once, on the first artifact, not repeated per file.
        out.append(
            RunSummary(
                path=s.path,
                format=s.format,
                series=list(s.series),
                points=int(s.points),
                config=config if i == 0 else {},
                config_sources=sources if i == 0 else {},
                notes=list(s.notes),
                role=getattr(s, "role", "metrics"),
            )
        )
    if not out:
        out.append(
            RunSummary(
                path=run.path,
                format="unknown",
                series=list(run.series),
                points=run.points,
                config=config,
                config_sources=sources,
            )
        )
    return out
