"""What to do with the checkpoints: the last one saved before the failure began, and the ones saved after it.

Pure: from the run's checkpoint events and the findings. Weight-based triage (``trainmedic.checkpoints``) refines
this verdict when the checkpoint files themselves are at hand.
"""

from __future__ import annotations

from typing import Optional

from ..findings import FAILURE_SYMPTOMS, Position, Severity
from ..i18n import Msg
from ..run import Run


def failure_point(findings: list) -> Optional[Position]:
    """Where the earliest failure finding (error severity) starts; else an overfitting onset; else None."""
    errors = [f for f in findings if f.severity is Severity.ERROR and f.symptom in FAILURE_SYMPTOMS]
    pool = errors or [f for f in findings if f.symptom == "overfitting" and f.serious]
    if not pool:
        return None
    return min((f.at for f in pool), key=lambda at: (0 if at.step is not None else 1, at.key))


def _x(at: Position, axis: str) -> Optional[float]:
    return at.on(axis)


def checkpoint_advice(run: Run, findings: list) -> Optional[dict]:
    """``{"last_healthy": path, "broken": [paths], "resume": Msg}`` or None when there is nothing to say."""
    ckpts = [e for e in run.events_of("checkpoint") if e.data.get("path")]
    fail = failure_point(findings)
    if not ckpts or fail is None:
        return None
    axis = "step" if fail.step is not None and all(e.step is not None for e in ckpts) else "epoch"
    x0 = _x(fail, axis)
    if x0 is None:
        return None
    pos = [
        (float(e.step if axis == "step" else e.epoch), e.data["path"])
        for e in ckpts
        if (e.step if axis == "step" else e.epoch) is not None
    ]
    pos.sort()
    healthy = [p for x, p in pos if x < x0]
    broken = [p for x, p in pos if x >= x0]
    out: dict = {"broken": broken}
    if healthy:
        out["last_healthy"] = healthy[-1]
        key = "cause.resume.with_broken" if broken else "cause.resume.plain"
        out["resume"] = Msg(key, {"path": healthy[-1], "broken": [_short(b) for b in broken], "count": len(broken)})
    else:
        out["last_healthy"] = None
        out["resume"] = Msg("cause.resume.none", {"first": pos[0][1] if pos else ""})
    return out


def _short(path: str) -> str:
    return path.rstrip("/").split("/")[-1]
