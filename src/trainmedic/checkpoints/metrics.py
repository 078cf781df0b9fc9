"""The metrics logged around each checkpoint, and the point where the run had already failed.

Metrics come from the run's logs via :func:`trainmedic.readers.load_run` when the directory is readable, else from the
``log_history`` of the newest ``trainer_state.json`` (which holds the whole history up to that checkpoint).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from ..readers.hf import run_from_log_history
from ..run import Run, Series

# The few series worth showing beside a checkpoint, in this order; others are listed after them.
SHOWN_FIRST = ("train/loss", "eval/loss", "train/grad_norm")
MAX_SHOWN = 4
# Symptoms after which a checkpoint no longer holds a model worth resuming from.
FAILURE_SYMPTOMS = ("nonfinite", "divergence", "metric_collapse", "gradient_explosion")


def run_from_trainer_state(state: dict, source: str) -> Run:
    """A minimal Run from an HF ``log_history``: enough to pair checkpoints with metrics."""
    history = state.get("log_history")
    return run_from_log_history(history if isinstance(history, list) else [], source)


def load_metrics(directory: Path, checkpoints: list) -> Optional[Run]:
    """The run's metrics: readers first, then the newest trainer_state.json."""
    try:
        from ..readers import load_run

        return load_run([directory])
    except Exception:  # noqa: BLE001 - metrics are a bonus here; weights alone still triage the checkpoints
        pass
    states = [ck for ck in checkpoints if ck.trainer_state]
    if states:
        newest = max(states, key=lambda ck: len(ck.trainer_state.get("log_history", [])))
        return run_from_trainer_state(newest.trainer_state, str(newest.path / "trainer_state.json"))
    return None


def _value_at(s: Series, step: Optional[float], epoch: Optional[float]) -> Optional[float]:
    if step is not None and s.has_step:
        ok = np.isfinite(s.step) & (s.step <= step)
        if ok.any():
            idx = np.where(ok)[0]
            return float(s.values[idx[np.argmax(s.step[idx])]])
        return None
    if epoch is not None and s.has_epoch:
        ok = np.isfinite(s.epoch) & (s.epoch <= epoch + 1e-9)
        if ok.any():
            idx = np.where(ok)[0]
            return float(s.values[idx[np.argmax(s.epoch[idx])]])
    return None


def metrics_at(run: Optional[Run], step: Optional[float], epoch: Optional[float]) -> dict:
    """The latest logged value of the main series at or before a checkpoint's position: label -> value."""
    if run is None:
        return {}
    names = [n for n in SHOWN_FIRST if n in run.series]
    names += sorted(n for n in run.series if n not in names and n.split("/")[-1] not in ("lr", "grad_norm"))
    out: dict = {}
    for name in names:
        v = _value_at(run.series[name], step, epoch)
        if v is not None:
            out[name] = v
        if len(out) >= MAX_SHOWN:
            break
    return out


def failure_point(run: Optional[Run], findings: Optional[list] = None) -> Optional[dict]:
    """Where the run had already failed: ``{"step"|"epoch": ..., "symptom": ..., "code": ...}``, or None.

    ``findings`` are the diagnosis' own (the diagnose path judges the run once); without them the rules judge the
    run here (``trainmedic checkpoints DIR``). A non-finite loss or gradient norm always counts.
    """
    if run is None:
        return None
    candidates: list = []
    if findings is None:
        try:
            from ..rules import check_all

            findings = check_all(run)
        except Exception:  # noqa: BLE001 - rules are optional evidence; the non-finite check below stands alone
            findings = []
    for f in findings:
        if f.symptom in FAILURE_SYMPTOMS and f.serious:
            candidates.append({**f.at.as_dict(), "symptom": f.symptom, "code": f.code})
    for name in ("train/loss", "eval/loss", "train/grad_norm"):
        s = run.series.get(name)
        if s is None:
            continue
        s = s.sorted()
        bad = np.where(~np.isfinite(s.values))[0]
        if len(bad):
            candidates.append({**s.at(int(bad[0])), "symptom": "nonfinite", "code": ""})
    with_step = [c for c in candidates if "step" in c]
    if with_step:
        return min(with_step, key=lambda c: c["step"])
    with_epoch = [c for c in candidates if "epoch" in c]
    return min(with_epoch, key=lambda c: c["epoch"]) if with_epoch else None
