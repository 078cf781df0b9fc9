"""The Report: everything a renderer needs, in one object shared by diagnose, live, preflight, checkpoints, compare."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Optional

from ..findings import Diagnosis, Finding
from ..i18n import Msg

SCHEMA = "trainmedic.report/1"


@dataclass
class RunSummary:
    """What was read: one entry per artifact (path, format, series, points, config with sources)."""

    path: str
    format: str
    series: list = field(default_factory=list)
    points: int = 0
    config: dict = field(default_factory=dict)          # key -> value
    config_sources: dict = field(default_factory=dict)  # key -> "file:line"
    notes: list = field(default_factory=list)


@dataclass
class Table:
    """A titled table for reports that are not only findings (preflight, checkpoints, compare)."""

    title: Msg | str
    columns: list
    rows: list
    key: str = ""  # stable id, e.g. "parameters", "optimizer_coverage", "checkpoints", "config"


@dataclass
class Report:
    """A diagnosis (or preflight, checkpoint triage, comparison) ready to render.

    Shape of every report: conclusion -> evidence chain -> why -> fixes -> checkpoints -> what to watch next.
    """

    kind: str = "diagnosis"  # diagnosis | live | preflight | checkpoints | compare
    runs: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    diagnoses: list = field(default_factory=list)
    checkpoints: Optional[dict] = None  # {"last_healthy": ..., "broken": [...], "resume": Msg|str, ...}
    conclusion: Optional[Msg | str] = None
    watch_next: list = field(default_factory=list)    # Msg | str
    notes: list = field(default_factory=list)         # Msg | str: things the reader should know (thin evidence ...)
    tables: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)         # kind-specific machine-readable data, copied into JSON
    series_data: dict = field(default_factory=dict)   # name -> Series, for plots (not serialised)
    lang: str = "en"
    undecided: Optional[Msg | str] = None  # why nothing could be judged (no checkpoint readable): verdict "unknown"

    @property
    def verdict(self) -> str:
        """``healthy`` | ``warning`` | ``failed`` from the findings; ``unknown`` when nothing could be judged."""
        sev = {f.severity for f in self.findings}
        if not sev and self.undecided is not None:
            return "unknown"
        if "error" in sev:
            return "failed"
        if "warning" in sev:
            return "warning"
        return "healthy"

    def worst_severity(self) -> Optional[str]:
        order = {"info": 0, "warning": 1, "error": 2}
        worst = None
        for f in self.findings:
            if worst is None or order[f.severity] > order[worst]:
                worst = f.severity
        return worst

    def fails_on(self, level: str) -> bool:
        """True when a finding at or above ``level`` (``warning`` or ``error``) exists: the CLI exits 1."""
        order = {"info": 0, "warning": 1, "error": 2}
        return any(order[f.severity] >= order[level] for f in self.findings)

    # Renderers -----------------------------------------------------------------------------------------------
    def to_dict(self, lang: Optional[str] = None) -> dict:
        return to_dict(self, lang or self.lang)

    def to_json(self, lang: Optional[str] = None, indent: int = 2) -> str:
        return json.dumps(self.to_dict(lang), indent=indent, ensure_ascii=False, allow_nan=False)

    def to_markdown(self, lang: Optional[str] = None) -> str:
        from .markdown import render_markdown

        return render_markdown(self, lang or self.lang)

    def to_html(self, lang: Optional[str] = None) -> str:
        from .html import render_html

        return render_html(self, lang or self.lang)

    def to_text(self, lang: Optional[str] = None, width: int = 100, color: bool = False) -> str:
        from .text import render_text

        return render_text(self, lang or self.lang, width=width, color=color)

    def __rich_console__(self, console, options):
        from .text import rich_renderables

        yield from rich_renderables(self, self.lang)


# JSON ----------------------------------------------------------------------------------------------------------

def text_of(m: Any, lang: str) -> str:
    if isinstance(m, Msg):
        return m.render(lang)
    return "" if m is None else str(m)


def json_number(v: Any) -> Any:
    """Strict-JSON numbers: NaN and infinities become the strings ``"nan"``, ``"inf"``, ``"-inf"``."""
    if isinstance(v, bool) or v is None:
        return v
    try:
        import numpy as np

        if isinstance(v, np.generic):
            v = v.item()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(v, int):
        return v
    return v


def _plain(v: Any, lang: str) -> Any:
    """Recursively make a value strict-JSON-safe (numbers, Msg, tuples, numpy)."""
    if isinstance(v, Msg):
        return v.render(lang)
    if isinstance(v, dict):
        return {str(k): _plain(x, lang) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x, lang) for x in v]
    v = json_number(v)
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


def _at(d: Optional[dict]) -> Optional[dict]:
    if d is None:
        return None
    return {k: json_number(v) for k, v in d.items()}


def finding_dict(f: Finding, lang: str) -> dict:
    ev = []
    for e in f.evidence:
        item: dict = {"series": e.series}
        if e.step is not None:
            item["step"] = json_number(int(e.step) if float(e.step).is_integer() else e.step)
        if e.epoch is not None:
            item["epoch"] = json_number(e.epoch)
        item["value"] = json_number(e.value)
        if e.note:
            item["note"] = text_of(e.note, lang)
        ev.append(item)
    out = {
        "code": f.code, "rule": f.rule, "symptom": f.symptom, "severity": f.severity,
        "series": f.series, "series_label": f.series_label or f.series,
        "at": _at(f.at) or {},
    }
    if f.until:
        out["until"] = _at(f.until)
    out["evidence"] = ev
    out["message"] = text_of(f.message, lang)
    return out


def diagnosis_dict(d: Diagnosis, lang: str) -> dict:
    fixes = []
    for fx in d.fixes:
        item: dict = {}
        if fx.param:
            item["param"] = fx.param
            item["from"] = _plain(fx.from_, lang)
            item["to"] = _plain(fx.to, lang)
        if fx.action:
            item["action"] = text_of(fx.action, lang)
        item["why"] = text_of(fx.why, lang)
        fixes.append(item)
    return {
        "cause": d.cause, "confidence": round(float(d.confidence), 3), "title": text_of(d.title, lang),
        "explanation": text_of(d.explanation, lang), "findings": list(d.findings), "fixes": fixes,
    }


def _conclusion(report: Report, lang: str) -> str:
    """The report's one-sentence conclusion, or the one the renderers write from the top cause or finding."""
    from .sections import default_conclusion

    return default_conclusion(report, lang)


