"""TensorBoard event files (``events.out.tfevents.*``): records framed and CRC-checked by :mod:`.tensorboard_records`,
``Event`` protobufs parsed with tensorboard's generated classes, points kept in arrays.

Scalars (``simple_value``, what ``torch.utils.tensorboard`` writes) and scalar tensor summaries (what TF2 and the
newer writers emit) become series by tag; ``Loss/train`` and ``train/loss`` both become ``train/loss``. A log dir may
hold several event files, and ``add_scalars("loss", {"train": ..., "val": ...})`` writes sub-folders
``loss_train/``, ``loss_val/`` whose tag is ``loss``: those become ``loss/train`` and ``loss/val``. A scalar tagged
``epoch`` (Lightning's TensorBoardLogger writes one) gives the epoch axis. Damaged records are skipped and the
source's notes say how much was lost. The package is imported only here.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np

from ..i18n import msg
from ..run import Run
from . import Reader, register
from .checks import fail
from .columns import SeriesBuilder, default_rename

FORMAT = "tensorboard"
MARKER = "tfevents"
EPOCH_TAGS = {"epoch", "epochs", "trainer/epoch"}


def is_event_file(path: Path) -> bool:
    """A TensorBoard event file (``events.out.tfevents.*``)."""
    return MARKER in path.name and path.is_file()


def _label(tag: str, event_file: Path, logdir: Path) -> str:
    """The series label for a tag, restoring the key of ``add_scalars`` from its sub-folder name."""
    folder = event_file.parent
    if folder != logdir:
        prefix = tag.replace("/", "_") + "_"
        if folder.name.startswith(prefix) and len(folder.name) > len(prefix):
            return f"{tag}/{folder.name[len(prefix) :]}"
    return tag


def _scalars(path: Path, start: int = 0) -> tuple:
    """(tag -> (steps, values) arrays, the file's RecordScan) from one event file, from the record at ``start``."""
    try:
        from google.protobuf.message import DecodeError
        from tensorboard.compat.proto import event_pb2, types_pb2

        from .tensorboard_records import RecordScan
    except ImportError:
        raise fail(path, "readers.error.tb_missing") from None
    out: dict = {}
    scan = RecordScan()
    parse = event_pb2.Event.FromString
    dt_float, dt_double = types_pb2.DT_FLOAT, types_pb2.DT_DOUBLE
    try:
        for batch in scan.batches(str(path), start):
            for record in batch:
                try:
                    event = parse(record)
                except DecodeError:
                    scan.bad_records += 1
                    continue
                values = event.summary.value  # empty for events without a summary (file version, graphs)
                if not values:
                    continue
                step = event.step
                for v in values:
                    if v.HasField("simple_value"):
                        value = v.simple_value
                    elif v.HasField("tensor"):
                        value = _tensor_scalar(v.tensor, dt_float, dt_double)
                        if value is None:
                            continue
                    else:
                        continue
                    col = out.get(v.tag)
                    if col is None:
                        col = out[v.tag] = (array("d"), array("d"))
                    col[0].append(step)
                    col[1].append(value)
    except OSError as exc:
        raise fail(path, "readers.error.unreadable", detail=exc.strerror or type(exc).__name__) from None
    if not scan.records and scan.damaged:
        raise fail(path, "readers.error.tb_unreadable", detail="no record with a valid checksum")
    return out, scan


def _tensor_scalar(t, dt_float: int, dt_double: int):
    """The value of a one-element numeric tensor summary (TF2 writers), else None."""
    if t.dtype == dt_float and len(t.float_val) == 1 and not t.tensor_content:
        return t.float_val[0]
    if t.dtype == dt_double and len(t.double_val) == 1 and not t.tensor_content:
        return t.double_val[0]
    from tensorboard.util import tensor_util  # other dtypes and packed contents: the package decodes them

    try:
        arr = tensor_util.make_ndarray(t)
    except (ValueError, TypeError):
        return None
    if arr.size != 1 or arr.dtype.kind not in "fiub":
        return None
    return float(arr.reshape(-1)[0])


def read_files(files: list, logdir: Path, source: Path) -> Run:
    """Read event files of one log dir into one Run."""
    tags: dict = {}
    damage: list = []
    for f in files:
        scalars, scan = _scalars(f)
        if scan.damaged:
            damage.append(msg("safety.tb.damaged", path=str(f), records=scan.bad_records, bytes=scan.skipped_bytes))
        for tag, (steps, values) in scalars.items():
            tags.setdefault(_label(tag, f, logdir), []).append((steps, values))
    columns = {
        label: (
            np.concatenate([np.frombuffer(s, dtype=np.float64) for s, _ in parts]),
            np.concatenate([np.frombuffer(v, dtype=np.float64) for _, v in parts]),
        )
        for label, parts in tags.items()
    }
    epoch_map = None
    for tag in list(columns):
        if tag.strip().lower() in EPOCH_TAGS:
            s, v = columns.pop(tag)
            order = np.argsort(s, kind="stable")
            epoch_map = (s[order], v[order])
    builder = SeriesBuilder(str(source), rename=default_rename)
    for label, (step, values) in columns.items():
        epoch = None
        if epoch_map is not None and len(epoch_map[0]):
            epoch = np.interp(step, epoch_map[0], epoch_map[1], left=np.nan, right=epoch_map[1][-1])
        builder.add(label, values, step, epoch)
    run = builder.to_run(str(source), FORMAT)
    if not run.series:
        raise fail(source, "readers.error.no_numbers")
    run.sources[0].notes.extend(damage)
    return run


def read_from(path: Path, start: int, logdir: Path) -> tuple:
    """(label -> (steps, values), the offset after the last complete record) of the scalars in the records of one
    event file from offset ``start`` on: how ``trainmedic watch`` follows a file that is still being written. Labels
    are those :func:`read_files` gives (``logdir``: the log dir the file belongs to); the ``epoch`` scalar is left
    out, as it is only an axis there."""
    scalars, scan = _scalars(path, start)
    out = {}
    for tag, (steps, values) in scalars.items():
        label = _label(tag, path, logdir)
        if label.strip().lower() not in EPOCH_TAGS:
            out[label] = (np.frombuffer(steps, dtype=np.float64), np.frombuffer(values, dtype=np.float64))
    return out, scan.end


def event_files(directory: Path) -> list:
    """Event files of a log dir and of its ``add_scalars`` sub-folders (one level down)."""
    found = [p for p in sorted(directory.iterdir()) if is_event_file(p)]
    for sub in sorted(p for p in directory.iterdir() if p.is_dir()):
        found.extend(p for p in sorted(sub.iterdir()) if is_event_file(p))
    return found


def read_dir(directory: Path) -> Run:
    """Every event file of a log folder (``add_scalars`` sub-folders included), with Lightning's ``hparams.yaml``."""
    run = read_files(event_files(directory), directory, directory)
    hparams = directory / "hparams.yaml"
    if hparams.is_file():  # Lightning's TensorBoardLogger writes its hyperparameters beside the events
        from .lightning import read_hparams

        read_hparams(hparams, run)
    return run


def read_file(path: Path) -> Run:
    """One event file, as a Run."""
    return read_files([path], path.parent, path)


def sniff_file(path: Path, head: bytes) -> float:
    """An event file, by its name."""
    return 0.95 if MARKER in path.name else 0.0


def sniff_dir(path: Path, head: bytes) -> float:
    """A folder holding event files."""
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
