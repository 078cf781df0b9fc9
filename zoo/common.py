"""Shared pieces of the zoo: a learnable synthetic task, tiny models, console capture and ``truth.json``.

Every scenario trains a real model through a real framework on CPU in seconds. The task is the same everywhere so
that healthy and faulty runs differ only by their fault: a sequence of tokens holds exactly one keyword token, and
the keyword decides the class. A healthy model learns it quickly; a model that cannot learn stays at ln(K).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import torch
from torch import nn

NUM_CLASSES = 4
VOCAB = 64
PAD = 0
FIRST_KEYWORD = 1  # keyword token for class c is FIRST_KEYWORD + c
FIRST_FILLER = FIRST_KEYWORD + NUM_CLASSES
CHANCE_LOSS = math.log(NUM_CLASSES)

# Loggers whose records a real `python train.py > console.log 2>&1` would show.
FRAMEWORK_LOGGERS = ("transformers", "lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning")


def set_seed(seed: int) -> None:
    """Seed torch (the only RNG the zoo uses) and keep torch on one thread: the zoo shares a small machine."""
    torch.manual_seed(seed)
    torch.set_num_threads(1)


# --------------------------------------------------------------------------------------------- synthetic data
@dataclass
class KeywordData:
    """Token sequences whose class is the keyword they contain."""

    input_ids: torch.Tensor  # (n, seq_len) int64
    labels: torch.Tensor  # (n,) int64

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def keyword_data(
    n: int, seq_len: int = 16, *, seed: int = 0, classes: Optional[Sequence[int]] = None, label_noise: float = 0.0
) -> KeywordData:
    """``n`` sequences of filler tokens with one keyword at a random position; label = keyword index.

    ``classes`` restricts the labels drawn (a one-class eval set); ``label_noise`` replaces that fraction of labels
    with random ones (a noisy, memorisable training set).
    """
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(FIRST_FILLER, VOCAB, (n, seq_len), generator=g)
    pool = torch.tensor(list(classes) if classes is not None else range(NUM_CLASSES))
    labels = pool[torch.randint(0, len(pool), (n,), generator=g)]
    pos = torch.randint(0, seq_len, (n,), generator=g)
    ids[torch.arange(n), pos] = FIRST_KEYWORD + labels
    if label_noise > 0:
        flip = torch.rand(n, generator=g) < label_noise
        labels = labels.clone()
        labels[flip] = torch.randint(0, NUM_CLASSES, (int(flip.sum()),), generator=g)
    return KeywordData(ids, labels)


def feature_data(n: int, dim: int = 16, *, seed: int = 0, scale: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Dense features for the MLP scenarios: class c shifts feature c, so a linear model separates them."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, NUM_CLASSES, (n,), generator=g)
    x = torch.randn(n, dim, generator=g)
    x[torch.arange(n), labels] += 3.0
    return x * scale, labels


class HFKeywordDataset(torch.utils.data.Dataset):
    """The keyword task in the dict form the Hugging Face Trainer feeds to a model."""

    def __init__(self, data: KeywordData):
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int) -> dict:
        ids = self.data.input_ids[i]
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": self.data.labels[i]}


def batches(
    data: KeywordData, batch_size: int, *, seed: int, epoch: int
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Shuffled mini-batches for the plain PyTorch loops (a fresh, seeded order every epoch)."""
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed * 1000 + epoch))
    for i in range(0, len(data), batch_size):
        idx = order[i : i + batch_size]
        yield data.input_ids[idx], data.labels[idx]


# --------------------------------------------------------------------------------------------- tiny models
def tiny_bert_config(**overrides: Any):
    """A 2-layer, 32-wide BERT built from a config (no download)."""
    from transformers import BertConfig

    cfg = dict(
        vocab_size=VOCAB,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=NUM_CLASSES,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    cfg.update(overrides)
    return BertConfig(**cfg)


def tiny_bert(**overrides: Any) -> nn.Module:
    """``BertForSequenceClassification`` from :func:`tiny_bert_config`."""
    from transformers import BertForSequenceClassification

    return BertForSequenceClassification(tiny_bert_config(**overrides))


class BagOfTokens(nn.Module):
    """Embedding, mean pooling, a hidden layer and a linear head: the plain-PyTorch text classifier."""

    def __init__(self, dim: int = 32, hidden: int = 64):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, dim)
        self.body = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, NUM_CLASSES)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(self.embed(ids).mean(dim=1)))


class RecurrentClassifier(nn.Module):
    """Embedding -> ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` -> linear head on the last hidden state."""

    def __init__(self, cell: str = "rnn", dim: int = 32, hidden: int = 64):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, dim)
        self.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](dim, hidden, batch_first=True)
        self.head = nn.Linear(hidden, NUM_CLASSES)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.embed(ids))
        return self.head(out[:, -1])


class ConvClassifier(nn.Module):
    """A 1-D CNN with max pooling over time: the stable comparison model for the recurrent one."""

    def __init__(self, dim: int = 32, channels: int = 64):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, dim)
        self.conv = nn.Conv1d(dim, channels, kernel_size=3, padding=1)
        self.head = nn.Linear(channels, NUM_CLASSES)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv(self.embed(ids).transpose(1, 2)))
        return self.head(h.max(dim=2).values)


