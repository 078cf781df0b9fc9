"""What the causes layer knows about a run: the findings by symptom and the configuration facts an expert would
look up first (precision, recurrent layers, clipping, loss reduction, effective batch, trainable share, baseline).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Optional

import numpy as np

from ..findings import FAILURE_SYMPTOMS, INSTABILITY_SYMPTOMS, Finding
from ..observations import Clipping, GuardAction, InputStats, Provenance
from ..rules.learning import ChanceFacts, FrozenLossFacts
from ..rules.nonfinite import NonfiniteFacts
from ..run import Run

__all__ = ["Context", "FAILURE_SYMPTOMS", "INSTABILITY_SYMPTOMS", "num", "position"]

# A loss averaged over a batch is a per-example loss: cross-entropy stays below ln(vocabulary) ~ 11, focal and MSE
# losses of normalised targets lower still. Values above 20 mean the loss is summed over the batch (or tokens).
SUMMED_LOSS_LEVEL = 20.0
# Sequences at least this long make backpropagation through time a long product of Jacobians.
LONG_SEQUENCE = 512
VANILLA_RNN = ("nn.rnn", "rnn", "torch.nn.rnn", "simplernn")


# A uniform output (see Context.uniform_output and causes.collapse).
# Every point of the pin within this share of its median: per-batch losses of a model whose output depends on its
# input differ by far more (a percent or more between batches); printed to 4-6 digits, a dead network's do not move.
CONSTANT_SPREAD = 1e-4
# Three batches with one loss is no accident (two could be).
MIN_CONSTANT_POINTS = 3
# The largest class count a loss is read as (ln K up to 11.5).
MAX_CLASSES = 100000
# ln K to the last digit of a loss printed with three decimals or more (2.303 for ln 10 = 2.302585); a loss shown
# with fewer digits, or flattened by a running mean (4.600 on a progress bar for ln 100 = 4.605), cannot say that
# the output is uniform.
LN_K_TOLERANCE = 5e-4


@dataclass
class Context:
    """Facts about one run, shared by every cause module."""

    run: Run
    findings: list
    by_symptom: dict = field(default_factory=dict)
    cfg: dict = field(default_factory=dict)

    @classmethod
    def build(cls, run: Run, findings: list) -> Context:
        """The context of a run and its findings; only serious findings are filed by symptom."""
        by: dict = {}
        for f in findings:
            if f.serious:
                by.setdefault(f.symptom, []).append(f)
        return cls(run=run, findings=list(findings), by_symptom=by, cfg=run.config.as_dict())

    # Findings ---------------------------------------------------------------------------------------------------
    def has(self, *symptoms: str) -> bool:
        """Whether any serious finding shows one of these symptoms."""
        return any(s in self.by_symptom for s in symptoms)

    def codes(self, *symptoms: str) -> list:
        """The codes of the serious findings with these symptoms, sorted."""
        return sorted({f.code for s in symptoms for f in self.by_symptom.get(s, [])})

    def first(self, *symptoms: str) -> Optional[Finding]:
        """The earliest finding among the symptoms (by step when known, else epoch)."""
        cands = [f for s in symptoms for f in self.by_symptom.get(s, [])]
        return min(cands, key=position) if cands else None

    def rise_before_nan(self) -> Optional[tuple]:
        """(series, low, high): a loss that was rising before it became non-finite."""
        for f in self.by_symptom.get("nonfinite", []):
            if isinstance(f.facts, NonfiniteFacts) and f.facts.rise_before:
                return f.facts.rise_before[0]
        return None

    # Configuration ----------------------------------------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        """A configuration value by its canonical key (``lr``, ``max_grad_norm`` ...)."""
        return self.cfg.get(key, default)

    def cite(self, key: str) -> str:
        """Where a configuration value was set (``file:line``), or ``""`` when the run does not say."""
        e = self.run.config.entry(key)
        return e.cite() if e is not None else ""

    @property
    def precision(self) -> str:
        """``bf16``, ``fp16``, or the precision as the config writes it (``""`` when unknown)."""
        p = str(self.get("precision") or "").lower()
        return "bf16" if "bf16" in p or "bfloat" in p else ("fp16" if "16" in p or "half" in p else p)

    @property
    def mixed(self) -> bool:
        """Whether the run trains in half precision (bf16 or fp16)."""
        return self.precision in ("bf16", "fp16")

    @property
    def recurrent(self) -> list:
        """The recurrent layer types the config names (LSTM, GRU, RNN ...)."""
        layers = self.get("recurrent_layers") or []
        return [layers] if isinstance(layers, str) else list(layers)

    @property
    def vanilla_rnn(self) -> bool:
        """Whether a plain RNN is among them: it has no gates to keep gradients from exploding over time."""
        return any(str(x).lower() in VANILLA_RNN for x in self.recurrent)

    @property
    def long_sequence(self) -> bool:
        """Whether the sequences are long enough for backpropagation through time to explode or vanish."""
        n = num(self.get("max_len"))
        return n is not None and n >= LONG_SEQUENCE

    @property
    def clipping_off(self) -> bool:
        """True only when the config says so (max_grad_norm 0 / clipping False) or the live guard saw the loop
        never clip; unknown is not off, and a loop seen clipping is not off whatever the config says."""
        seen = self.run.observed(Clipping)
        if seen:
            return not seen[-1].clipped
        if self.get("clipping") is False:
            return True
        m = num(self.get("max_grad_norm"))
        return m is not None and m <= 0

    # Live evidence ----------------------------------------------------------------------------------------------
    @property
    def bad_data(self) -> bool:
        """The live guard saw the batch itself hold NaN/inf: the replay found it at the input, a skipped step's
        batch held it, or the first batch's inputs did."""
        run = self.run
        return (
            any(o.phase == "input" for o in run.observed(Provenance))
            or any(o.input_nonfinite for o in run.observed(GuardAction))
            or any(o.nonfinite for o in run.observed(InputStats))
        )

    @property
    def framework(self) -> str:
        """The loop the run was trained with (``torch`` | ``hf`` | ``lightning`` | ``accelerate`` | ``keras``), or
        ``unknown``."""
        from .framework import framework_of

        return framework_of(self.run)

    @property
    def lr(self) -> Optional[float]:
        """The learning rate from the config (None when not a number)."""
        return num(self.get("lr"))

    def logged_peak_lr(self) -> Optional[float]:
        """The highest learning rate the run logged (its schedule's peak): what stands for the lr when the config
        does not give one."""
        peaks = [
            float(np.max(s.values[np.isfinite(s.values)]))
            for s in self.run.find(split="train", metric="lr")
            if np.isfinite(s.values).any()
        ]
        peak = max(peaks, default=0.0)
        return peak if peak > 0 else None

    @cached_property
    def uniform_output(self) -> Optional[tuple]:
        """(finding, loss value, points, K) when a stuck-at-chance or frozen-loss finding's per-batch train loss is
        one number on every logged batch of its span and that number is ln K: every input gets the same, uniform
        output (:mod:`.collapse`); None otherwise. Computed once for every cause module that weighs it."""
        return _uniform_output(self)

    @property
    def world_size(self) -> int:
        """The number of processes training together (1 when the run does not say)."""
        return int(num(self.get("world_size")) or 1)

    def loss_level(self) -> Optional[float]:
        """Median of the finite train losses (None when there are none)."""
        vals = [s.values[np.isfinite(s.values)] for s in self.run.find(split="train", metric="loss")]
        vals = [v for v in vals if v.size]
        return float(np.median(np.concatenate(vals))) if vals else None

    def loss_summed(self) -> Optional[bool]:
        """Whether the loss is summed over the batch: from the config, else from the level of its values."""
        red = str(self.get("loss_reduction") or "").lower()
        if red in ("sum", "mean"):
            return red == "sum"
        level = self.loss_level()
        return None if level is None else level > SUMMED_LOSS_LEVEL

    @property
    def baseline(self) -> Optional[Run]:
        """The first sibling run whose config can be compared (a stable baseline)."""
        for ref in self.run.references:
            if ref.config.get("effective_batch") or ref.config.get("lr"):
                return ref
        return None

    def points(self) -> int:
        """Logged points in the run, over every series."""
        return self.run.points


