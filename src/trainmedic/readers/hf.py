"""Hugging Face Trainer: an output directory, a ``checkpoint-N`` folder, or a ``trainer_state.json``.

``log_history`` is streamed (see :mod:`.jsonstream`): entries are grouped by their set of keys (train entries, each
eval set's entries) and converted to numpy columns in chunks, so a million entries cost little more than their
numbers. Train entries give ``train/loss``, ``train/grad_norm``, ``train/lr``; eval entries ``eval/<metric>`` or,
with several eval datasets, ``eval/<name>/<metric>``. Each checkpoint folder becomes a ``checkpoint`` event; an early
stopping counter that reached its patience becomes an ``early_stop`` event.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, Optional

import numpy as np

from ..i18n import t
from ..run import Event, Run, unknown
from . import Reader, register
from .checks import fail, read_text_head
from .columns import SeriesBuilder, float_column
from .hfconfig import read_model_config, read_training_args, read_weight_count
from .jsonstream import JSONStreamError, read_object
from .merge import merge_runs

FORMAT = "hf-trainer"
STATE = "trainer_state.json"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")

# Keys of the final summary entry (whole-run averages and timings), not points of a curve.
_SUMMARY_KEYS = {"train_loss", "train_runtime", "train_samples_per_second", "train_steps_per_second", "total_flos"}


def checkpoint_number(path: Path) -> Optional[int]:
    """N for a ``checkpoint-N`` folder, else None."""
    m = _CHECKPOINT.match(path.name)
    return int(m.group(1)) if m else None


def checkpoints(directory: Path) -> list:
    """The ``checkpoint-N`` folders of an output directory, oldest first."""
    try:
        found = [p for p in directory.iterdir() if p.is_dir() and checkpoint_number(p) is not None]
    except OSError:
        return []
    return sorted(found, key=checkpoint_number)


def _consume_history(batches: Iterator[list]) -> dict:
    """Group log_history entries by their keys (in order); each batch of entries becomes one numpy block per group."""
    blocks: dict = {}
    for batch in batches:
        if not set(map(type, batch)) <= {dict} or not all(batch):
            batch = [e for e in batch if e.__class__ is dict and e]  # an empty entry holds no point
        groups: dict = {}
        for keys, run in groupby(batch, key=tuple):  # a dict's tuple is its keys: train and eval entries alternate
            entries = groups.get(keys)
            if entries is None:
                groups[keys] = list(run)
            else:
                entries.extend(run)
        for keys, entries in groups.items():
            blocks.setdefault(keys, []).append(_to_block(keys, entries))
    return blocks


def _to_block(keys: tuple, entries: list) -> list:
    """Entries of equal keys -> one (values, present) pair per key (see :func:`~.columns.float_column`)."""
    out = []
    for key in keys:
        get = itemgetter(key)
        if get(entries[0]).__class__ is not bool:
            try:  # numbers only, the common case: converted without a list in between
                values = np.fromiter(map(get, entries), np.float64, len(entries))
                out.append((values, np.ones(len(entries), dtype=bool)))
                continue
            except (TypeError, ValueError, OverflowError):
                pass
        out.append(float_column(list(map(get, entries))))
    return out


def _history_to_series(blocks: dict, builder: SeriesBuilder) -> int:
    entries = 0
    builder.know({k for keys in blocks for k in keys})
    for keys, parts in blocks.items():
        is_summary = bool(_SUMMARY_KEYS & set(keys)) and "loss" not in keys
        idx_step = keys.index("step") if "step" in keys else None
        idx_epoch = keys.index("epoch") if "epoch" in keys else None
        for cols in parts:
            n = len(cols[0][0])
            entries += n
            step = _axis(cols, idx_step, n)
            epoch = _axis(cols, idx_epoch, n)
            for i, key in enumerate(keys):
                if i in (idx_step, idx_epoch) or (is_summary and key in _SUMMARY_KEYS):
                    continue
                values, present = cols[i]
                builder.add(key, values, step, epoch, present, order=unknown(n))
    return entries


def _axis(cols: list, idx: Optional[int], n: int) -> np.ndarray:
    if idx is None:
        return np.full(n, np.nan)
    values, present = cols[idx]
    return np.where(present, values, np.nan)


def run_from_log_history(entries: list, source: str) -> Run:
    """A Run from a ``log_history`` already in memory (a checkpoint's state), read as :func:`read_state` reads it."""
    blocks = _consume_history([entries])
    builder = SeriesBuilder(source, default_split="train")
    _history_to_series(blocks, builder)
    return builder.to_run(source, FORMAT)


def read_state(path: Path) -> Run:
    """Read one ``trainer_state.json``: series, early stopping, and the config the state records."""
    read_text_head(path)
    try:
        state = read_object(path, {"log_history": _consume_history})
    except (JSONStreamError, ValueError) as exc:  # ValueError: an integer of more than 4300 digits
        raise fail(path, "readers.error.bad_json", detail=str(exc).splitlines()[0]) from None
    except OSError as exc:
        raise fail(path, "readers.error.unreadable", detail=exc.strerror or str(exc)) from None
    blocks = state.get("log_history")
    if not isinstance(blocks, dict) or not all(isinstance(k, tuple) for k in blocks):  # a list was streamed
        raise fail(path, "readers.error.hf_not_state")
    builder = SeriesBuilder(str(path), default_split="train")
    _history_to_series(blocks, builder)
    run = builder.to_run(str(path), FORMAT)
    if not run.series:
        summary = _summary_loss(blocks)
        if summary is None:  # a run that stopped before its first log: nothing to diagnose from this file
            raise fail(path, "readers.error.no_numbers")
        # A finished run whose logging interval exceeded its length logs only the end-of-run summary: a healthy
        # artifact with no curve, so the report says there is nothing to judge instead of refusing the file.
        run.warnings.append(t("readers.note.summary_only", "en", path=path.name, loss=f"{summary:.4g}"))
        run.events.append(_end_event(state, str(path), {"train_loss": summary}))
    elif _stop_requested(state):  # the Trainer's control says training stops (max_steps reached, early stopping)
        run.events.append(_end_event(state, str(path), {"should_training_stop": True}))
    _state_config(state, run, str(path))
    _early_stop(state, run, str(path))
    return run


def _end_event(state: dict, source: str, data: dict) -> Event:
    """The end of training, at the state's global step and epoch."""
    step, epoch = state.get("global_step"), state.get("epoch")
    return Event(
        kind="end",
        step=float(step) if isinstance(step, (int, float)) else None,
        epoch=float(epoch) if isinstance(epoch, (int, float)) else None,
        data=data,
        source=source,
    )


def _stop_requested(state: dict) -> bool:
    """Whether the Trainer's saved control says ``should_training_stop``."""
    control = _callback_state(state, "TrainerControl")
    return bool(((control or {}).get("args") or {}).get("should_training_stop"))


def _summary_loss(blocks: dict) -> Optional[float]:
    """The mean train loss of the end-of-run summary entry (``train_loss`` with ``train_runtime``), if one was logged."""
    for keys, parts in blocks.items():
        if "train_loss" in keys and "train_runtime" in keys and "loss" not in keys:
            values, present = parts[-1][keys.index("train_loss")]
            if present.any() and np.isfinite(values[present][-1]):
                return float(values[present][-1])
    return None


def _state_config(state: dict, run: Run, source: str) -> None:
    cfg = run.config
    cfg.set("per_device_batch", _positive(state.get("train_batch_size")), source)
    for key in ("logging_steps", "eval_steps", "save_steps", "max_steps"):
        cfg.set(key, _positive(state.get(key)), source)
    cfg.set("num_epochs", _positive(state.get("num_train_epochs")), source)
    for key in ("best_model_checkpoint", "best_metric", "best_global_step", "global_step"):
        if state.get(key) is not None and not isinstance(state.get(key), (dict, list)):
            cfg.set(key, state[key], source)
    es = _callback_state(state, "EarlyStoppingCallback")
    if es:
        args, attrs = es.get("args") or {}, es.get("attributes") or {}
        cfg.set("early_stopping_patience", args.get("early_stopping_patience"), source)
        cfg.set("early_stopping_threshold", args.get("early_stopping_threshold"), source)
        cfg.set("early_stopping_counter", attrs.get("early_stopping_patience_counter"), source)


def _positive(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _callback_state(state: dict, name: str) -> Optional[dict]:
    callbacks = state.get("stateful_callbacks")
    if not isinstance(callbacks, dict):
        return None
    cb = callbacks.get(name)
    if isinstance(cb, list):  # several instances of one callback are saved as a list
        cb = cb[-1] if cb else None
    return cb if isinstance(cb, dict) else None


def _early_stop(state: dict, run: Run, source: str) -> None:
    es = _callback_state(state, "EarlyStoppingCallback")
    if not es:
        return
    patience = (es.get("args") or {}).get("early_stopping_patience")
    counter = (es.get("attributes") or {}).get("early_stopping_patience_counter")
    stopped = _stop_requested(state)
    if isinstance(patience, int) and isinstance(counter, int) and patience > 0 and counter >= patience and stopped:
        step, epoch = state.get("global_step"), state.get("epoch")
        run.events.append(
            Event(
                kind="early_stop",
                step=float(step) if isinstance(step, (int, float)) else None,
                epoch=float(epoch) if isinstance(epoch, (int, float)) else None,
                data={"patience": patience, "counter": counter},
                source=source,
            )
        )


def _newest_checkpoint_state(ckpts: list) -> Optional[Path]:
    return next((c / STATE for c in reversed(ckpts) if (c / STATE).is_file()), None)


def read_dir(directory: Path) -> Run:
    """Read an output directory or a checkpoint folder.

    The top-level state (written when training ends) is read; the newest checkpoint's state is read instead when
    there is none, and as well when it is newer (a resumed run that checkpointed past the last saved state).
    """
    if checkpoint_number(directory) is not None and (directory / STATE).is_file():
        ckpts, top, newest = [], directory / STATE, None
    else:
        ckpts = checkpoints(directory)
        top = directory / STATE if (directory / STATE).is_file() else None
        newest = _newest_checkpoint_state(ckpts)
    if top is None and newest is None:
        raise fail(directory, "readers.error.hf_no_state")
    parts = [read_state(top)] if top is not None else []
    done = parts[0].config.get("global_step") or 0 if parts else -1
    if newest is not None and checkpoint_number(newest.parent) > done:
        parts.append(read_state(newest))
        parts[-1].sources[0].notes.append(
            t("readers.note.newest_checkpoint", "en", checkpoint=newest.parent.name, count=len(ckpts))
        )
    parts.sort(key=lambda r: -(r.config.get("global_step") or 0))
    run = merge_runs(parts)
    run.path = str(directory)
    for c in ckpts:
        run.events.append(
            Event(kind="checkpoint", step=float(checkpoint_number(c)), data={"path": str(c)}, source=str(c))
        )
    states = [p for p in (top, newest) if p is not None]
    _read_companions([directory] + [p.parent for p in states if p.parent != directory], run)
    return run


def _read_companions(folders: list, run: Run) -> None:
    """training_args.bin, config.json and the weights' parameter count from the first folder that has each."""
    for folder in folders:
        args = folder / "training_args.bin"
        if args.is_file():
            run.sources[0].notes.append(read_training_args(args, run.config))
            break
    for folder in folders:
        cfg = folder / "config.json"
        if cfg.is_file() and read_model_config(cfg, run.config):
            run.sources[0].notes.append(t("readers.note.model_config", "en", path=str(cfg)))
            break
    for folder in folders:
        if read_weight_count(folder, run.config):
            break


def read_file(path: Path) -> Run:
    """Read a ``trainer_state.json`` given by name, with the companions in its folder."""
    run = read_state(path)
    _read_companions([path.parent], run)
    return run


def sniff_file(path: Path, head: bytes) -> float:
    """A ``trainer_state.json``, or a JSON file with a Trainer ``log_history``."""
    if path.name == STATE:
        return 0.95
    if path.suffix.lower() == ".json" and b'"log_history"' in head:
        return 0.9
    return 0.0


def sniff_dir(path: Path, head: bytes) -> float:
    """A Trainer output folder: a ``trainer_state.json`` in it or in one of its ``checkpoint-N`` folders."""
    if (path / STATE).is_file():
        return 0.95
    if any((c / STATE).is_file() for c in checkpoints(path)):
        return 0.9
    return 0.0


_OWNED_FILES = {STATE, "training_args.bin", "config.json", "generation_config.json"}


def owns(directory: Path, path: Path) -> bool:
    """The files of an output directory this reader has read (its state, args, model config, checkpoints)."""
    try:
        rel = path.relative_to(directory)
    except ValueError:
        return False
    first = rel.parts[0] if rel.parts else ""
    return _CHECKPOINT.match(first) is not None or (len(rel.parts) == 1 and first in _OWNED_FILES)


register(Reader(FORMAT, sniff_file, read_file))
register(Reader(FORMAT, sniff_dir, read_dir, directory=True, owns=owns))