def to_dict(report: Report, lang: str) -> dict:
    out: dict = {
        "schema": SCHEMA,
        "kind": report.kind,
        "verdict": report.verdict,
        "conclusion": _conclusion(report, lang),
        "runs": [
            {"path": r.path, "format": r.format, "series": list(r.series), "points": int(r.points),
             "config": _plain(r.config, lang), "config_sources": dict(r.config_sources),
             **({"notes": [text_of(n, lang) for n in r.notes]} if r.notes else {})}
            for r in report.runs
        ],
        "findings": [finding_dict(f, lang) for f in report.findings],
        "diagnoses": [diagnosis_dict(d, lang) for d in report.diagnoses],
    }
    if report.checkpoints is not None:
        out["checkpoints"] = _plain(report.checkpoints, lang)
    if report.watch_next:
        out["watch_next"] = [text_of(w, lang) for w in report.watch_next]
    if report.notes:
        out["notes"] = [text_of(n, lang) for n in report.notes]
    if report.tables:
        out["tables"] = [{"key": tb.key, "title": text_of(tb.title, lang), "columns": [text_of(c, lang) for c in tb.columns],
                          "rows": _plain(tb.rows, lang)} for tb in report.tables]
    for k, v in report.extra.items():
        out.setdefault(k, _plain(v, lang))
    return out