def position(f: Finding) -> float:
    """Where a finding starts: its step, else its epoch, else its index."""
    return f.at.key


def round_lr(x: float) -> float:
    """An lr as people write it: two significant digits."""
    return float(f"{x:.2g}") if x > 0 else x


def num(v: Any) -> Optional[float]:
    """A config value as a float (None when it is not a finite number)."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def nan_before_updates(ctx: Context) -> bool:
    """Whether the first non-finite value came before any weight update could cause it: at the first point the run
    logged, or while the learning rate was 0 (warmup starting from 0)."""
    f = ctx.first("nonfinite")
    if f is None:
        return False
    s = ctx.run.get(f.series)
    if s is not None:
        s = s.sorted()
        fin_before = np.isfinite(s.values[s.x < f.at.key]) if f.at.key is not None else np.array([])
        if not fin_before.any():
            return True
    for lr in ctx.run.find(split="train", metric="lr"):
        lr = lr.sorted()
        x = f.at.on(lr.axis)
        if x is None:
            continue
        sel = np.flatnonzero(lr.x <= x)
        if sel.size and float(lr.values[sel[-1]]) == 0.0:
            return True
    return False


def _uniform_output(ctx: Context) -> Optional[tuple]:
    """See :attr:`Context.uniform_output`."""
    for f in ctx.by_symptom.get("stuck_at_chance", []):
        if not isinstance(f.facts, (ChanceFacts, FrozenLossFacts)):
            continue
        values = _span(ctx, f)
        if values is None or len(values) < MIN_CONSTANT_POINTS:
            continue
        level = float(np.median(values))
        if not (level > 0 and float(values.max() - values.min()) <= CONSTANT_SPREAD * level):
            continue
        # ln K to the digits printed: a uniform output. (An output that ignores the input but is not uniform, the
        # class prior, gives a loss that moves with each batch's labels; a level merely flattened by a running mean
        # or by rounding sits off ln K.)
        k = round(math.exp(level)) if level < math.log(MAX_CLASSES) else 0
        if k >= 2 and abs(level - math.log(k)) <= LN_K_TOLERANCE:
            return f, level, len(values), k
    return None


def _span(ctx: Context, f: Finding) -> Optional[np.ndarray]:
    """The finite values of the finding's series from where it starts to where it ends, when the series is a train
    loss whose points come from other batches (logged by step, or several times within an epoch). An eval loss, or
    a train loss averaged over whole epochs, is computed on the same examples each time: a constant one says the
    model did not change, not that it ignores its input."""
    s = ctx.run.get(f.series)
    if s is None or f.until is None or s.parsed.split != "train" or getattr(s, "running_mean", False):
        return None  # (a running mean flattens what it averages)
    axis = s.axis
    if axis == "epoch":
        return None  # one point per epoch
    if axis == "index" and s.epoch is not None:
        epochs = s.epoch[np.isfinite(s.epoch)]
        if len(epochs) and np.all(epochs == np.round(epochs)):
            return None  # whole epochs, logged in order
    lo, hi = (f.at.step, f.until.step) if axis == "step" else (f.at.index, f.until.index)
    if lo is None or hi is None:
        return None
    x, v = s.x, s.values
    keep = (x >= lo) & (x <= hi) & np.isfinite(v)
    return v[keep]
