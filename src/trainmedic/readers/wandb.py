"""Weights & Biases offline run folders: ``wandb/offline-run-*/`` (and synced ``run-*`` folders).

The metric history is ``files/wandb-history.jsonl`` when the folder has one; otherwise it is read from the binary
``run-*.wandb`` transaction log. That file is a LevelDB-style log (a 7-byte ``:W&B`` header, then 32 KiB blocks of
checksummed records, a record possibly split across blocks) whose records are ``wandb.proto`` ``Record`` messages;
the framing is walked here and each record is decoded by wandb's own protobuf classes (imported lazily). The config
comes from ``files/config.yaml`` or the run record.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Optional

from ..run import Run
from . import Reader, register
from .checks import fail
from .columns import SeriesBuilder
from .hparams import apply_hparams
from .table import TableBuilder, read_jsonl

FORMAT = "wandb"
MAGIC = b":W&B"
HEADER_LEN = 7  # ":W&B", a 2-byte key, a 1-byte version
BLOCK = 32768
RECORD_HEADER = 7  # crc32c (4), length (2), type (1)
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
MAX_BYTES = 2 << 30  # refuse a transaction log over 2 GiB rather than read it into memory


def records(data: bytes):
    """The payloads of a ``.wandb`` log, reassembled across blocks."""
    pos, pending = HEADER_LEN, b""
    while pos + RECORD_HEADER <= len(data):
        room = BLOCK - pos % BLOCK
        if room < RECORD_HEADER:
            pos += room  # the rest of a block too short for a header is padding
            continue
        _crc, length, kind = struct.unpack_from("<IHB", data, pos)
        pos += RECORD_HEADER
        chunk = data[pos : pos + length]
        pos += length
        if kind == FULL:
            yield chunk
        elif kind == FIRST:
            pending = chunk
        elif kind == MIDDLE:
            pending += chunk
        elif kind == LAST:
            yield pending + chunk
            pending = b""
        else:
            return  # zero padding at the end of a log still being written, or damage


def _key(item) -> str:
    return "/".join(item.nested_key) if item.nested_key else item.key


def read_transaction_log(path: Path, run_dir: Optional[Path] = None) -> Run:
    """Read history and config from a binary ``run-*.wandb`` file."""
    try:
        from wandb.proto import wandb_internal_pb2 as pb
    except ImportError:
        raise fail(path, "readers.error.wandb_missing") from None
    try:
        if path.stat().st_size > MAX_BYTES:
            raise fail(path, "readers.error.unreadable", detail="file too large")
        data = path.read_bytes()
    except OSError as exc:
        raise fail(path, "readers.error.unreadable", detail=exc.strerror or str(exc)) from None
    if not data.startswith(MAGIC):
        raise fail(path, "readers.error.wandb_no_history")
    rows: list = []
    config: dict = {}
    for payload in records(data):
        rec = pb.Record()
        try:
            rec.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - protobuf's DecodeError; a damaged record is skipped
            continue
        kind = rec.WhichOneof("record_type")
        if kind == "history":
            row = {_key(i): _json(i.value_json) for i in rec.history.item}
            if "_step" not in row and rec.history.HasField("step"):
                row["_step"] = rec.history.step.num
            rows.append(row)
        elif kind in ("run", "config"):
            updates = rec.run.config.update if kind == "run" else rec.config.update
            config.update({_key(u): _json(u.value_json) for u in updates})
    builder = SeriesBuilder(str(run_dir or path))
    TableBuilder(builder).add_chunk(*_columns(rows))
    run = builder.to_run(str(run_dir or path), FORMAT)
    if not run.series:
        raise fail(run_dir or path, "readers.error.wandb_no_history")
    apply_hparams({k: v for k, v in config.items() if not k.startswith("_")}, run.config, str(path))
    return run


def _json(text: str):
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _columns(rows: list) -> tuple:
    header = list(dict.fromkeys(k for r in rows for k in r))
    return header, [[r.get(k) for r in rows] for k in header]


def _config_yaml(run_dir: Path, run: Run) -> None:
    path = run_dir / "files" / "config.yaml"
    if not path.is_file():
        return
    from .lightning import load_yaml

    try:
        data = load_yaml(path)
    except Exception as exc:  # noqa: BLE001 - a broken config does not hide the metrics
        run.warnings.append(str(exc))
        return
    plain = {
        k: (v.get("value") if isinstance(v, dict) and "value" in v else v)
        for k, v in data.items()
        if not str(k).startswith("_")
    }
    apply_hparams(plain, run.config, str(path))


def read_run_dir(run_dir: Path) -> Run:
    """Read one W&B run folder."""
    history = run_dir / "files" / "wandb-history.jsonl"
    logs = sorted(run_dir.glob("run-*.wandb"))
    if history.is_file():
        run = read_jsonl(history)
        run.sources[0].format = FORMAT
    elif logs:
        run = read_transaction_log(logs[-1], run_dir)
    else:
        raise fail(run_dir, "readers.error.wandb_no_history")
    _config_yaml(run_dir, run)
    run.path = str(run_dir)
    return run


def _run_dirs(path: Path) -> list:
    try:
        return sorted(p for p in path.iterdir() if p.is_dir() and p.name.startswith(("offline-run-", "run-")))
    except OSError:
        return []


def _is_run_dir(path: Path) -> bool:
    return (path / "files" / "wandb-history.jsonl").is_file() or any(path.glob("run-*.wandb"))


def read_dir(path: Path) -> Run:
    """A W&B run folder, or the latest run of a ``wandb`` folder, as a Run."""
    if _is_run_dir(path):
        return read_run_dir(path)
    latest = path / "latest-run"
    if latest.is_dir() and _is_run_dir(latest):
        return read_run_dir(latest.resolve())
    runs = [p for p in _run_dirs(path) if _is_run_dir(p)]
    if not runs:
        raise fail(path, "readers.error.wandb_no_history")
    return read_run_dir(runs[-1])  # names carry the start time, so the last is the newest


def sniff_dir(path: Path, head: bytes) -> float:
    """A W&B run folder, or a ``wandb`` folder holding one."""
    if _is_run_dir(path):
        return 0.9
    if path.name == "wandb" and any(_is_run_dir(p) for p in _run_dirs(path)):
        return 0.85
    return 0.0


def sniff_file(path: Path, head: bytes) -> float:
    """A binary W&B run file (``run-*.wandb``), by its header."""
    return 0.95 if head.startswith(MAGIC) else 0.0


def read_file(path: Path) -> Run:
    """A binary W&B run file's history, as a Run."""
    return read_transaction_log(path)


register(Reader(FORMAT, sniff_file, read_file))
register(Reader(FORMAT, sniff_dir, read_dir, directory=True))
