"""The configuration a Hugging Face run records: ``training_args.bin`` (read without executing pickled code) and the
model's ``config.json``."""

from __future__ import annotations

import json
import math
import pickle
import struct
from pathlib import Path
from typing import Any

from ..i18n import Msg, msg
from ..run import RunConfig

# TrainingArguments field -> RunConfig key.
TRAINING_ARGS_KEYS = {
    "learning_rate": "lr",
    "per_device_train_batch_size": "per_device_batch",
    "gradient_accumulation_steps": "grad_accum",
    "max_grad_norm": "max_grad_norm",
    "warmup_steps": "warmup_steps",
    "warmup_ratio": "warmup_ratio",
    "lr_scheduler_type": "scheduler",
    "weight_decay": "weight_decay",
    "logging_nan_inf_filter": "logging_nan_inf_filter",
    "num_train_epochs": "num_epochs",
    "max_steps": "max_steps",
    "logging_steps": "logging_steps",
    "eval_steps": "eval_steps",
    "save_steps": "save_steps",
    "seed": "seed",
    "optim": "optimizer",
    "output_dir": "output_path",
    "label_smoothing_factor": "label_smoothing",
    "metric_for_best_model": "metric_for_best_model",
    "load_best_model_at_end": "load_best_model_at_end",
}


def read_training_args(path: Path, config: RunConfig) -> Msg:
    """Fill ``config`` from a ``training_args.bin``; the note for the report says what was read or why not."""
    from ..safe_pickle import TooLargeError, UnsafePickleError, load_file, to_plain  # only a run that has one

    try:
        state = to_plain(load_file(path))
    except UnsafePickleError as exc:
        return msg("safety.pickle.unsafe", path=str(path), detail=str(exc))
    except TooLargeError as exc:
        return msg("safety.pickle.too_large", path=str(path), detail=str(exc))
    except pickle.UnpicklingError as exc:
        return msg("safety.pickle.unreadable", path=str(path), detail=str(exc))
    except OSError as exc:
        return msg("safety.pickle.unreadable", path=str(path), detail=exc.strerror or type(exc).__name__)
    if not isinstance(state, dict):
        return msg("safety.pickle.not_arguments", path=str(path))
    apply_training_args(state, config, str(path))
    return msg("readers.note.training_args", path=str(path))


def apply_training_args(args: dict, config: RunConfig, source: str) -> None:
    """Map a TrainingArguments state (a plain dict) onto RunConfig keys."""
    for field, key in TRAINING_ARGS_KEYS.items():
        value = args.get(field)
        if isinstance(value, (int, float, str, bool)):
            if key in ("max_steps", "warmup_steps", "eval_steps", "save_steps", "logging_steps") and value in (-1, 0):
                if not (key == "warmup_steps" and value == 0 and not args.get("warmup_ratio")):
                    continue  # 0 / -1 mean "not set" for these; warmup 0 with no ratio means no warmup
            # trainer_state's train_batch_size is per device times the GPUs of one process; the argument is exact
            config.set(key, value, source, override=key == "per_device_batch")
    if args.get("bf16") or args.get("bf16_full_eval"):
        config.set("precision", "bf16", source)
    elif args.get("fp16") or args.get("fp16_full_eval"):
        config.set("precision", "fp16", source)
    elif "bf16" in args or "fp16" in args:
        config.set("precision", "fp32", source)
    world = _world_size(args)
    if world:
        config.set("world_size", world, source)


def _world_size(args: dict) -> int | None:
    state = args.get("distributed_state")
    if isinstance(state, dict) and isinstance(state.get("num_processes"), int) and state["num_processes"] > 0:
        return state["num_processes"]
    for key in ("world_size", "_world_size"):
        if isinstance(args.get(key), int) and args[key] > 0:
            return args[key]
    n_gpu = args.get("_n_gpu")
    if isinstance(n_gpu, int) and n_gpu > 1 and args.get("local_rank", -1) == -1:
        return n_gpu  # DataParallel on one process: the batch is split over n_gpu devices
    return None


def read_model_config(path: Path, config: RunConfig) -> bool:
    """Fill ``config`` from a model ``config.json`` (model family, number of classes, context length)."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data: Any = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(data, dict) or "model_type" not in data and "architectures" not in data:
        return False
    source = str(path)
    config.set("model_family", data.get("model_type"), source)
    arch = data.get("architectures")
    if isinstance(arch, list) and arch and isinstance(arch[0], str):
        config.set("model", arch[0], source)
    labels = data.get("id2label")
    if isinstance(data.get("num_labels"), int):
        config.set("num_classes", data["num_labels"], source)
    elif isinstance(labels, dict) and labels:
        config.set("num_classes", len(labels), source)
    for key in ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length"):
        if isinstance(data.get(key), int):
            config.set("max_position_embeddings", data[key], source)
            break
    dtype = data.get("torch_dtype") or data.get("dtype")
    if isinstance(dtype, str):
        config.set("model_dtype", dtype, source)
    return True


# A safetensors file opens with the byte length of its JSON header (8 bytes, little-endian). A model's header lists a
# few thousand tensors in well under this; a larger length means the file is something else.
MAX_SAFETENSORS_HEADER = 64 * 1024 * 1024
# The weights of the model itself, whole or sharded (`model-00001-of-00002.safetensors`); an adapter's file
# (`adapter_model.safetensors`) holds only the adapter.
WEIGHT_FILES = "model*.safetensors"


def read_weight_count(folder: Path, config: RunConfig) -> bool:
    """Set ``total_params`` from the tensor shapes in the headers of the folder's safetensors weights (no tensor is
    loaded). Saved buffers (BatchNorm statistics) count too: a fraction of a percent of a model's size."""
    files = sorted(folder.glob(WEIGHT_FILES))
    total = 0
    for path in files:
        try:
            with open(path, "rb") as fh:
                (size,) = struct.unpack("<Q", fh.read(8))
                if size > MAX_SAFETENSORS_HEADER:
                    return False
                header = json.loads(fh.read(size))
        except (OSError, struct.error, ValueError, RecursionError):
            return False
        if not isinstance(header, dict):
            return False
        for name, entry in header.items():
            shape = entry.get("shape") if isinstance(entry, dict) and name != "__metadata__" else None
            if isinstance(shape, list) and all(isinstance(d, int) for d in shape):
                total += math.prod(shape)
    if not total:
        return False
    config.set("total_params", total, str(files[0]))
    return True
