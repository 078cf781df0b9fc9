"""What every integration says at the end of a run: one line with the steps, what the guard did, the verdict, the
most likely cause and where the full report is."""

from __future__ import annotations

from typing import Any

from ..i18n import t

VERDICTS = {"healthy": "core.verdict.healthy", "warning": "core.verdict.warning", "failed": "core.verdict.failed"}


def summary_line(monitor: Any, report: Any) -> str:
    """``30 steps, 1 skipped, 0 rollbacks; failed. Most likely cause: ... Full report: ...``"""
    lang = monitor.lang
    top = report.diagnoses[0] if report.diagnoses else None
    counts = {
        "steps": monitor.step_count,
        "skipped": monitor.guard.skipped,
        "rollbacks": monitor.guard.rollbacks,
        "verdict": t(VERDICTS[report.verdict], lang),
        "where": monitor.announcer.details,
    }
    if top is None or top.cause == "unknown":
        return t("live.summary.no_cause", lang, **counts)
    title = top.title.render(lang) if hasattr(top.title, "render") else str(top.title)
    return t("live.summary", lang, cause=title, **counts)
