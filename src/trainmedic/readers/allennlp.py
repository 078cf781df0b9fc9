"""AllenNLP serialization folders: ``metrics_epoch_N.json`` (format ``allennlp``), one file per epoch.

Each file holds the epoch's ``training_<metric>`` and ``validation_<metric>`` values (and the run's best so far, its
memory and durations, which are not curves). The folder's ``metrics.json`` restates the best and the last epoch once
training ends: it is a summary, noted and not read as points, and ``config.json`` is read by the configuration reader.
Epochs keep the file's numbering (``"epoch": 0`` is the first).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..i18n import msg
from ..names import is_bookkeeping, normalise
from ..run import InputKind, Run, SourceInfo
from . import Reader, register
from .checks import fail, read_text_head
from .columns import SeriesBuilder, parse_number

FORMAT = "allennlp"
_EPOCH_FILE = re.compile(r"^metrics_epoch_(\d+)\.json$")
_SPLITS = {"training_": "train", "validation_": "eval", "test_": "eval"}
# Keys of the run, not of the epoch's curves.
_NOT_CURVES = ("best_", "peak_")
_RUN_KEYS = {"training_start_epoch", "training_epochs", "training_duration", "epoch"}
# Keys that make a JSON object the run's final summary.
_SUMMARY_KEYS = {"best_epoch", "training_duration"}
MAX_BYTES = 1 << 20  # one epoch's metrics are a few hundred bytes


def _load(path: Path) -> dict:
    read_text_head(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise fail(path, "readers.error.config_too_large", size=f"{path.stat().st_size:,}")
        data = json.loads(path.read_text(encoding="utf-8-sig", errors="replace"))
    except (ValueError, RecursionError) as exc:
        raise fail(path, "readers.error.bad_json", detail=str(exc).splitlines()[0]) from None
    except OSError as exc:
        raise fail(path, "readers.error.unreadable", detail=exc.strerror or str(exc)) from None
    if not isinstance(data, dict):
        raise fail(path, "readers.error.no_numbers")
    return data


def read_epoch(path: Path) -> Run:
    """One ``metrics_epoch_N.json``: the epoch's training and validation values at epoch N."""
    data = _load(path)
    m = _EPOCH_FILE.match(path.name)
    epoch = parse_number(data.get("epoch"))
    if epoch is None:
        epoch = float(m.group(1)) if m else None
    builder = SeriesBuilder(str(path))
    for key, raw in data.items():
        if (
            key.startswith(_NOT_CURVES)
            or key in _RUN_KEYS
            or not isinstance(raw, (int, float))
            or isinstance(raw, bool)
        ):
            continue
        split = next((s for prefix, s in _SPLITS.items() if key.startswith(prefix)), None)
        if split is None:
            continue
        name = normalise(key.split("_", 1)[1], default_split=split)
        if not is_bookkeeping(name.split("/")[-1]):
            value = parse_number(raw)
            builder.add_point(key, value, epoch=epoch if epoch is not None else float("nan"))
    run = builder.to_run(str(path), FORMAT)
    if not run.series:
        raise fail(path, "readers.error.no_numbers")
    return run


def read_summary(path: Path) -> Run:
    """The run's final ``metrics.json``: noted as a summary, not read as points."""
    run = Run(path=str(path))
    run.sources.append(
        SourceInfo(
            path=str(path), format=FORMAT, role=InputKind.METRICS, skipped=True, notes=[msg("readers.note.summary")]
        )
    )
    return run


def _is_summary(head: bytes) -> bool:
    return all(f'"{k}"'.encode() in head for k in _SUMMARY_KEYS)


def sniff_epoch(path: Path, head: bytes) -> float:
    """Sure of a file named ``metrics_epoch_N.json``."""
    return 0.9 if _EPOCH_FILE.match(path.name) else 0.0


def sniff_summary(path: Path, head: bytes) -> float:
    """A JSON object holding AllenNLP's whole-run summary keys (``best_epoch`` and ``training_duration``)."""
    return 0.5 if path.suffix.lower() == ".json" and head.lstrip().startswith(b"{") and _is_summary(head) else 0.0


register(Reader(FORMAT, sniff_epoch, read_epoch))
register(Reader("allennlp-summary", sniff_summary, read_summary))
