"""What the live guard did, as findings: steps it skipped, rolled back or stopped at, and the NaN provenance.

These rules read the events of a ``trainmedic-live`` run (live, or read back from its log); the non-finite values
themselves are judged by TM101 like in any other run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..findings import Evidence, Facts, Finding, Position, Severity
from ..i18n import Msg, msg
from ..run import Run
from . import Params, param, rule

PHASES = {"input": "live.provenance.input", "loss": "live.provenance.loss", "error": "live.provenance.error"}


@dataclass(frozen=True)
class GuardParams(Params):
    """Thresholds of TM150: how much of what the guard skipped a message lists."""

    max_listed_batches: int = param(
        10, "skipped batch indices a message lists before '...'; the JSON evidence holds every one"
    )


@dataclass(frozen=True)
class GuardFacts(Facts):
    """What the live guard did: the batches it skipped, how often it rolled back, whether it stopped the run."""

    skipped_batches: tuple = ()
    rollbacks: int = 0
    stopped: bool = False
    reasons: tuple = ()


@dataclass(frozen=True)
class ProvenanceFacts(Facts):
    """Where the first non-finite value appeared when its batch was replayed with hooks."""

    phase: str
    module: str = ""
    dtype: str = ""
    kind: str = ""
    input_finite: bool = True
    max_abs: Any = None
    limit: Any = None
    timestep: Any = None


def _at(step) -> Position:
    return Position(step=step)


def provenance_message(found: dict) -> Msg:
    """``lstm (bf16): output finite, grad inf at timestep 4095`` / ``classifier (fp16): output overflow 7.1e4 >
    65504`` / ... from a provenance replay's result."""
    phase = found.get("phase", "none")
    params = {k: found.get(k) for k in ("module", "dtype", "kind", "max_abs", "limit", "timestep", "error")}
    if phase == "forward":
        if found.get("kind") == "overflow":
            return msg("live.provenance.overflow", **params)
        key = "live.provenance.forward" if found.get("input_finite", True) else "live.provenance.forward_input"
        return msg(key, **params)
    if phase == "backward":
        key = "live.provenance.backward_timestep" if found.get("timestep") is not None else "live.provenance.backward"
        return msg(key, **params)
    if phase in PHASES:
        return msg(PHASES[phase], **params)
    return msg("live.provenance.none")


@rule("TM150", "guard-intervened", symptom="nonfinite", severity="warning", params=GuardParams)
def check_guard(run: Run, p: GuardParams) -> list:
    """The live guard skipped, rolled back or stopped training steps.

    What it does:
        Reports what the live guard (trainmedic.Monitor) did: steps whose loss or gradients were non-finite (or
        spiked) and were not applied, rollbacks to a healthy snapshot, and a stop (an error).
    Why it matters:
        A skipped step protects the weights, but each one is a batch the model did not learn from; repeated skips
        mean the cause is still there.
    Example:
        Batch 417 holds a NaN feature: the guard skips step 418 and training goes on.
    Fix:
        Read the provenance finding (TM151) and the causes; fix the data or the numerics rather than relying on the
        guard.
    """
    skips, rollbacks, stops = run.events_of("skip"), run.events_of("rollback"), run.events_of("stop")
    if not (skips or rollbacks or stops):
        return []
    first = (skips or rollbacks or stops)[0]
    batches = [e.data.get("batch") for e in skips]
    listed = ", ".join(str(b) for b in batches[: p.max_listed_batches])
    listed += " ..." if len(batches) > p.max_listed_batches else ""
    reasons = {e.data.get("reason") for e in skips + stops}
    symptom = "spike" if reasons == {"spike"} else "nonfinite"
    ev = [
        Evidence(
            series="train/loss",
            value=e.data.get("loss", float("nan")),
            at=_at(e.step),
            note=Msg("rule.TM150.ev_skip", {"batch": e.data.get("batch"), "reason": e.data.get("reason")}),
        )
        for e in skips
    ]
    ev += [
        Evidence(
            series="train/lr",
            value=(e.data.get("lr") or [float("nan")])[0],
            at=_at(e.step),
            note=Msg("rule.TM150.ev_rollback", {"to": e.data.get("to_step")}),
        )
        for e in rollbacks
    ]
    last = (stops or rollbacks or skips)[-1]
    # A long run keeps only its first skip events; the end event carries the total.
    ends = run.events_of("end")
    total = max(len(skips), int(ends[-1].data.get("skipped") or 0)) if ends else len(skips)
    params = {"skipped": total, "batches": listed, "rollbacks": len(rollbacks), "step": first.step}
    key = "rule.TM150.stopped" if stops else "rule.TM150.message"
    facts = GuardFacts(
        skipped_batches=tuple(batches),
        rollbacks=len(rollbacks),
        stopped=bool(stops),
        reasons=tuple(sorted(str(r) for r in reasons if r)),
    )
    return [
        Finding(
            code="TM150",
            rule="guard-intervened",
            symptom=symptom,
            severity=Severity.ERROR if stops else Severity.WARNING,
            message=Msg(key, params),
            series="train/loss",
            at=_at(first.step),
            until=_at(last.step),
            evidence=ev,
            facts=facts,
        )
    ]


@rule("TM151", "nonfinite-provenance", symptom="nonfinite", severity="warning")
def check_provenance(run: Run, p: Params) -> list:
    """The module where the first non-finite value appeared (replay with hooks).

    What it does:
        On the first non-finite step the Monitor replays that batch on the same weights with forward and gradient
        hooks and names the first module whose output or gradient became non-finite, its dtype under autocast and
        the magnitudes seen (or that the batch itself holds non-finite values).
    Why it matters:
        'loss is nan' says nothing about where; the module and its dtype usually name the fix (run that module in
        float32, clip, fix the batch).
    Example:
        classifier (fp16): output overflow 7.1e+04 > 65504
    Fix:
        For an overflow under fp16/bf16 keep that module in float32 (autocast disabled around it); for a recurrent
        gradient clip gradients; for non-finite input check the data.
    """
    out = []
    for e in run.events_of("provenance"):
        if e.data.get("phase") in (None, "none", "error"):
            continue
        d = e.data
        facts = ProvenanceFacts(
            phase=str(d.get("phase")),
            module=str(d.get("module") or ""),
            dtype=str(d.get("dtype") or ""),
            kind=str(d.get("kind") or ""),
            input_finite=bool(d.get("input_finite", True)),
            max_abs=d.get("max_abs"),
            limit=d.get("limit"),
            timestep=d.get("timestep"),
        )
        out.append(
            Finding(
                code="TM151",
                rule="nonfinite-provenance",
                symptom="nonfinite",
                severity="warning",
                message=provenance_message(d),
                series="train/loss",
                at=_at(e.step),
                evidence=[
                    Evidence(
                        series="train/loss", value=_number(d.get("loss")), at=_at(e.step), note=provenance_message(d)
                    )
                ],
                facts=facts,
            )
        )
    return out


def _number(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")