# --------------------------------------------------------------------------------------------- metrics
def accuracy_f1(logits: torch.Tensor, labels: torch.Tensor) -> tuple[float, float]:
    """Accuracy and macro F1 (over the classes present in labels or predictions)."""
    pred = logits.argmax(dim=-1)
    acc = float((pred == labels).float().mean())
    f1s = []
    for c in torch.unique(torch.cat([pred, labels])).tolist():
        tp = float(((pred == c) & (labels == c)).sum())
        fp = float(((pred == c) & (labels != c)).sum())
        fn = float(((pred != c) & (labels == c)).sum())
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return acc, sum(f1s) / len(f1s) if f1s else 0.0


def hf_compute_metrics(eval_pred) -> dict:
    """``compute_metrics`` for the Trainer: accuracy and macro F1."""
    logits, labels = eval_pred
    acc, f1 = accuracy_f1(torch.as_tensor(logits), torch.as_tensor(labels))
    return {"accuracy": acc, "f1": f1}


def finite(x: Any) -> bool:
    """True for a finite number (NaN, inf and None are not)."""
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------------------------- artifacts
@contextlib.contextmanager
def console_log(path: Path) -> Iterator[io.TextIOBase]:
    """Capture what ``python train.py > console.log 2>&1`` would: stdout, stderr and the frameworks' loggers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        own = logging.StreamHandler(fh)
        own.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
        swapped: list = []  # (handler, old stream): the framework's own handlers keep their format
        added: list = []
        saved_levels = []
        for name in FRAMEWORK_LOGGERS:
            lg = logging.getLogger(name)
            saved_levels.append((lg, lg.level))
            if lg.level == logging.NOTSET or lg.level > logging.INFO:
                lg.setLevel(logging.INFO)
            streams = [
                h
                for h in lg.handlers
                if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
            ]
            if streams:
                swapped.extend((h, h.setStream(fh)) for h in streams)
            elif not lg.propagate or name in ("transformers", "lightning"):
                lg.addHandler(own)
                added.append(lg)
        try:
            with contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
                yield fh
        finally:
            for h, old_stream in swapped:
                h.setStream(old_stream)
            for lg in added:
                lg.removeHandler(own)
            for lg, level in saved_levels:
                lg.setLevel(level)


def write_launch_script(out_dir: Path, script: str, args: dict, *, name: str = "launch.sh") -> Path:
    """The shell command that starts this run, flags in the ``--key value`` form users write."""
    flags = " \\\n    ".join(f"--{k} {v}" for k, v in args.items())
    path = out_dir / name
    path.write_text(
        f"#!/usr/bin/env bash\nset -e\npython {script} \\\n    {flags} \\\n    2>&1 | tee console.log\n",
        encoding="utf-8",
    )
    return path


def copy_training_script(out_dir: Path, module_file: str, name: str = "train.py") -> Path:
    """Keep the scenario's own source beside its artifacts: it is the training script of this run."""
    dest = out_dir / name
    shutil.copyfile(module_file, dest)
    return dest


def fresh_dir(out_dir: Path) -> Path:
    """An empty output directory (a previous run's artifacts would be merged into this one's diagnosis)."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    return out_dir


def write_truth(out_dir: Path, **truth: Any) -> dict:
    """Write ``truth.json``: what the run really shows, measured from the run itself.

    Keys: ``scenario``, ``framework``, ``healthy``, ``symptoms``, ``cause``, ``first_bad`` (``{"step"|"epoch": n,
    "series": ..., "how": ...}`` or None), ``inputs`` (paths to diagnose, relative to the scenario directory),
    ``references`` (baseline runs), ``fix``, ``measured``, and ``injected`` when the fault was put in by hand.
    """
    truth.setdefault("healthy", False)
    truth.setdefault("symptoms", [])
    truth.setdefault("cause", None)
    truth.setdefault("first_bad", None)
    truth.setdefault("inputs", ["."])
    (Path(out_dir) / "truth.json").write_text(
        json.dumps(truth, indent=2, default=_json_default) + "\n", encoding="utf-8"
    )
    return truth


def _json_default(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, torch.Tensor):
        return v.tolist()
    raise TypeError(f"not JSON serialisable: {type(v).__name__}")


class Timer:
    """Wall time of a block, for the zoo summary."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def env_note() -> dict:
    """Framework versions, recorded in truth.json so a regenerated zoo can be compared with the committed one."""
    import platform

    versions = {"python": platform.python_version(), "torch": torch.__version__}
    for mod in ("transformers", "lightning"):
        m = sys.modules.get(mod)
        if m is not None:
            versions[mod] = getattr(m, "__version__", "?")
    versions["cpu_threads"] = torch.get_num_threads()
    versions["host_cpus"] = os.cpu_count()
    return versions


class HFBagOfTokens(BagOfTokens):
    """:class:`BagOfTokens` with the Hugging Face calling convention (``input_ids``, ``labels`` -> ``loss``, ``logits``).

    It has no normalisation layer, so a learning rate that is far too high blows its weights up to inf/NaN the way
    unnormalised networks do (a LayerNorm'd BERT only drifts to a large finite loss in fp32).
    """

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: Optional[torch.Tensor] = None,
        labels: Optional[torch.Tensor] = None,
    ) -> dict:
        logits = super().forward(input_ids)
        out = {"logits": logits}
        if labels is not None:
            out = {"loss": nn.functional.cross_entropy(logits, labels), "logits": logits}
        return out
