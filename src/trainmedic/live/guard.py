"""The guard: what to do with one step, given whether it was non-finite or a spike. Pure Python, no torch.

Policies (``observe | skip | rollback | stop``):

- ``observe``: every step is applied; bad steps are only recorded.
- ``skip``: a bad step is not applied (no weight or optimizer-state change). After ``max_bad_in_row`` bad steps in a
  row skipping is not helping (every batch fails: the weights themselves are broken), so the run stops.
- ``rollback``: bad steps are skipped; after ``rollback_after`` bad steps within ``rollback_window`` steps the last
  healthy snapshot is restored and the learning rate lowered; after ``max_rollbacks`` the run stops. A step whose
  batch itself holds NaN/inf is only skipped: the data, not the weights or the lr, is at fault, and going back in
  time would only lose progress.
- ``stop``: the first bad step ends the run with the diagnosis.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Optional

POLICIES = ("observe", "skip", "rollback", "stop")

# Actions a step can end in.
STEP, SKIP, ROLLBACK, STOP = "step", "skip", "rollback", "stop"


@dataclass
class GuardConfig:
    """Thresholds of the guard, each with the reason for its default."""

    policy: str = "skip"
    # Spikes are judged only when asked: a rare large loss is often a hard batch, not a failure.
    skip_spikes: bool = False
    # 6 sigma over a 128-step history: a Gaussian-noise loss crosses it about once in 10^9 steps, so what crosses
    # it is an outlier of another kind (a corrupt batch, an exploding gradient), not noise.
    spike_sigma: float = 6.0
    spike_window: int = 128
    # Below 20 points mean and deviation are too unstable to call anything an outlier.
    spike_min_history: int = 20
    # A flat history has a deviation near 0; the floor (relative to the mean) keeps a tiny wiggle from being a spike.
    spike_rel_floor: float = 0.05
    # Three bad steps within 50 is a pattern, not an accident: skipping alone is not enough, go back.
    rollback_after: int = 3
    rollback_window: int = 50
    # Halving the lr is the usual first remedy for an unstable run.
    lr_factor: float = 0.5
    # After three rollbacks the lr is 1/8 of the original and still failing: the cause is not the lr.
    max_rollbacks: int = 3
    # 20 bad steps in a row under ``skip``: the model itself is broken, skipping only burns compute.
    max_bad_in_row: int = 20

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"policy must be one of {', '.join(POLICIES)}, not {self.policy!r}")


class Guard:
    """Keeps the history the decisions need and turns (non-finite, spike) into an action."""

    def __init__(self, config: GuardConfig) -> None:
        self.config = config
        self.losses: deque = deque(maxlen=config.spike_window)
        self.norms: deque = deque(maxlen=config.spike_window)
        self.bad_steps: deque = deque()  # steps of recent bad steps (rollback window)
        self.bad_in_row = 0
        self.rollbacks = 0
        self.skipped = 0
        # Why the last STOP was decided: "policy" (stop), "bad_in_row" (skipping no longer helps) or "rollbacks".
        self.stop_reason = ""
        # Whether spikes are judged at all (asked for, and a policy that acts): read every step.
        self.judges_spikes = bool(config.skip_spikes) and config.policy != "observe"

    def _threshold(self, values: deque) -> float:
        if len(values) < self.config.spike_min_history:
            return math.inf
        n = len(values)
        mean = sum(values) / n
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / n)
        return mean + self.config.spike_sigma * max(std, self.config.spike_rel_floor * abs(mean))

    def thresholds(self) -> tuple:
        """(loss, grad norm) above which a step is a spike; infinite while spikes are not judged."""
        if not self.judges_spikes:
            return math.inf, math.inf
        return self._threshold(self.losses), self._threshold(self.norms)

    def is_bad(self, nonfinite: bool, spike: bool) -> bool:
        """Whether a step with these flags is one the policy acts on."""
        return nonfinite or (spike and self.judges_spikes)

    def decide(self, step: int, nonfinite: bool, spike: bool, *, bad_data: bool = False) -> str:
        """The action for this step; updates the counters. ``bad_data``: the batch itself holds NaN/inf."""
        cfg = self.config
        if not self.is_bad(nonfinite, spike):
            self.bad_in_row = 0
            return STEP
        self.bad_in_row += 1
        if cfg.policy == "observe":
            return STEP
        if cfg.policy == "stop":
            self.stop_reason = "policy"
            return STOP
        self.skipped += 1
        if cfg.policy == "skip" or bad_data:
            if self.bad_in_row >= cfg.max_bad_in_row:
                self.stop_reason = "bad_in_row"
                return STOP
            return SKIP
        # rollback
        self.bad_steps.append(step)
        while self.bad_steps and self.bad_steps[0] <= step - cfg.rollback_window:
            self.bad_steps.popleft()
        if len(self.bad_steps) >= cfg.rollback_after:
            if self.rollbacks >= cfg.max_rollbacks:
                self.stop_reason = "rollbacks"
                return STOP
            self.rollbacks += 1
            return ROLLBACK
        return SKIP

    def first_bad_step(self) -> Optional[int]:
        """The first bad step of the current rollback window (the snapshot to restore must predate it)."""
        return self.bad_steps[0] if self.bad_steps else None

    def after_rollback(self) -> None:
        """Start counting afresh after a rollback: the bad steps that led to it are dealt with."""
        self.bad_steps.clear()
        self.bad_in_row = 0

    def healthy(self, loss: Optional[float], norm: float) -> None:
        """Add an applied, finite step to the history the spike thresholds come from."""
        if loss is not None and math.isfinite(loss):
            self.losses.append(loss)
        if math.isfinite(norm):
            self.norms.append(norm)

    def quiet(self, loss: Optional[float], norm: float) -> None:
        """A step that is neither bad nor anything else but applied, with finite values: ``decide`` (STEP) and
        ``healthy`` in one."""
        self.bad_in_row = 0
        if loss is not None:
            self.losses.append(loss)
        self.norms.append(norm)

    def state_dict(self) -> dict:
        """Counters and histories (JSON-safe), so that a resumed run keeps its guard."""
        return {
            "losses": list(self.losses),
            "norms": list(self.norms),
            "bad_steps": list(self.bad_steps),
            "bad_in_row": self.bad_in_row,
            "rollbacks": self.rollbacks,
            "skipped": self.skipped,
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.losses.clear()
        self.losses.extend(float(v) for v in state.get("losses", []))
        self.norms.clear()
        self.norms.extend(float(v) for v in state.get("norms", []))
        self.bad_steps = deque(int(v) for v in state.get("bad_steps", []))
        self.bad_in_row = int(state.get("bad_in_row", 0))
        self.rollbacks = int(state.get("rollbacks", 0))
        self.skipped = int(state.get("skipped", 0))
