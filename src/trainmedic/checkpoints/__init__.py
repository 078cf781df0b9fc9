"""Checkpoint triage: read checkpoints without executing pickled code, find the broken ones, name the last healthy
one and say how to resume from it.

``trainmedic checkpoints DIR`` calls :func:`triage`; ``diagnose`` calls :func:`triage_paths` on a run folder that
holds checkpoints with weights, to refine what the logs alone say about them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Optional

from ..errors import InputError
from ..i18n import Msg, msg
from ..report.model import Report
from ..run import Run
from .discover import find_checkpoints, order
from .judge import Verdict, judge, last_healthy
from .metrics import failure_point, load_metrics, metrics_at
from .safe_read import UnsafeCheckpoint, read_checkpoint
from .stats import CheckpointStats

__all__ = ["triage", "triage_paths", "scan"]

# The optional dependency each reading module comes from: a missing one is named with the extra that installs it.
EXTRAS = {"safetensors": "hf", "torch": "torch"}


def _read(v: Verdict) -> None:
    ck = v.checkpoint
    stats = CheckpointStats()
    try:
        counters = read_checkpoint(ck.weight_files, ck.optimizer_file, stats.add_weight, stats.add_optimizer)
    except UnsafeCheckpoint as exc:
        v.unsafe_reason = str(exc)
        return
    except ImportError as exc:
        module = (exc.name or "").split(".")[0]
        v.error = msg("checkpoints.error.missing_extra", module=module, extra=EXTRAS.get(module, "all"))
        return
    except Exception as exc:  # noqa: BLE001 - a truncated or foreign file is reported, not fatal to the triage
        v.error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        return
    if not stats.tensors:
        v.error = "no floating-point tensors"
        return
    v.stats = stats
    if ck.step is None and counters.step is not None:
        ck.step = counters.step
    if ck.epoch is None and counters.epoch is not None:
        ck.epoch = counters.epoch


def scan(directory: os.PathLike | str, run: Optional[Run] = None, findings: Optional[list] = None) -> tuple:
    """(verdicts in training order, failure point or None, metrics Run or None) for a directory or one file.

    ``run`` and ``findings`` are those the diagnosis already has: the run's artifacts are then not read again and its
    rules not run again; without them the metrics beside the checkpoints are read here.
    """
    root = Path(directory)
    if not root.exists():
        raise InputError(root, "no such file or directory")
    checkpoints = find_checkpoints(root)
    verdicts = [Verdict(ck) for ck in checkpoints]
    for v in verdicts:
        _read(v)
    # Counters read from the files (Lightning's global_step) may change the order.
    ordered = {id(ck): i for i, ck in enumerate(order([v.checkpoint for v in verdicts]))}
    verdicts.sort(key=lambda v: ordered[id(v.checkpoint)])
    if run is None:
        run = load_metrics(root if root.is_dir() else root.parent, checkpoints) if checkpoints else None
    failure = failure_point(run, findings)
    judge(verdicts, failure)
    for v in verdicts:
        v.metrics = metrics_at(run, v.checkpoint.step, v.checkpoint.epoch)
    return verdicts, failure, run


def display_path(directory: os.PathLike | str, v: Verdict) -> str:
    """The checkpoint's path as the user would type it: the directory they gave joined with the checkpoint's name."""
    d = Path(directory)
    if d.is_file():
        return str(d)
    return str(Path(os.path.normpath(str(d))) / v.checkpoint.name)


def summary(directory: os.PathLike | str, verdicts: list) -> dict:
    """``{"last_healthy", "broken", "unreadable", "resume", "framework", "evidence"}`` for Report.checkpoints."""
    from .build import resume_hint

    good = last_healthy(verdicts)
    out: dict = {
        "last_healthy": display_path(directory, good) if good else None,
        "broken": [display_path(directory, v) for v in verdicts if v.broken],
        "unreadable": [display_path(directory, v) for v in verdicts if not v.readable],
        "source": "weights",
    }
    if good is not None:
        out["framework"] = good.checkpoint.framework
        out["resume"] = resume_hint(good.checkpoint.framework, display_path(directory, good))
    out["evidence"] = {display_path(directory, v): list(v.reasons) for v in verdicts if v.broken}
    return out


def why_unread(verdicts: list) -> Msg:
    """Why no checkpoint could be read: a missing package first (one install fixes them all), else the first error."""
    for v in verdicts:
        if isinstance(v.error, Msg) and v.error.key == "checkpoints.error.missing_extra":
            return v.error
    for v in verdicts:
        if v.unsafe_reason:
            return msg("checkpoints.error.unsafe", path=v.checkpoint.name, reason=v.unsafe_reason)
        if v.error:
            return msg("checkpoints.error.unreadable", path=v.checkpoint.name, error=v.error)
    return msg("checkpoints.conclusion.none_readable")


def triage(directory: os.PathLike | str, *, lang: str = "en") -> Report:
    """Triage every checkpoint under ``directory``.

    Raises InputError when there is none, or when none could be read and the folder holds no metrics either. When
    none could be read but metrics were, the report's verdict is ``unknown``, with the reason.
    """
    from .build import build_report

    verdicts, failure, run = scan(directory)
    if not verdicts:
        if any(Path(directory).glob("**/checkpoint-*/trainer_state.json")):
            # Checkpoint folders copied or pruned without their weights: say so rather than "none found".
            raise InputError(
                directory,
                "the checkpoint-* folders hold no weights (model.safetensors or "
                "pytorch_model.bin); `trainmedic diagnose` reads their trainer_state.json",
            )
        raise InputError(
            directory,
            "no checkpoint found (checkpoint-* folders, .ckpt, .pt, .pth, .bin, .safetensors or files like model.ep3)",
        )
    if not any(v.readable for v in verdicts):
        reason = why_unread(verdicts)
        if run is None:
            raise InputError(directory, msg("checkpoints.error.none_read", reason=reason).render("en"))
        report = build_report(directory, verdicts, failure, run, summary(directory, verdicts), lang=lang)
        return report.replace(undecided=reason, conclusion=msg("checkpoints.conclusion.unknown", reason=reason))
    return build_report(directory, verdicts, failure, run, summary(directory, verdicts), lang=lang)


def triage_paths(
    paths: Iterable[os.PathLike | str], run: Optional[Run] = None, findings: Optional[list] = None
) -> Optional[dict]:
    """Weight-based checkpoint evidence for the diagnose path: :func:`summary` of the first path holding checkpoints
    with weights, or None when none does (logs only). Takes the Run and findings the diagnosis has. Never raises on
    unreadable checkpoints."""
    for p in paths:
        p = Path(p)
        if not p.is_dir():
            continue
        try:
            verdicts, _, _ = scan(p, run, findings)
        except (InputError, OSError):
            continue
        if any(v.readable or v.unsafe_reason for v in verdicts):
            return summary(p, verdicts)
    return None


def _base(path: Optional[str]) -> str:
    return os.path.basename(os.path.normpath(path)) if path else ""


def refine(existing: Optional[dict], weights: Optional[dict]) -> Optional[dict]:
    """Merge weight-based evidence into the checkpoint verdict the logs gave (either may be None).

    Checkpoints are matched by file or folder name, since logs and the directory may spell the parent differently.
    Weights overrule the logs where they disagree: a checkpoint with NaN weights is broken whatever the logs say.
    """
    if not weights:
        return existing
    if not existing:
        return dict(weights)
    out = dict(existing)
    broken = list(out.get("broken") or [])
    known = {_base(b) for b in broken}
    broken += [b for b in weights.get("broken", []) if _base(b) not in known]
    out["broken"] = broken
    weight_broken = {_base(b) for b in weights.get("broken", [])}
    log_broken = {_base(b) for b in existing.get("broken") or []}
    if not out.get("last_healthy") or _base(out.get("last_healthy")) in weight_broken:
        candidate = weights.get("last_healthy")
        # Finite weights do not make a checkpoint healthy when the run had already failed before it was saved.
        if candidate and _base(candidate) not in log_broken:
            out["last_healthy"] = candidate
            if weights.get("resume"):
                out["resume"] = weights["resume"]
        else:
            out["last_healthy"] = None
    out["weights"] = {k: v for k, v in weights.items() if k != "source"}
    return out
