"""Metric-name normalisation: ``Val Loss``, ``eval_loss``, ``val/loss``, ``valid_loss`` -> ``eval/loss``.

A normalised name is ``[group/]split[/evalset]/metric``:

- ``split`` is ``train`` or ``eval`` (``val``, ``valid``, ``validation``, ``dev`` and ``test`` all map to ``eval``;
  the original word is kept in the series label);
- ``metric`` is a canonical metric word (``loss``, ``acc``, ``f1``, ``precision``, ``recall``, ``lr``, ``grad_norm``,
  ...) or the lower-cased original when it is not one we know;
- ``group`` names a model when one file holds several (``cnn2_test_acc`` -> ``cnn2/eval/acc``);
- ``evalset`` names one of several eval datasets as the Hugging Face Trainer logs them (``eval_g0_loss`` ->
  ``eval/g0/loss``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

SPLIT_WORDS = {
    "train": "train", "training": "train", "tr": "train",
    "eval": "eval", "evaluation": "eval", "val": "eval", "valid": "eval", "validation": "eval",
    "dev": "eval", "test": "eval", "testing": "eval",
}

# Canonical metric words and their spellings (lower case, separators removed).
METRIC_WORDS = {
    "loss": "loss", "losses": "loss", "nll": "loss", "ce": "loss", "objective": "loss",
    "acc": "acc", "accuracy": "acc", "top1": "acc", "acc1": "acc", "top1acc": "acc",
    "f1": "f1", "f1score": "f1", "macrof1": "f1", "f1macro": "f1", "microf1": "f1",
    "precision": "precision", "prec": "precision",
    "recall": "recall", "rec": "recall",
    "auc": "auc", "rocauc": "auc", "auroc": "auc",
    "ppl": "ppl", "perplexity": "ppl",
    "lr": "lr", "learningrate": "lr",
    "gradnorm": "grad_norm", "grad": "grad_norm", "gnorm": "grad_norm", "gradientnorm": "grad_norm",
    "lossscale": "loss_scale", "scale": "loss_scale",
    "mae": "mae", "mse": "mse", "rmse": "rmse", "bleu": "bleu", "rouge": "rouge", "wer": "wer", "map": "map",
    "miou": "miou", "iou": "iou", "dice": "dice",
    "runtime": "runtime", "samplespersecond": "samples_per_second", "stepspersecond": "steps_per_second",
    "steptime": "step_time", "time": "step_time",
}

# Metrics that are per-run bookkeeping rather than learning signals.
BOOKKEEPING = {"runtime", "samples_per_second", "steps_per_second", "step_time", "epoch", "step", "total_flos"}

# Metrics that belong to the optimisation, not to a data split; they default to the train split.
OPTIMISER_METRICS = {"lr", "grad_norm", "loss_scale", "step_time"}

HIGHER_IS_BETTER = {"acc", "f1", "precision", "recall", "auc", "bleu", "rouge", "map", "miou", "iou", "dice"}

_SEP = re.compile(r"[\s/_\-.:|]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@dataclass(frozen=True)
class MetricName:
    """A parsed metric name."""

    split: str
    metric: str
    group: Optional[str] = None
    evalset: Optional[str] = None

    @property
    def canonical(self) -> str:
        parts = [p for p in (self.group, self.split, self.evalset, self.metric) if p]
        return "/".join(parts)

    @property
    def higher_is_better(self) -> bool:
        return self.metric in HIGHER_IS_BETTER or self.metric.endswith(("_acc", "_f1", "_auc"))

    @property
    def is_loss(self) -> bool:
        return self.metric == "loss" or self.metric.endswith("_loss")


def _tokens(name: str) -> list[str]:
    name = _CAMEL.sub("_", name.strip())
    return [t.lower() for t in _SEP.split(name) if t]


def _match_metric(tokens: list[str]) -> tuple[int, str] | None:
    """Longest suffix of ``tokens`` that spells a known metric: (number of tokens used, canonical)."""
    for n in (3, 2, 1):
        if len(tokens) >= n:
            joined = "".join(tokens[-n:])
            if joined in METRIC_WORDS:
                return n, METRIC_WORDS[joined]
    return None


def parse_metric_name(name: str, *, default_split: Optional[str] = None) -> MetricName:
    """Parse a metric name as a file wrote it into split, metric, group and eval set.

    ``default_split`` applies when the name carries none (``loss`` in a train log line is a train loss).
    """
    tokens = _tokens(name)
    if not tokens:
        return MetricName(split=default_split or "train", metric=name.strip().lower() or "value")
    split = None
    split_at = None
    for i, tok in enumerate(tokens):
        if tok in SPLIT_WORDS:
            split, split_at = SPLIT_WORDS[tok], i
            break
    group = None
    evalset = None
    if split_at is not None:
        before, after = tokens[:split_at], tokens[split_at + 1:]
        if not after and before and _match_metric(before):
            before, after = [], before  # `Loss/train`, `acc_val`: TensorBoard-style names put the split last
        if before:
            group = "_".join(before)
    else:
        after = tokens
    m = _match_metric(after) if after else None
    if m:
        n, metric = m
        rest = after[:-n]
        if rest:
            qualifier = "_".join(rest)
            if split == "eval" and split_at is not None and split_at == 0:
                evalset = qualifier  # eval_g0_loss: a named eval dataset
            elif split is None and group is None:
                metric = f"{qualifier}_{metric}"
            else:
                metric = f"{qualifier}_{metric}"
    else:
        metric = "_".join(after) if after else (tokens[-1] if tokens else "value")
    if split is None:
        if metric in OPTIMISER_METRICS:
            split = "train"
        else:
            split = default_split or "train"
    return MetricName(split=split, metric=metric, group=group, evalset=evalset)


def normalise(name: str, *, default_split: Optional[str] = None) -> str:
    """The canonical series name for a metric name as a file wrote it."""
    return parse_metric_name(name, default_split=default_split).canonical
