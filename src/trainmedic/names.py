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
    "train": "train",
    "training": "train",
    "tr": "train",
    "eval": "eval",
    "evaluation": "eval",
    "val": "eval",
    "valid": "eval",
    "validation": "eval",
    "dev": "eval",
    "test": "eval",
    "testing": "eval",
}

# Canonical metric words and their spellings (lower case, separators removed).
METRIC_WORDS = {
    "loss": "loss",
    "losses": "loss",
    "nll": "loss",
    "ce": "loss",
    "objective": "loss",
    "acc": "acc",
    "accuracy": "acc",
    "top1": "acc",
    "acc1": "acc",
    "top1acc": "acc",
    "f1": "f1",
    "f1score": "f1",
    "macrof1": "f1",
    "f1macro": "f1",
    "microf1": "f1",
    "fscore": "f1",
    "fmeasure": "f1",
    "precision": "precision",
    "prec": "precision",
    "recall": "recall",
    "rec": "recall",
    "auc": "auc",
    "rocauc": "auc",
    "auroc": "auc",
    "ppl": "ppl",
    "perplexity": "ppl",
    "lr": "lr",
    "learningrate": "lr",
    "cost": "loss",
    "pearson": "pearson",
    "spearman": "spearman",
    "score": "score",
    "top5": "top5_acc",
    "acc5": "top5_acc",
    "gradnorm": "grad_norm",
    "grad": "grad_norm",
    "gnorm": "grad_norm",
    "gradientnorm": "grad_norm",
    "lossscale": "loss_scale",
    "scale": "loss_scale",
    "mae": "mae",
    "mse": "mse",
    "rmse": "rmse",
    "bleu": "bleu",
    "rouge": "rouge",
    "wer": "wer",
    "cer": "cer",
    "map": "map",
    "miou": "miou",
    "iou": "iou",
    "dice": "dice",
    "map50": "map50",
    "map5095": "map50_95",
    "map75": "map75",
    "runtime": "runtime",
    "samplespersecond": "samples_per_second",
    "stepspersecond": "steps_per_second",
    "steptime": "step_time",
    "time": "step_time",
}

# Metrics that are per-run bookkeeping rather than learning signals: timings, throughput, counters, memory, progress.
BOOKKEEPING = {
    "runtime",
    "samples_per_second",
    "steps_per_second",
    "step_time",
    "epoch",
    "step",
    "total_flos",
    "wps",
    "ups",
    "wpb",
    "bsz",
    "wall",
    "oom",
    "gb_free",
    "percentage",
    "throughput",
    "total_tokens",
    "num_tokens",
    "memory",
    "eta",
    "eta_seconds",
    "mfu",
    "tflops",
    "elapsed_time",
    "remaining_time",
    "num_input_tokens_seen",
    "v_num",
    "consumed_samples",
    "consumed_tokens",
    "tokens_per_sec",
    "total_steps",
    "current_steps",
    "num_updates",
}
# Words that make any name bookkeeping (`memory(GiB)`, `train_speed(iter/s)`, `tokens_per_sec`).
BOOKKEEPING_WORDS = {"memory", "mem", "speed", "gib", "mib", "eta", "percentage", "throughput", "elapsed"}
# Last words of bookkeeping names (`data_time`, `train_wall`, `tokens_per_sec_per_gpu`, `max_mem`).
BOOKKEEPING_ENDINGS = ("time", "runtime", "wall", "per_sec", "per_gpu", "per_second", "mem", "memory", "_mb", "_gb")

# Metrics that belong to the optimisation, not to a data split; they default to the train split.
OPTIMISER_METRICS = {"lr", "grad_norm", "loss_scale", "step_time"}
# Settings of the optimiser logged as series: what it was told to do, not what the model learnt.
OPTIMISER_SETTINGS = {"lr", "loss_scale", "clip"}

# Error rates of the task itself (word and character error rates of speech recognition): lower is better, and unlike
# a perplexity they are not computed from the loss, so they can keep improving while the eval loss rises.
ERROR_RATES = {"wer", "cer"}

HIGHER_IS_BETTER = {
    "acc",
    "f1",
    "precision",
    "recall",
    "auc",
    "bleu",
    "rouge",
    "map",
    "miou",
    "iou",
    "dice",
    "pearson",
    "spearman",
    "score",
    "map50",
    "map50_95",
    "map75",
    "top5_acc",
}
# Words that describe how a metric was reduced rather than which metric it is: `Average loss`, `total_loss`,
# `lm loss value`, `Loss error` and `Current learning rate` are the loss and the lr.
DESCRIPTORS = {"average", "avg", "mean", "total", "overall", "lm", "value", "error", "current"}

