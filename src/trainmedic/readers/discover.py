"""Walk the given paths, classify each input, pick a reader for each artifact, merge what they return into one Run.

Every input is classified (:class:`~trainmedic.run.InputKind`: metrics, config, checkpoint, document, unknown) and
recorded as a :class:`~trainmedic.run.SourceInfo`; an input that cannot be used (a launch command holds no metrics,
a README is a document, a weights file is a checkpoint, a file is broken) is noted with the reason and the others are
still read. Only when nothing at all gives metrics does reading fail (exit code 2).

A directory is walked (bounded, skipping VCS folders, caches and weight files, never following a link to a folder);
a folder that a directory reader claims (an HF output dir, a Lightning version dir, a TensorBoard log dir, an MLflow
or W&B run) is read as a whole, and the files it did not consume (a console log beside ``trainer_state.json``) are
still read by file readers. Metric sources come before configuration-only sources, and :mod:`.merge` keeps every
point once. When a directory given is one of several sibling runs of an experiment, the siblings are read as
:attr:`Run.references`.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import NamedTuple, Optional

import numpy as np

from ..errors import InputError
from ..i18n import msg, t
from ..run import InputKind, Run, Series, SourceInfo
from . import Reader, pick_reader
from .checks import fail, read_text_head
from .merge import TEXT_FORMATS, merge_runs
from .siblings import LAUNCH_SUFFIXES, find_siblings

SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    ".ipynb_checkpoints",
    "node_modules",
    ".venv",
    "venv",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    "site-packages",
    ".idea",
    ".vscode",
    ".trash",
}
# Weights and optimizer states: checkpoints, never logs, and some are gigabytes.
CHECKPOINT_SUFFIXES = {
    ".safetensors",
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".h5",
    ".hdf5",
    ".onnx",
    ".pb",
    ".msgpack",
    ".gguf",
    ".pkl",
    ".pickle",
    ".joblib",
    ".model",
    ".th",
}
# Documents: notes and write-ups, read only for a log or table pasted into them.
DOCUMENT_SUFFIXES = {".md", ".markdown", ".rst", ".html", ".htm", ".pdf", ".doc", ".docx", ".ipynb", ".tex"}
# Data and media: never logs.
SKIP_SUFFIXES = CHECKPOINT_SUFFIXES | {
    ".npy",
    ".npz",
    ".tar",
    ".gz",
    ".zip",
    ".xz",
    ".bz2",
    ".7z",
    ".parquet",
    ".arrow",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".pdf",
    ".mp4",
    ".wav",
    ".so",
    ".pyc",
    ".spm",
    ".lock",
}
MAX_DEPTH = 6  # run folders nest output/checkpoint-N/..., lightning_logs/version_N/, mlruns/exp/run/metrics
MAX_FILES = 5000  # files looked at in one walk; beyond that the user should name the artifacts
# Files of one kind skipped in one folder that are named one by one; the rest are counted.
NAMED_SKIPS = 5


class Found(NamedTuple):
    """An artifact a walk found, and the reader that will read it."""

    reader: Reader
    path: Path


def kind_of(path: Path, reader: Optional[Reader] = None) -> InputKind:
    """What an input holds, from its reader or, without one, from its suffix."""
    if reader is not None:
        return InputKind.CONFIG if reader.kind == "config" else InputKind.METRICS
    suffix = path.suffix.lower()
    if suffix in CHECKPOINT_SUFFIXES:
        return InputKind.CHECKPOINT
    if suffix in DOCUMENT_SUFFIXES:
        return InputKind.DOCUMENT
    return InputKind.UNKNOWN


def load_paths(paths: list, *, references: bool = True) -> Run:
    """Read every path as a part of one run and merge the parts (see module docstring)."""
    if not paths:
        raise fail("<none>", "readers.error.no_path")
    jobs: list = []
    skipped: list = []
    errors: list = []
    for p in map(Path, paths):
        problem = _unusable(p)
        if problem is not None:
            errors.append(problem)
            skipped.append(_skip(p, kind_of(p), problem.reason))
        elif p.is_dir():
            found = walk(p, skipped=skipped)
            if not found:
                errors.append(fail(p, "readers.error.no_artifact"))
                skipped.append(_skip(p, InputKind.UNKNOWN, t("readers.error.no_artifact", "en")))
            jobs.extend((f.reader, f.path, False) for f in found)
        else:
            try:
                reader = pick_reader(p)
                if reader is None:
                    read_text_head(p)  # the specific reason when there is one (empty, binary)
                    raise fail(p, "readers.error.unknown_format")
            except InputError as exc:
                errors.append(exc)
                reason = _kind_reason(p) or exc.reason
                skipped.append(_skip(p, kind_of(p), reason))
                continue
            jobs.append((reader, p, True))
    parts = _read_all(jobs, skipped, errors)
    run = merge_runs(parts) if parts else Run()
    run.path = str(paths[0])
    if not run.series and not run.events:
        raise _nothing_read(paths, parts, errors)
    run.sources.extend(skipped)
    if references:
        for p in paths:
            if Path(p).is_dir():
                run.references.extend(_read_references(Path(p)))
    recover_steps(run)
    run.config.derive()
    return run


def _unusable(p: Path) -> Optional[InputError]:
    """Why a named path cannot be opened at all (missing, a link loop, a pipe or device), or None."""
    try:
        st = p.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return fail(p, "readers.error.symlink_loop")
        return fail(p, "readers.error.missing")
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        return fail(p, "readers.error.not_a_file")  # a FIFO would block the first read forever
    return None


def _kind_reason(p: Path) -> Optional[str]:
    kind = kind_of(p)
    if kind is InputKind.CHECKPOINT:
        return t("readers.note.kind_checkpoint", "en")
    if kind is InputKind.DOCUMENT:
        return t("readers.error.document", "en")
    return None


def _skip(path: Path, kind: InputKind, why: str) -> SourceInfo:
    return SourceInfo(
        path=str(path), format=kind.value, role=kind, skipped=True, notes=[msg("readers.note.skipped", why=why)]
    )


def _nothing_read(paths: list, parts: list, errors: list) -> InputError:
    """The one error when no path gave metrics: a single path's own reason, else each path's."""
    if len(paths) == 1 and Path(paths[0]).is_dir():
        return fail(paths[0], "readers.error.no_artifact")
    if len(paths) == 1 and errors:
        return errors[0]
    if len(paths) == 1:
        return fail(paths[0], "readers.error.no_numbers")
    why = "; ".join(f"{Path(e.path).name}: {e.reason}" for e in errors[:NAMED_SKIPS]) or t(
        "readers.error.no_numbers", "en"
    )
    read = sum(1 for part in parts for s in part.sources if not s.series)
    key = "readers.error.no_metrics_read" if read else "readers.error.nothing_read"
    return InputError(paths[0], t(key, "en", count=len(paths), read=read, why=why))


def _read_all(jobs: list, skipped: list, errors: list) -> list:
    """Read structured metric files first, then text logs (their config is what the run recorded), then launch
    scripts (what the user set), then other configuration sources (which may hold library defaults). The first
    source to set a config key keeps it, and the report lists the sources in this order. A file that cannot be read
    is skipped with a note naming it and why."""

    def order(job) -> int:
        reader, path, _ = job
        if reader.kind != "config":
            return 1 if reader.name in TEXT_FORMATS else 0
        return 2 if path.suffix.lower() in LAUNCH_SUFFIXES else 3

    parts = []
    for reader, path, _explicit in sorted(jobs, key=order):  # stable: the user's order within each kind
        try:
            part = reader.read(path)
        except InputError as exc:
            errors.append(exc)
            kind = kind_of(path)
            skipped.append(_skip(path, kind if kind is not InputKind.UNKNOWN else kind_of(path, reader), exc.reason))
            continue
        for s in part.sources:
            if s.role is InputKind.METRICS and reader.kind == "config":
                s.role = InputKind.CONFIG
        parts.append(part)
    return parts


def walk(root: Path, warnings: Optional[list] = None, *, skipped: Optional[list] = None) -> list:
    """The artifacts under ``root`` (:class:`Found`): claimed directories and the loose files left. Files that are
    not read (weights, documents, files no reader knows, broken files) are noted in ``skipped``."""
    found: list = []
    owners: list = []  # (directory, reader) whose owns() says which paths below it were already read
    unread: dict = {}  # (folder, kind) -> [names]
    seen_files = 0
    stack = [(root, 0)]
    while stack:
        directory, depth = stack.pop()
        reader = pick_reader(directory, directory=True)
        if reader is not None:
            found.append(Found(reader, directory))
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
                is_file = entry.is_file()  # follows a link; a link loop or a dangling link is no file
            except OSError:
                is_dir = is_file = False
            if is_dir:
                if entry.name not in SKIP_DIRS and not entry.name.startswith(".") and depth < MAX_DEPTH:
                    subdirs.append((path, depth + 1))
                continue
            if entry.name.startswith("."):
                continue
            if not is_file or path.suffix.lower() in SKIP_SUFFIXES:
                kind = kind_of(path) if is_file else InputKind.UNKNOWN
                unread.setdefault((directory, kind), []).append(entry.name)
                continue
            seen_files += 1
            if seen_files > MAX_FILES:
                if warnings is not None:
                    warnings.append(t("readers.warn.walk_limit", "en", path=str(root), count=MAX_FILES))
                if skipped is not None:
                    skipped.append(
                        _skip(
                            root, InputKind.UNKNOWN, t("readers.warn.walk_limit", "en", path=str(root), count=MAX_FILES)
                        )
                    )
                return found
            try:
                file_reader = pick_reader(path)
            except InputError:
                file_reader = None
            if file_reader is not None:
                found.append(Found(file_reader, path))
            else:
                unread.setdefault((directory, kind_of(path)), []).append(entry.name)
        stack.extend(reversed(subdirs))
    if skipped is not None:
        skipped.extend(_unread_notes(unread))
    return found


def _unread_notes(unread: dict) -> list:
    """One note per skipped file, up to a few per folder and kind; the rest counted in one more note."""
    out = []
    for (directory, kind), names in unread.items():
        why = _kind_reason(directory / names[0]) or t("readers.note.kind_unknown", "en")
        for name in names[:NAMED_SKIPS]:
            out.append(_skip(directory / name, kind, why))
        if len(names) > NAMED_SKIPS:
            rest = names[NAMED_SKIPS:]
            info = SourceInfo(
                path=str(directory),
                format=kind.value,
                role=kind,
                skipped=True,
                notes=[
                    msg(
                        "readers.note.skipped_many",
                        count=len(rest),
                        path=str(directory),
                        names=rest[:3] + (["..."] if len(rest) > 3 else []),
                    )
                ],
            )
            out.append(info)
    return out


def _owned(path: Path, owners: list) -> bool:
    for directory, reader in owners:
        try:
            if reader.owns(directory, path):
                return True
        except OSError:
            continue
    return False


def recover_steps(run: Run) -> None:
    """Console logs that print no step (the Trainer's dicts) number their logging events; with the run's
    ``logging_steps`` the Nth event is step N x logging_steps."""
    every = run.config.get("logging_steps")
    if not isinstance(every, (int, float)) or every <= 0:
        return
    recovered: dict = {}
    for name, s in list(run.series.items()):
        if s.has_step or not np.isfinite(s.order).all() or s.axis != "index":
            continue
        run.series[name] = Series(s.name, s.values, s.order * float(every), s.epoch, s.label, s.source, s.order)
        recovered.setdefault(s.source, []).append(name)
    for src in run.sources:
        if src.path in recovered:
            src.notes.append(msg("readers.note.steps_from_logging", series=list(recovered[src.path]), every=every))


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
