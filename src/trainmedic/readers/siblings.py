"""Sibling runs of one experiment: ``v17_baseline/`` beside ``v17_batch48/``.

A failed run is best explained against the stable run it was changed from, and people keep those side by side. A
sibling counts when it shares with the run a metrics file name (``metrics.csv``, ``trainer_state.json``,
``console.log``) or a logger's folder (``lightning_logs/``), or both hold a launch script; and when their names share a
stem (``v17_``) or the sibling is named as the baseline (``baseline/`` beside ``batch48/``). Only the top level of
each sibling is listed, and at most a few are returned, closest names first, so the look stays cheap.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

MAX_REFERENCES = 3  # a baseline or two is what a comparison needs; more costs reading time for little
MAX_SIBLINGS_LISTED = 50  # a parent with hundreds of folders is a store of unrelated runs, not one experiment
MIN_STEM = 3  # shared name prefix that makes two folders look like variants of one experiment ("v17")

LAUNCH_SUFFIXES = (".sh", ".bash", ".slurm", ".sbatch")
METRIC_NAMES = {
    "metrics.csv",
    "history.csv",
    "trainer_state.json",
    "log_history.json",
    "metrics.jsonl",
    "history.jsonl",
    "train.log",
    "training.log",
    "log.txt",
    "hparams.yaml",
    "console.log",
}
# Folders a logger writes its runs into: two siblings holding the same one were written by the same script.
METRIC_DIRS = {"lightning_logs", "mlruns", "wandb", "runs", "tb_logs", "logs"}
# Names people give the run a variant is compared with; such a sibling needs no shared stem (`baseline` vs `batch48`),
# only a shared artifact.
BASELINE_NAMES = {"baseline", "base", "reference", "ref", "control", "stable", "orig", "original"}


def _top_files(directory: Path) -> set:
    """Names of the files at the top of ``directory``, and of its logger folders with a trailing ``/``."""
    try:
        return {
            e.name if e.is_file() else e.name + "/"
            for e in os.scandir(directory)
            if e.is_file() or (e.is_dir() and e.name in METRIC_DIRS)
        }
    except OSError:
        return set()


def _artifacts(names: set) -> tuple:
    metrics = {
        n for n in names if n in METRIC_NAMES or n.rstrip("/") in METRIC_DIRS or n.startswith("events.out.tfevents")
    }
    if any(n.startswith("events.out.tfevents") for n in names):
        metrics.add("events.out.tfevents")
    launch = any(n.endswith(LAUNCH_SUFFIXES) for n in names)
    return metrics, launch


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.lower(), b.lower()):
        if x != y:
            break
        n += 1
    return n


def _is_baseline(name: str) -> bool:
    """``baseline``, ``v17_baseline``, ``Reference-run``: a name that says the folder is what others are compared to."""
    words = {w for w in re.split(r"[^a-z]+", name.lower()) if w}
    return bool(words & BASELINE_NAMES)


def find_siblings(directory: Path) -> list:
    """Sibling run directories of ``directory`` worth reading as references (closest names first)."""
    directory = directory.resolve()
    parent = directory.parent
    if parent == directory:
        return []
    mine, my_launch = _artifacts(_top_files(directory))
    if not mine and not my_launch:
        return []
    try:
        others = sorted(
            e.path for e in os.scandir(parent) if e.is_dir() and not e.name.startswith(".") and e.path != str(directory)
        )
    except OSError:
        return []
    if len(others) > MAX_SIBLINGS_LISTED:
        return []
    scored = []
    for other in map(Path, others):
        theirs, their_launch = _artifacts(_top_files(other))
        stem = _common_prefix(directory.name, other.name)
        shared_metrics = mine & theirs - {"hparams.yaml"}
        related = stem >= MIN_STEM or _is_baseline(other.name)
        if related and (shared_metrics or (my_launch and their_launch)):
            scored.append((stem, other))
    scored.sort(key=lambda s: (-s[0], s[1].name))
    return [p for _, p in scored[:MAX_REFERENCES]]
