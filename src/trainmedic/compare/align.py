"""Where two runs' curves part: put both on one axis (samples seen, or epochs) and find the first lasting gap.

Runs with different batch sizes reach the same point of training at different step numbers, so steps are turned into
samples seen (``step x effective batch``). When a run records only epochs and both runs see the same data per epoch,
the epoch is the shared axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..names import BOOKKEEPING, OPTIMISER_SETTINGS
from ..run import Run, Series

# A loss that differs by more than 30% between two runs at the same point of training has parted: runs of one
# configuration with different seeds stay within a few percent of each other on a smoothed loss.
LOSS_REL_GAP = 0.30
# Bounded scores (accuracy, F1, ...) part when they differ by more than 5 points; seed-to-seed spread of a stable run is
# 1-2 points, and an oscillating run (swings of 3-6 points) must not count as parting on a single point.
SCORE_ABS_GAP = 0.05
# A gap must hold at the next point too (at half the threshold) so that a single noisy evaluation is not a parting.
SUSTAIN_FRACTION = 0.5
# Series that differ by design between two configurations and say nothing about the learning itself.
# Curves two runs are compared on: learning signals, but not the gradient norm (its scale differs with the batch).
SKIP_METRICS = OPTIMISER_SETTINGS | BOOKKEEPING | {"grad_norm", "step_time"}


@dataclass
class Axis:
    """How the two runs are put side by side: ``samples`` (step x effective batch), ``epoch`` or ``step``."""

    kind: str
    scale_a: float = 1.0
    scale_b: float = 1.0


@dataclass
class Parting:
    """The first point where a series of run B lasts away from run A."""

    series: str
    label: str
    index_b: int
    step: Optional[float]
    epoch: Optional[float]
    samples: Optional[float]
    value_a: float
    value_b: float
    worse: str  # "a" or "b"
    is_loss: bool


def choose_axis(a: Run, b: Run, eb_a: Optional[int], eb_b: Optional[int], names: list) -> Axis:
    """Samples when both runs have steps and an effective batch; else epochs when both have them; else steps."""

    def all_have(attr: str, run: Run) -> bool:
        return all(getattr(run.series[n], attr) for n in names)

    if eb_a and eb_b and all_have("has_step", a) and all_have("has_step", b):
        return Axis("samples", float(eb_a), float(eb_b))
    if all_have("has_epoch", a) and all_have("has_epoch", b):
        return Axis("epoch")
    return Axis("step")


def positions(s: Series, axis: Axis, scale: float) -> np.ndarray:
    """Where a series' points fall on the comparison axis (samples seen, epoch or step)."""
    if axis.kind == "samples":
        return s.step * scale
    if axis.kind == "epoch":
        return s.epoch
    return s.x


def comparable_series(a: Run, b: Run) -> list:
    """Names of the learning curves both runs record (losses and scores, not the lr or timings)."""
    out = []
    for name in a.series:
        if name not in b.series:
            continue
        p = a.series[name].parsed
        if p.metric in SKIP_METRICS:
            continue
        if p.is_loss or p.higher_is_better:
            out.append(name)
    # Eval curves first: they say what the user cares about; then train curves.
    return sorted(out, key=lambda n: (a.series[n].parsed.split != "eval", not a.series[n].parsed.is_loss, n))


def _gap(va: float, vb: float, is_loss: bool) -> float:
    """How far apart two values are, in units of the threshold (>= 1 means parted)."""
    if not (math.isfinite(va) and math.isfinite(vb)):
        return math.inf if math.isfinite(va) != math.isfinite(vb) else 0.0
    if is_loss:
        return abs(vb - va) / max(abs(va), 1e-12) / LOSS_REL_GAP
    return abs(vb - va) / SCORE_ABS_GAP


def find_parting(sa: Series, sb: Series, axis: Axis) -> Optional[Parting]:
    """The first point of ``sb`` (inside ``sa``'s range) from which it lastingly differs from ``sa``."""
    sa, sb = sa.sorted(), sb.sorted()
    xa, xb = positions(sa, axis, axis.scale_a), positions(sb, axis, axis.scale_b)
    ok = np.isfinite(xa)
    xa, va = xa[ok], sa.values[ok]
    if len(xa) == 0:
        return None
    finite_a = np.isfinite(va)
    p = sa.parsed
    is_loss = p.is_loss
    gaps, idx = [], []
    for i, x in enumerate(xb):
        if not math.isfinite(x) or x < xa[0] - 1e-9 or x > xa[-1] + 1e-9:
            continue
        if finite_a.any():
            a_at = float(np.interp(x, xa[finite_a], va[finite_a]))
        else:
            a_at = math.nan
        gaps.append((_gap(a_at, float(sb.values[i]), is_loss), a_at))
        idx.append(i)
    for k, (g, a_at) in enumerate(gaps):
        if g < 1.0:
            continue
        if k + 1 < len(gaps) and gaps[k + 1][0] < SUSTAIN_FRACTION:
            continue
        i = idx[k]
        vb = float(sb.values[i])
        if is_loss:
            worse = "b" if (not math.isfinite(vb) or vb > a_at) else "a"
        else:
            worse = "b" if (not math.isfinite(vb) or vb < a_at) else "a"
        step = float(sb.step[i]) if math.isfinite(sb.step[i]) else None
        epoch = float(sb.epoch[i]) if math.isfinite(sb.epoch[i]) else None
        samples = float(xb[i]) if axis.kind == "samples" else None
        return Parting(sb.name, sb.label, i, step, epoch, samples, a_at, vb, worse, is_loss)
    return None


def first_parting(a: Run, b: Run, axis: Axis, names: list) -> tuple:
    """(earliest Parting over all comparable series or None, every series' Parting by name)."""
    found = {}
    for n in names:
        p = find_parting(a.series[n], b.series[n], axis)
        if p is not None:
            found[n] = p
    if not found:
        return None, found

    def where(p: Parting) -> float:
        sb = b.series[p.series].sorted()
        return float(positions(sb, axis, axis.scale_b)[p.index_b])

    order = {n: i for i, n in enumerate(names)}
    best = min(found.values(), key=lambda p: (where(p), order[p.series]))
    return best, found
