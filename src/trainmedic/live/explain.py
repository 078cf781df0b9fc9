"""Words for what the guard did: the provenance sentence and the live part of a Report. No torch."""

from __future__ import annotations

from typing import Any

from ..i18n import msg
from ..rules.live import provenance_message

__all__ = ["provenance_message", "summary", "live_parts"]


def summary(monitor: Any) -> dict:
    """Machine-readable account of the guard's work, copied into the report's JSON as ``live``."""
    return {
        "policy": monitor.policy,
        "steps": monitor.step_count,
        "skipped": monitor.guard.skipped,
        "skipped_batches": list(monitor.skipped_batches),
        "rollbacks": monitor.guard.rollbacks,
        "lr_scale": monitor.lr_scale,
        "provenance": monitor.provenance,
        "log": monitor.log.path if monitor.log is not None else None,
    }


def live_parts(monitor: Any) -> tuple:
    """(extra, notes) the live report adds to a diagnosis of the monitor's Run: the guard's summary and what it did."""
    notes = []
    if monitor.guard.skipped:
        notes.append(
            msg(
                "live.note.skipped",
                n=monitor.guard.skipped,
                policy=monitor.policy,
                batches=[str(b) for b in monitor.skipped_batches[:20]],
            )
        )
    if monitor.guard.rollbacks:
        notes.append(msg("live.note.rollbacks", n=monitor.guard.rollbacks, scale=monitor.lr_scale))
    if monitor.provenance is not None:
        notes.append(msg("live.note.provenance", what=provenance_message(monitor.provenance)))
    return {"live": summary(monitor)}, tuple(notes)