_SEP = re.compile(r"[\s/_\-.:|()]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# `mAP50(B)` as Ultralytics writes it: mean average precision, of boxes (`B`) or masks (`M`).
_MAP = re.compile(r"\bmAP")
_BOX_MASK = re.compile(r"\((B|M)\)$")
# The IoU thresholds of a mean average precision written as fractions: `mAP@0.5`, `mAP@.5:.95`, `mAP_0.5:0.95` are
# `map50` and `map50_95`, the spelling of `mAP50`, `mAP50-95`.
_MAP_IOU = re.compile(r"(?i)\bmAP[@_]?(0?\.\d+)(?:[:\-_](0?\.\d+))?(?![\d.])")
# A word glued to `loss` (`genloss`, `closs`, `BCEloss`): the loss of what the word names (`gen_loss`).
_GLUED_LOSS = re.compile(r"(?<=[A-Za-z])(?=(?i:loss)$)")


@dataclass(frozen=True)
class MetricName:
    """A parsed metric name."""

    split: str
    metric: str
    group: Optional[str] = None
    evalset: Optional[str] = None

    @property
    def canonical(self) -> str:
        """The name in one spelling whatever the framework wrote (``eval/loss``, ``train/acc``)."""
        parts = [p for p in (self.group, self.split, self.evalset, self.metric) if p]
        return "/".join(parts)

    @property
    def higher_is_better(self) -> bool:
        """Whether a higher value is better (accuracy, F1, BLEU ...) rather than worse (a loss)."""
        return self.metric in HIGHER_IS_BETTER or any(t in HIGHER_IS_BETTER for t in self.metric.split("_"))

    @property
    def is_loss(self) -> bool:
        """Whether the metric is a loss."""
        return self.metric == "loss" or self.metric.endswith("_loss")


def _iou_percent(fraction: str) -> str:
    return str(round(float(fraction) * 100))


def _map_iou(m: re.Match) -> str:
    low, high = m.group(1), m.group(2)
    return "map" + _iou_percent(low) + ("_" + _iou_percent(high) if high else "")


def _tokens(name: str) -> list[str]:
    name = name.strip()
    if "." in name:
        name = _MAP_IOU.sub(_map_iou, name)
    name = _MAP.sub("map", name)
    m = _BOX_MASK.search(name)
    if m:
        name = name[: m.start()] + ("_mask" if m.group(1) == "M" else "")
    return [
        t.lower()
        for word in _SEP.split(name)
        if word
        for t in _split_word(_GLUED_LOSS.sub("_", word) if len(word) > 4 else word)
        if t
    ]


def _split_word(word: str) -> list[str]:
    return word.split("_") if word.isupper() else _CAMEL.sub("_", word).split("_")


def is_learning_signal(metric: str) -> bool:
    """True for losses, metrics and gradient norms: series whose curve says how training goes (not the lr, the loss
    scale, timings or counters)."""
    return metric not in OPTIMISER_SETTINGS and not metric.startswith("lr_") and not is_bookkeeping(metric)


def is_bookkeeping(metric: str) -> bool:
    """True for timings, throughput, counters and memory: numbers a run logs that say nothing about learning."""
    return (
        metric in BOOKKEEPING
        or metric.endswith(BOOKKEEPING_ENDINGS)
        or not BOOKKEEPING_WORDS.isdisjoint(metric.split("_"))
    )


def _match_metric(tokens: list[str]) -> tuple[int, str] | None:
    """Longest suffix of ``tokens`` that spells a known metric: (number of tokens used, canonical)."""
    for n in (3, 2, 1):
        if len(tokens) >= n:
            joined = "".join(tokens[-n:])
            if joined in METRIC_WORDS:
                return n, METRIC_WORDS[joined]
    return None


def parse_metric_name(
    name: str, *, default_split: Optional[str] = None, evalsets: Optional[frozenset] = None
) -> MetricName:
    """Parse a metric name as a file wrote it into split, metric, group and eval set.

    ``default_split`` applies when the name carries none (``loss`` in a train log line is a train loss).
    ``evalsets`` names the eval datasets of the source when it knows them (the Trainer logs ``eval_<name>_loss`` for
    each): a word between ``eval_`` and the metric is one of them only when listed; without the list, a single word
    is (``eval_g0_loss``) and several are part of the metric (``eval_mean_token_accuracy``).
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
        before, after = tokens[:split_at], tokens[split_at + 1 :]
        if not after and before and _match_metric(before):
            before, after = [], before  # `Loss/train`, `acc_val`: TensorBoard-style names put the split last
        if before:
            group = "_".join(before)
    else:
        after = tokens
    while len(after) > 1 and after[-1] in DESCRIPTORS and _match_metric(after[:-1]):
        after = after[:-1]  # `loss value`, `Loss error`
    per_epoch = False
    if len(after) > 1 and after[-1] in ("step", "epoch") and _match_metric(after[:-1]):
        per_epoch = after[-1] == "epoch"  # Lightning's `train_loss_step` / `train_loss_epoch`
        after = after[:-1]
    if "metrics" in after[:-1]:
        after = [t for t in after if t != "metrics"]  # a namespace: `metrics/precision(B)`
    m = _match_metric(after) if after else None
    if m:
        n, metric = m
        rest = after[:-n]
        if metric == "ppl":
            rest = [t for t in rest if t != "loss"]  # `lm loss PPL` is the perplexity
        if rest and all(t in DESCRIPTORS for t in rest):
            rest = []  # `Average loss`, `total_loss`
        if rest:
            qualifier = "_".join(rest)
            named = (
                qualifier in evalsets if evalsets is not None else (len(rest) == 1 and qualifier not in METRIC_WORDS)
            )
            if split == "eval" and split_at is not None and split_at == 0 and named:
                evalset = qualifier  # eval_g0_loss: a named eval dataset
            else:
                metric = f"{qualifier}_{metric}"
    else:
        metric = "_".join(after) if after else (tokens[-1] if tokens else "value")
    if per_epoch:
        metric += "_epoch"
    if split is None:
        if metric in OPTIMISER_METRICS:
            split = "train"
        else:
            split = default_split or "train"
    return MetricName(split=split, metric=metric, group=group, evalset=evalset)


def normalise(name: str, *, default_split: Optional[str] = None, evalsets: Optional[frozenset] = None) -> str:
    """The canonical series name for a metric name as a file wrote it."""
    return parse_metric_name(name, default_split=default_split, evalsets=evalsets).canonical
