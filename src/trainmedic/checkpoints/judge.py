"""Which checkpoints are broken and which is the last healthy one.

Broken means: non-finite weights (or optimizer state, which replays the NaN on resume), a jump of the weight norm far
above the jumps before it, or a save at or after the point where the run's metrics had already failed. A checkpoint
saved after a broken one descends from broken weights and is broken too.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Optional

from .discover import Checkpoint
from .stats import CheckpointStats

# A healthy run changes its weight norm by similar amounts between saves; a jump 10x the median of the earlier jumps
# is an update far outside the run's own scale (an exploding step), not drift.
JUMP_FACTOR = 10.0
# Jumps smaller than 1% of the norm are never called broken, however quiet the run was before (a run with a tiny lr
# has tiny jumps, and 10x tiny is still harmless).
JUMP_FLOOR = 0.001


@dataclass
class Verdict:
    """One checkpoint's triage."""

    checkpoint: Checkpoint
    stats: Optional[CheckpointStats] = None
    unsafe_reason: str = ""  # set when the file would need code execution to read
    error: Any = ""  # str | Msg: why the file could not be read (truncated, a package missing ...)
    jump: Optional[float] = None  # |norm - previous norm|
    module_jumps: dict = field(default_factory=dict)
    reasons: list = field(
        default_factory=list
    )  # nonfinite_weights | nonfinite_optimizer | norm_jump | run_failed | after_broken
    metrics: dict = field(default_factory=dict)

    @property
    def readable(self) -> bool:
        """Whether the weights could be read."""
        return self.stats is not None

    @property
    def broken(self) -> bool:
        """Whether anything makes it broken (non-finite weights, a norm jump, a save after the failure ...)."""
        return bool(self.reasons)


def _at_or_after(ck: Checkpoint, failure: dict) -> bool:
    if "step" in failure and ck.step is not None:
        return ck.step >= float(failure["step"])
    if "epoch" in failure and ck.epoch is not None:
        return ck.epoch >= float(failure["epoch"])
    return False


def judge(verdicts: list, failure: Optional[dict]) -> None:
    """Fill ``reasons`` and ``jump`` of every verdict (in training order)."""
    jumps: list = []
    prev: Optional[Verdict] = None
    seen_broken = False
    for v in verdicts:
        if not v.readable:
            continue
        st = v.stats
        if st.nonfinite:
            v.reasons.append("nonfinite_weights")
        if st.optimizer_nonfinite:
            v.reasons.append("nonfinite_optimizer")
        if prev is not None and not st.nonfinite:
            v.jump = abs(st.global_norm - prev.stats.global_norm)
            before = prev.stats.module_norms()
            v.module_jumps = {m: abs(n - before[m][0]) for m, (n, _) in st.module_norms().items() if m in before}
            if jumps:
                limit = JUMP_FACTOR * max(statistics.median(jumps), JUMP_FLOOR * prev.stats.global_norm)
                if v.jump > limit:
                    v.reasons.append("norm_jump")
            jumps.append(v.jump)
        if failure is not None and _at_or_after(v.checkpoint, failure):
            v.reasons.append("run_failed")
        if seen_broken and not v.reasons:
            v.reasons.append("after_broken")
        seen_broken = seen_broken or v.broken
        if not st.nonfinite:
            prev = v


def last_healthy(verdicts: list) -> Optional[Verdict]:
    """The last readable, healthy checkpoint before the first broken one."""
    best = None
    for v in verdicts:
        if not v.readable:
            continue
        if v.broken:
            break
        best = v
    return best
