"""Crashes: the run stopped on an exception (a Python traceback or a CUDA device-side assertion in its log).

A crash is the plainest failure there is, and the curves before it may look healthy: a run whose loss was falling
until an ``IndexError`` killed it is not healthy. The readers turn the exception's line into an ``error`` event at
the step after the last one logged; this rule makes it a finding, and the causes layer reads the exception's text.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..findings import Evidence, Facts, Finding, Position
from ..i18n import Msg
from ..run import Run
from . import Params, rule
from .curves import position, train_loss


@dataclass(frozen=True)
class CrashFacts(Facts):
    """The exception the run stopped on: its name, its line and where it was read; every error line after it."""

    exception: str
    line: str
    source: str
    errors: tuple = ()


@rule("TM950", "training-crashed", symptom="crash", severity="error")
def check_crash(run: Run, p: Params) -> list:
    """The run stopped on an exception (a traceback or a CUDA device-side assertion).

    What it does:
        Finds the exception a console log ends with (the last line of a Python traceback, or a CUDA kernel's
        `Assertion ... failed` / `device-side assert triggered`) and places it at the step after the last one
        logged. Later exceptions are usually its consequences: the first one is reported.
    Why it matters:
        A crashed run produced no final model, whatever its curves looked like before; and the exception's text
        usually names the cause (a label outside the classes, a shape mismatch, memory).
    Example:
        `IndexError: Target 4 is out of bounds.` after step 40 of a 4-class model.
    Fix:
        Read the exception's line and the frame above it; fix the data or the configuration it names, then resume
        from the last checkpoint saved before the crash.
    """
    errors = run.events_of("error")
    if not errors:
        return []
    e = errors[0]
    at = Position.of(e.at())
    params = {
        "where": at.where(),
        "exception": e.data.get("exception", ""),
        "line": e.message,
        "source": e.source,
        "count": len(errors),
    }
    ev = []
    loss = train_loss(run, None)
    if loss is not None and len(loss):
        ev.append(
            Evidence(
                series=loss.name,
                value=float(loss.values[-1]),
                at=position(loss, len(loss) - 1),
                note=Msg("rule.TM950.ev_last"),
            )
        )
    facts = CrashFacts(
        exception=str(e.data.get("exception") or ""),
        line=e.message,
        source=e.source,
        errors=tuple(x.message for x in errors),
    )
    return [
        Finding(
            code="TM950",
            rule="training-crashed",
            symptom="crash",
            severity="error",
            message=Msg("rule.TM950.message", params),
            series=loss.name if loss is not None else "",
            series_label=(loss.label or loss.name) if loss is not None else "",
            at=at,
            evidence=ev,
            facts=facts,
        )
    ]
