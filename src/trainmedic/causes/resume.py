"""What to do with the checkpoints: the last one saved before the failure began, and the ones saved after it.

Pure: from the run's checkpoint events and the findings. Weight-based triage (``trainmedic.checkpoints``) refines
this verdict when the checkpoint files themselves are at hand.
"""

from __future__ import annotations

from typing import Optional

from ..i18n import Msg
from ..run import Run
from .context import FAILURE_SYMPTOMS


def failure_point(findings: list) -> Optional[dict]:
    """``at`` of the earliest failure finding (error severity); else of an overfitting onset; else None."""
    errors = [f for f in findings if f.severity == "error" and f.symptom in FAILURE_SYMPTOMS]
    pool = errors or [f for f in findings if f.symptom == "overfitting" and f.severity != "info"]
    if not pool:
        return None
    return min((f.at for f in pool), key=lambda at: (0 if "step" in at else 1, float(at.get("step", at.get("epoch", 0)))))


def _x(at: dict, axis: str) -> Optional[float]:
    v = at.get(axis)
    return None if v is None else float(v)


def checkpoint_advice(run: Run, findings: list) -> Optional[dict]:
    """``{"last_healthy": path, "broken": [paths], "resume": Msg}`` or None when there is nothing to say."""
    ckpts = [e for e in run.events_of("checkpoint") if e.data.get("path")]
    fail = failure_point(findings)
    if not ckpts or fail is None:
        return None
    axis = "step" if "step" in fail and all(e.step is not None for e in ckpts) else "epoch"
    x0 = _x(fail, axis)
    if x0 is None:
        return None
    pos = [(float(e.step if axis == "step" else e.epoch), e.data["path"]) for e in ckpts
           if (e.step if axis == "step" else e.epoch) is not None]
    pos.sort()
    healthy = [p for x, p in pos if x < x0]
    broken = [p for x, p in pos if x >= x0]
    out: dict = {"broken": broken}
    if healthy:
        out["last_healthy"] = healthy[-1]
        key = "cause.resume.with_broken" if broken else "cause.resume.plain"
        out["resume"] = Msg(key, {"path": healthy[-1], "broken": ", ".join(_short(b) for b in broken),
                                  "count": len(broken)})
    else:
        out["last_healthy"] = None
        out["resume"] = Msg("cause.resume.none", {"first": pos[0][1] if pos else ""})
    return out


def _short(path: str) -> str:
    return path.rstrip("/").split("/")[-1]
