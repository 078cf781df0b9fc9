"""What every integration says at the end of a run: one line with the steps, what the guard did, the verdict, the
most likely cause and where the full report is."""

from __future__ import annotations

from typing import Any

from ..i18n import msg, t

VERDICTS = {"healthy": "core.verdict.healthy", "warning": "core.verdict.warning", "failed": "core.verdict.failed"}


def summary_line(monitor: Any, report: Any) -> str:
    """``30 steps, 1 skipped, 0 rollback(s); failed. Most likely cause: ... Full report: ...``"""
    lang = monitor.lang
    top = report.diagnoses[0] if report.diagnoses else None
    cause = ""
    if top is not None and top.cause != "unknown":
        title = top.title.render(lang) if hasattr(top.title, "render") else str(top.title)
        cause = msg("live.summary.cause", cause=title).render(lang)
    verdict = t(VERDICTS[report.verdict], lang)
    return t(
        "live.summary",
        lang,
        steps=monitor.step_count,
        skipped=monitor.guard.skipped,
        rollbacks=monitor.guard.rollbacks,
        verdict=verdict,
        cause=cause,
        where=monitor.announcer.details,
    )
