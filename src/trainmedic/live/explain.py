"""Words for what the guard did: the provenance sentence and the live part of a Report. No torch."""

from __future__ import annotations

from typing import Any

from ..i18n import Msg, msg


def provenance_message(found: dict) -> Msg:
    """``lstm (bf16): output finite, grad inf at timestep 4095`` / ``classifier (fp16): output overflow 7.1e4 >
    65504`` / ... from a :func:`~trainmedic.live.provenance.replay` result."""
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
    if phase in ("input", "loss", "error"):
        return msg(f"live.provenance.{phase}", **params)
    return msg("live.provenance.none")


def summary(monitor: Any) -> dict:
    """Machine-readable account of the guard's work, copied into the report's JSON as ``live``."""
    return {"policy": monitor.policy, "steps": monitor.step_count, "skipped": monitor.guard.skipped,
            "skipped_batches": list(monitor.skipped_batches), "rollbacks": monitor.guard.rollbacks,
            "lr_scale": monitor.lr_scale, "provenance": monitor.provenance,
            "log": monitor.log.path if monitor.log is not None else None}


def decorate(report: Any, monitor: Any) -> None:
    """Add the live summary and the provenance sentence to a Report built from the monitor's Run."""
    report.extra["live"] = summary(monitor)
    if monitor.guard.skipped:
        report.notes.append(msg("live.note.skipped", n=monitor.guard.skipped, policy=monitor.policy,
                                batches=", ".join(str(b) for b in monitor.skipped_batches[:20])))
    if monitor.guard.rollbacks:
        report.notes.append(msg("live.note.rollbacks", n=monitor.guard.rollbacks, scale=monitor.lr_scale))
    if monitor.provenance is not None:
        report.notes.append(msg("live.note.provenance", what=provenance_message(monitor.provenance)))
