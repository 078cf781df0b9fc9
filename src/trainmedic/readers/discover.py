"""Walk the given paths, pick a reader for each artifact, merge what they return into one Run.

A directory is walked (bounded, skipping VCS folders, caches and weight files); a folder that a directory reader
claims (an HF output dir, a Lightning version dir, a TensorBoard log dir, an MLflow or W&B run) is read as a whole,
and the files it did not consume (a console log beside ``trainer_state.json``) are still read by file readers.
Metric sources come before configuration-only sources, and :mod:`.merge` keeps every point once. When a directory
given is one of several sibling runs of an experiment, the siblings are read as :attr:`Run.references`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from ..errors import InputError
from ..i18n import t
from ..run import Run
from . import pick_reader
from .checks import fail, read_text_head
from .merge import TEXT_FORMATS, merge_runs
from .siblings import LAUNCH_SUFFIXES, find_siblings

SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints", "node_modules", ".venv", "venv",
             ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", "site-packages", ".idea", ".vscode", ".trash"}
# Weights, optimizer states, data and media: never logs, and some are gigabytes.
SKIP_SUFFIXES = {".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".hdf5", ".npy", ".npz", ".onnx", ".pb",
                 ".msgpack", ".gguf", ".pkl", ".pickle", ".joblib", ".tar", ".gz", ".zip", ".xz", ".bz2", ".7z",
                 ".parquet", ".arrow", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".pdf", ".mp4", ".wav", ".so",
                 ".pyc", ".model", ".spm", ".lock"}
MAX_DEPTH = 6  # run folders nest output/checkpoint-N/..., lightning_logs/version_N/, mlruns/exp/run/metrics
MAX_FILES = 5000  # files looked at in one walk; beyond that the user should name the artifacts


def load_paths(paths: list, *, references: bool = True) -> Run:
    """Read every path as a part of one run and merge the parts (see module docstring)."""
    if not paths:
        raise fail("<none>", "readers.error.no_path")
    jobs: list = []
    warnings: list = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise fail(p, "readers.error.missing")
        if p.is_dir():
            found = walk(p, warnings)
            if not found:
                raise fail(p, "readers.error.no_artifact")
            jobs.extend((reader, path, False) for reader, path in found)
        else:
            reader = pick_reader(p)
            if reader is None:
                _explain_unreadable(p)
                raise fail(p, "readers.error.unknown_format")
            jobs.append((reader, p, True))
    parts = _read_all(jobs, warnings)
    if not parts:
        raise fail(paths[0], "readers.error.no_artifact")
    run = merge_runs(parts)
    run.warnings.extend(w for w in warnings if w not in run.warnings)
    run.path = str(paths[0])
    if not run.series and all(r.kind == "config" for r, _, _ in jobs):
        raise fail(paths[0], "readers.error.no_numbers")
    if references:
        for p in paths:
            if Path(p).is_dir():
                run.references.extend(_read_references(Path(p)))
    run.config.derive()
    return run


def _explain_unreadable(path: Path) -> None:
    """Raise the specific reason (empty, binary) when a named file has no reader."""
    read_text_head(path)


def _read_all(jobs: list, warnings: list) -> list:
    """Read structured metric files first, then text logs (their config is what the run recorded), then launch
    scripts (what the user set), then other configuration sources (which may hold library defaults). The first
    source to set a config key keeps it, and the report lists the sources in this order."""
    def order(job) -> int:
        reader, path, _ = job
        if reader.kind != "config":
            return 1 if reader.name in TEXT_FORMATS else 0
        return 2 if path.suffix.lower() in LAUNCH_SUFFIXES else 3

    ordered = sorted(jobs, key=order)  # stable: the user's order within each kind
    parts = []
    for reader, path, explicit in ordered:
        try:
            parts.append(reader.read(path))
        except InputError as exc:
            if explicit:
                raise
            warnings.append(t("readers.warn.skipped", "en", path=str(path), detail=exc.reason))
    return parts


def walk(root: Path, warnings: Optional[list] = None) -> list:
    """(reader, path) pairs for the artifacts under ``root``: claimed directories and the loose files left."""
    found: list = []
    owners: list = []  # (directory, reader) whose owns() says which paths below it were already read
    seen_files = 0
    stack = [(root, 0)]
    while stack:
        directory, depth = stack.pop()
        reader = pick_reader(directory, directory=True)
        if reader is not None:
            found.append((reader, directory))
            if reader.owns is None:
                continue
            owners.append((directory, reader))
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            path = Path(entry.path)
            if _owned(path, owners):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if entry.name not in SKIP_DIRS and not entry.name.startswith(".") and depth < MAX_DEPTH:
                    subdirs.append((path, depth + 1))
                continue
            if not entry.is_file() or path.suffix.lower() in SKIP_SUFFIXES:
                continue
            seen_files += 1
            if seen_files > MAX_FILES:
                if warnings is not None:
                    warnings.append(t("readers.warn.walk_limit", "en", path=str(root), count=MAX_FILES))
                return found
            try:
                file_reader = pick_reader(path)
            except InputError:
                continue
            if file_reader is not None:
                found.append((file_reader, path))
        stack.extend(reversed(subdirs))
    return found


def _owned(path: Path, owners: list) -> bool:
    for directory, reader in owners:
        try:
            if reader.owns(directory, path):
                return True
        except OSError:
            continue
    return False


def _read_references(directory: Path) -> list:
    """Sibling runs of the same experiment, read for comparison (never failing the main read)."""
    refs = []
    for sibling in find_siblings(directory):
        try:
            ref = load_paths([sibling], references=False)
        except InputError:
            continue
        for s in ref.sources:
            s.notes.append(t("readers.note.reference", "en", path=str(sibling)))
        refs.append(ref)
    return refs
