"""Sibling runs of one experiment: ``v17_baseline/`` beside ``v17_batch48/``.

A failed run is best explained against the stable run it was changed from, and people keep those side by side. A
sibling counts when it shares with the run a metrics file name (``metrics.csv``, ``trainer_state.json``) or both hold a
launch script and their names share a stem (``v17_``). Only the top level of each sibling is listed, and at most a
few are returned, closest names first, so the look stays cheap.
"""

from __future__ import annotations

import os
from pathlib import Path

MAX_REFERENCES = 3  # a baseline or two is what a comparison needs; more costs reading time for little
MAX_SIBLINGS_LISTED = 50  # a parent with hundreds of folders is a store of unrelated runs, not one experiment
MIN_STEM = 3  # shared name prefix that makes two folders look like variants of one experiment ("v17")

LAUNCH_SUFFIXES = (".sh", ".bash", ".slurm", ".sbatch")
METRIC_NAMES = {"metrics.csv", "history.csv", "trainer_state.json", "log_history.json", "metrics.jsonl",
                "history.jsonl", "train.log", "training.log", "log.txt", "hparams.yaml"}


def _top_files(directory: Path) -> set:
    try:
        return {e.name for e in os.scandir(directory) if e.is_file()}
    except OSError:
        return set()


def _artifacts(names: set) -> tuple:
    metrics = {n for n in names if n in METRIC_NAMES or n.startswith("events.out.tfevents")}
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
        others = sorted(e.path for e in os.scandir(parent)
                        if e.is_dir() and not e.name.startswith(".") and e.path != str(directory))
    except OSError:
        return []
    if len(others) > MAX_SIBLINGS_LISTED:
        return []
    scored = []
    for other in map(Path, others):
        theirs, their_launch = _artifacts(_top_files(other))
        stem = _common_prefix(directory.name, other.name)
        shared_metrics = mine & theirs - {"hparams.yaml"}
        if shared_metrics and stem >= MIN_STEM or (my_launch and their_launch and stem >= MIN_STEM):
            scored.append((stem, other))
    scored.sort(key=lambda s: (-s[0], s[1].name))
    return [p for _, p in scored[:MAX_REFERENCES]]
