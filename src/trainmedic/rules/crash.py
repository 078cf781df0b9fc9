"""Crashes: the run stopped on an exception (a Python traceback or a CUDA device-side assertion in its log).

A crash is the plainest failure there is, and the curves before it may look healthy: a run whose loss was falling
until an ``IndexError`` killed it is not healthy. The readers turn the exception's line into an ``error`` event at
the step after the last one logged; this rule makes it a finding, and the causes layer reads the exception's text.
"""

from __future__ import annotations

from ..findings import Evidence, Finding
from ..i18n import Msg
from ..run import Run
from . import rule
from .curves import _where, train_loss


@rule("TM950", "training-crashed", symptom="crash", severity="error")
def check_crash(run: Run) -> list:
    """One finding for the first exception the run stopped on (later ones are usually its consequences)."""
    errors = run.events_of("error")
    if not errors:
        return []
    e = errors[0]
    at = e.at()
    params = {**_where(at), "exception": e.data.get("exception", ""), "line": e.message, "source": e.source,
              "count": len(errors)}
    ev = []
    loss = train_loss(run, None)
    if loss is not None and len(loss):
        last = loss.at(len(loss) - 1)
        ev.append(Evidence(series=loss.name, value=float(loss.values[-1]), step=last.get("step"),
                           epoch=last.get("epoch"), note=Msg("rule.TM950.ev_last")))
    return [Finding(code="TM950", rule="training-crashed", symptom="crash", severity="error",
                    message=Msg("rule.TM950.message", params), series=loss.name if loss is not None else "",
                    series_label=(loss.label or loss.name) if loss is not None else "", at=at, evidence=ev,
                    data={"exception": e.data.get("exception"), "line": e.message, "source": e.source,
                          "errors": [x.message for x in errors]})]
