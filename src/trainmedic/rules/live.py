"""What the live guard did, as findings: steps it skipped, rolled back or stopped at, and the NaN provenance.

These rules read the events of a ``trainmedic-live`` run (live, or read back from its log); the non-finite values
themselves are judged by TM101 like in any other run.
"""

from __future__ import annotations

from ..findings import Evidence, Finding
from ..i18n import Msg
from ..run import Run
from . import rule

# How many skipped batch indices a message lists before it says "..."; the JSON evidence holds every one.
MAX_LISTED_BATCHES = 10


def _at(step) -> dict:
    return {} if step is None else {"step": int(step) if float(step).is_integer() else step}


@rule("TM150", "guard-intervened", symptom="nonfinite", severity="warning",
      thresholds={"MAX_LISTED_BATCHES": MAX_LISTED_BATCHES})
def check_guard(run: Run) -> list:
    """One finding when the live guard skipped steps, rolled back or stopped the run; an error when it stopped."""
    skips, rollbacks, stops = run.events_of("skip"), run.events_of("rollback"), run.events_of("stop")
    if not (skips or rollbacks or stops):
        return []
    first = (skips or rollbacks or stops)[0]
    batches = [e.data.get("batch") for e in skips]
    listed = ", ".join(str(b) for b in batches[:MAX_LISTED_BATCHES]) + (" ..." if len(batches) > MAX_LISTED_BATCHES
                                                                          else "")
    reasons = {e.data.get("reason") for e in skips + stops}
    symptom = "spike" if reasons == {"spike"} else "nonfinite"
    ev = [Evidence(series="train/loss", value=e.data.get("loss", float("nan")), step=e.step,
                   note=Msg("rule.TM150.ev_skip", {"batch": e.data.get("batch"), "reason": e.data.get("reason")}))
          for e in skips]
    ev += [Evidence(series="train/lr", value=(e.data.get("lr") or [float("nan")])[0], step=e.step,
                    note=Msg("rule.TM150.ev_rollback", {"to": e.data.get("to_step")})) for e in rollbacks]
    last = (stops or rollbacks or skips)[-1]
    params = {"skipped": len(skips), "batches": listed, "rollbacks": len(rollbacks), "step": first.step}
    key = "rule.TM150.stopped" if stops else "rule.TM150.message"
    return [Finding(code="TM150", rule="guard-intervened", symptom=symptom, severity="error" if stops else "warning",
                    message=Msg(key, params), series="train/loss", series_label="train/loss", at=_at(first.step),
                    until=_at(last.step), evidence=ev,
                    data={"skipped_batches": batches, "rollbacks": len(rollbacks), "stopped": bool(stops)})]


@rule("TM151", "nonfinite-provenance", symptom="nonfinite", severity="warning")
def check_provenance(run: Run) -> list:
    """The module where the first non-finite value appeared, found by replaying that batch with hooks."""
    from ..live.explain import provenance_message

    out = []
    for e in run.events_of("provenance"):
        if e.data.get("phase") in (None, "none", "error"):
            continue
        out.append(Finding(code="TM151", rule="nonfinite-provenance", symptom="nonfinite", severity="warning",
                           message=provenance_message(e.data), series="train/loss", series_label="train/loss",
                           at=_at(e.step),
                           evidence=[Evidence(series="train/loss", value=e.data.get("loss", float("nan")),
                                              step=e.step, note=provenance_message(e.data))],
                           data=dict(e.data)))
    return out
