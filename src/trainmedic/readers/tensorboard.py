"""TensorBoard event files (``events.out.tfevents.*``), read with the tensorboard package's own loader.

Scalars (``simple_value``, what ``torch.utils.tensorboard`` writes) and scalar tensor summaries (what TF2 and the
newer writers emit) become series by tag; ``Loss/train`` and ``train/loss`` both become ``train/loss``. A log dir may
hold several event files, and ``add_scalars("loss", {"train": ..., "val": ...})`` writes sub-folders
``loss_train/``, ``loss_val/`` whose tag is ``loss``: those become ``loss/train`` and ``loss/val``. A scalar tagged
``epoch`` (Lightning's TensorBoardLogger writes one) gives the epoch axis. The package is imported only here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..run import Run
from . import Reader, register
from .checks import fail
from .columns import SeriesBuilder, default_rename

FORMAT = "tensorboard"
MARKER = "tfevents"
EPOCH_TAGS = {"epoch", "epochs", "trainer/epoch"}


def is_event_file(path: Path) -> bool:
    return MARKER in path.name and path.is_file()


def _label(tag: str, event_file: Path, logdir: Path) -> str:
    """The series label for a tag, restoring the key of ``add_scalars`` from its sub-folder name."""
    folder = event_file.parent
    if folder != logdir:
        prefix = tag.replace("/", "_") + "_"
        if folder.name.startswith(prefix) and len(folder.name) > len(prefix):
            return f"{tag}/{folder.name[len(prefix):]}"
    return tag


def _scalars(path: Path) -> dict:
    """tag -> (steps, values) lists from one event file."""
    try:
        from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
        from tensorboard.compat.proto import event_pb2
        from tensorboard.util import tensor_util
    except ImportError:
        raise fail(path, "readers.error.tb_missing") from None
    out: dict = {}
    parse = event_pb2.Event.FromString
    try:
        # The raw loader: the package's record reader without the per-event migration of every simple_value into a
        # tensor proto and back, which cost three quarters of the time; tensors are still decoded by the package.
        for record in RawEventFileLoader(str(path)).Load():
            event = parse(record)
            if not event.HasField("summary"):
                continue
            for v in event.summary.value:
                kind = v.WhichOneof("value")
                if kind == "simple_value":
                    value = float(v.simple_value)
                elif kind == "tensor":
                    arr = tensor_util.make_ndarray(v.tensor)
                    if arr.size != 1 or arr.dtype.kind not in "fiub":
                        continue
                    value = float(arr.reshape(-1)[0])
                else:
                    continue
                steps, values = out.setdefault(v.tag, ([], []))
                steps.append(float(event.step))
                values.append(value)
    except Exception as exc:  # noqa: BLE001 - the loader raises protobuf/tf errors for damaged files
        raise fail(path, "readers.error.tb_unreadable", detail=type(exc).__name__) from None
    return out


def read_files(files: list, logdir: Path, source: Path) -> Run:
    """Read event files of one log dir into one Run."""
    tags: dict = {}
    for f in files:
        for tag, (steps, values) in _scalars(f).items():
            label = _label(tag, f, logdir)
            s, v = tags.setdefault(label, ([], []))
            s.extend(steps)
            v.extend(values)
    epoch_map = None
    for tag in list(tags):
        if tag.strip().lower() in EPOCH_TAGS:
            s, v = tags.pop(tag)
            order = np.argsort(s, kind="stable")
            epoch_map = (np.asarray(s)[order], np.asarray(v)[order])
    builder = SeriesBuilder(str(source), rename=default_rename)
    for label, (steps, values) in tags.items():
        step = np.asarray(steps, dtype=np.float64)
        epoch = None
        if epoch_map is not None and len(epoch_map[0]):
            epoch = np.interp(step, epoch_map[0], epoch_map[1], left=np.nan, right=epoch_map[1][-1])
        builder.add(label, np.asarray(values, dtype=np.float64), step, epoch)
    run = builder.to_run(str(source), FORMAT)
    if not run.series:
        raise fail(source, "readers.error.no_numbers")
    return run


def event_files(directory: Path) -> list:
    """Event files of a log dir and of its ``add_scalars`` sub-folders (one level down)."""
    found = [p for p in sorted(directory.iterdir()) if is_event_file(p)]
    for sub in sorted(p for p in directory.iterdir() if p.is_dir()):
        found.extend(p for p in sorted(sub.iterdir()) if is_event_file(p))
    return found


def read_dir(directory: Path) -> Run:
    run = read_files(event_files(directory), directory, directory)
    hparams = directory / "hparams.yaml"
    if hparams.is_file():  # Lightning's TensorBoardLogger writes its hyperparameters beside the events
        from .lightning import read_hparams

        read_hparams(hparams, run)
    return run


def read_file(path: Path) -> Run:
    return read_files([path], path.parent, path)


def sniff_file(path: Path, head: bytes) -> float:
    return 0.95 if MARKER in path.name else 0.0


def sniff_dir(path: Path, head: bytes) -> float:
    try:
        return 0.85 if any(is_event_file(p) for p in path.iterdir()) else 0.0
    except OSError:
        return 0.0


def owns(directory: Path, path: Path) -> bool:
    """Event files (here and in add_scalars sub-folders), those sub-folders, and Lightning's hparams.yaml."""
    if path.parent == directory and path.name == "hparams.yaml":
        return True
    if path.parent == directory and path.is_dir():
        try:
            return any(is_event_file(p) for p in path.iterdir())
        except OSError:
            return False
    return MARKER in path.name and directory in (path.parent, path.parent.parent)


register(Reader(FORMAT, sniff_file, read_file))
register(Reader(FORMAT, sniff_dir, read_dir, directory=True, owns=owns))
