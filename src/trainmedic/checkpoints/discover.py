"""Find checkpoints in a directory: Hugging Face ``checkpoint-*`` folders, Lightning ``.ckpt`` files, plain
``.pt``/``.pth``/``.bin``/``.safetensors`` files and suffixed files such as ``rag_bert.model.ep3``.

Nothing is opened here except ``trainer_state.json`` (plain JSON); weights are read by :mod:`.safe_read`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

WEIGHT_SUFFIXES = (".safetensors", ".pt", ".pth", ".bin", ".ckpt")
# Files beside HF weights that hold no model weights (optimizer/scheduler/RNG state, pickled arguments).
HF_NON_WEIGHTS = {"optimizer.pt", "scheduler.pt", "training_args.bin", "scaler.pt", "rng_state.pth"}
# rag_bert.model.ep3, model.epoch12, net.step3000, weights.iter500: a checkpoint named by a trailing counter.
SUFFIXED = re.compile(r"\.(ep|epoch|step|iter|it|ckpt)[-_]?(\d+)$", re.IGNORECASE)
EPOCH_IN_NAME = re.compile(r"(?:^|[^a-z])(?:ep|epoch)[=_-]?(\d+)", re.IGNORECASE)
STEP_IN_NAME = re.compile(r"(?:^|[^a-z])(?:step|iter|it|global_step|checkpoint)[=_-]?(\d+)", re.IGNORECASE)
TRAILING_NUMBER = re.compile(r"(\d+)(?:\.[A-Za-z]+)?$")


@dataclass
class Checkpoint:
    """One checkpoint: where it is, which files hold its weights, and where in the run it was saved."""

    name: str  # path relative to the triaged directory, e.g. "checkpoint-2000"
    path: Path
    framework: str  # "hf" | "lightning" | "torch"
    weight_files: list = field(default_factory=list)
    optimizer_file: Optional[Path] = None
    step: Optional[int] = None
    epoch: Optional[float] = None
    trainer_state: Optional[dict] = None
    order_key: tuple = ()


def _number(pattern: re.Pattern, text: str) -> Optional[int]:
    m = pattern.search(text)
    return int(m.group(1)) if m else None


def _hf_folder(folder: Path, root: Path) -> Optional[Checkpoint]:
    weights = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix in (".safetensors", ".bin", ".pt") and p.name not in HF_NON_WEIGHTS
    )
    # Prefer safetensors when a folder holds both formats of the same weights.
    if any(p.suffix == ".safetensors" for p in weights):
        weights = [p for p in weights if p.suffix == ".safetensors"]
    if not weights:
        return None
    ck = Checkpoint(name=str(folder.relative_to(root)), path=folder, framework="hf", weight_files=weights)
    opt = folder / "optimizer.pt"
    ck.optimizer_file = opt if opt.is_file() else None
    ck.step = _number(STEP_IN_NAME, folder.name)
    state = folder / "trainer_state.json"
    if state.is_file():
        try:
            ck.trainer_state = json.loads(state.read_text(encoding="utf-8"))
            ck.step = int(ck.trainer_state.get("global_step", ck.step) or 0) or ck.step
            ep = ck.trainer_state.get("epoch")
            ck.epoch = float(ep) if ep is not None else None
        except (OSError, ValueError):
            ck.trainer_state = None
    return ck


def _is_weight_file(p: Path) -> bool:
    return p.suffix in WEIGHT_SUFFIXES or bool(SUFFIXED.search(p.name))


def _file_checkpoint(p: Path, root: Path) -> Checkpoint:
    framework = "lightning" if p.suffix == ".ckpt" else "torch"
    ck = Checkpoint(
        name=str(p.relative_to(root)) if p != root else p.name, path=p, framework=framework, weight_files=[p]
    )
    m = SUFFIXED.search(p.name)
    if m:
        kind, n = m.group(1).lower(), int(m.group(2))
        if kind in ("ep", "epoch"):
            ck.epoch = n
        else:
            ck.step = n
    else:
        stem = p.name
        ck.epoch = _number(EPOCH_IN_NAME, stem)
        ck.step = _number(STEP_IN_NAME, stem)
    return ck


def find_checkpoints(root: Path) -> list:
    """Checkpoints under ``root`` (a directory or one file), in training order."""
    root = Path(root)
    if root.is_file():
        return [_file_checkpoint(root, root.parent)]
    found: list = []
    hf_dirs: set = set()
    for folder in sorted(p for p in root.rglob("*") if p.is_dir()):
        if folder.name.startswith("checkpoint") or (folder / "trainer_state.json").is_file():
            ck = _hf_folder(folder, root)
            if ck is not None:
                found.append(ck)
                hf_dirs.add(folder)
    for p in sorted(x for x in root.rglob("*") if x.is_file()):
        if any(parent in hf_dirs for parent in p.parents):
            continue
        if p.name in HF_NON_WEIGHTS or not _is_weight_file(p):
            continue
        found.append(_file_checkpoint(p, root))
    return order(found)


def order(checkpoints: list) -> list:
    """Training order: step, else epoch, else the trailing number of the name, else modification time."""

    def key(ck: Checkpoint) -> tuple:
        tail = _number(TRAILING_NUMBER, ck.path.name)
        try:
            mtime = ck.path.stat().st_mtime
        except OSError:
            mtime = 0.0
        return (
            ck.step if ck.step is not None else -1,
            ck.epoch if ck.epoch is not None else -1,
            tail if tail is not None else -1,
            mtime,
            ck.name,
        )

    for ck in checkpoints:
        ck.order_key = key(ck)
    return sorted(checkpoints, key=lambda c: c.order_key)
