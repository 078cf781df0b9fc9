"""What every integration says at the end of a run: one line with the steps, what the guard did, the verdict, the
most likely cause and where the full report is."""

from __future__ import annotations

from typing import Any, Callable, Optional

from ..i18n import t
from ..lossfn import check_loss_fn
from ..report.sections import VERDICTS


class GuardSettings:
    """What every framework callback is built with: the policy, where its log goes, the ``loss_fn(model, batch)``
    for the NaN replay, and the other :class:`~trainmedic.Monitor` arguments, kept until the run starts."""

    def __init__(
        self,
        policy: str = "skip",
        *,
        log_path: Optional[str] = None,
        loss_fn: Optional[Callable] = None,
        **monitor_kwargs: Any,
    ) -> None:
        self.policy, self.log_path = policy, log_path
        self.loss_fn = check_loss_fn(loss_fn, "TrainMedicCallback")
        self.monitor_kwargs = monitor_kwargs


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
