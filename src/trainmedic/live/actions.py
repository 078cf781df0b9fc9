"""What the Monitor does with its decision: apply the optimizer step, discard it (no weight, optimizer state or
BatchNorm statistic changes), take snapshots, roll back, stop. A mixin of :class:`~trainmedic.live.monitor.Monitor`.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ..i18n import msg
from . import quantities as q
from .guard import ROLLBACK, SKIP, STEP, STOP
from .results import StepResult, StopTraining

# What the guard records and says when it skips a step, by why (full catalog keys).
SKIP_EVENTS = {
    "nonfinite": "live.event.skip.nonfinite",
    "spike": "live.event.skip.spike",
    "bad_data": "live.event.skip.bad_data",
}
SKIP_ANNOUNCEMENTS = {
    "nonfinite": "live.announce.skip.nonfinite",
    "spike": "live.announce.skip.spike",
    "bad_data": "live.announce.skip.bad_data",
}
# Batch indices of skipped steps listed in the report: the first ones (the log has every skip).
MAX_LISTED_SKIPS = 100
# What the guard records and says when it stops, by why it stopped (full catalog keys).
STOP_EVENTS = {
    "stop": "live.event.stop.stop",
    "skip": "live.event.stop.skip",
    "rollback": "live.event.stop.rollback",
    "observe": "live.event.stop.observe",
}
STOP_ANNOUNCEMENTS = {
    "stop": "live.announce.stop.stop",
    "skip": "live.announce.stop.skip",
    "rollback": "live.announce.stop.rollback",
    "observe": "live.announce.stop.observe",
}


class Actions:
    """Applying, discarding and undoing steps."""

    def apply(self) -> None:
        """Apply the optimizer step (through the GradScaler when there is one)."""
        if self.scaler is not None and self.scaler.is_enabled():
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()

    def discard(self) -> None:
        """Drop this step's gradients (no weight, moment or step count changes: optimizers skip ``grad=None``) on
        every parameter the optimizer holds, and put back the buffers its forward pass changed."""
        for p in self._params:
            p.grad = None
        if self._buffers:
            with torch.no_grad():
                torch._foreach_copy_(self._buffers, self._buffers_ok)
        if self.scaler is not None and self.scaler.is_enabled():
            try:
                self.scaler.update()  # the scaler saw the overflow in unscale_ and backs off its scale
            except (AssertionError, RuntimeError):
                pass

    def _not_applied(self, result: StepResult, index: Any) -> None:
        """Record (and, when skipped or rolled back, say) a step the guard did not apply: batch ``index``."""
        if len(self.skipped_batches) < MAX_LISTED_SKIPS:
            self.skipped_batches.append(index)
        step = result.step
        reason = "nonfinite" if result.nonfinite else "spike"
        key = "bad_data" if result.bad_data else reason
        self.event(
            "skip",
            msg(SKIP_EVENTS[key], step=step, batch=index),
            batch=index,
            reason=reason,
            loss=result.loss,
            grad_norm=result.grad_norm,
            input_nonfinite=result.bad_data,
        )
        if result.action == SKIP or result.action == ROLLBACK:
            self.announcer.event(f"skip.{key}", msg(SKIP_ANNOUNCEMENTS[key], step=step, batch=index), step)

    def after(self, result: StepResult, *, raise_stop: bool = True) -> None:
        """Act on the decision after the step: snapshot, rollback or stop (raises :class:`StopTraining` unless
        ``raise_stop`` is False: the framework integrations set their own stop flag instead)."""
        if result.action == STEP:
            if self._buffers:  # the buffers a later skipped step will put back (one fused copy)
                with torch.no_grad():
                    torch._foreach_copy_(self._buffers_ok, self._buffers)
            if self.snapshots is not None:
                if result.loss is not None and math.isfinite(result.loss):
                    self._losses_since_snapshot.append(result.loss)
                if self.snapshots.due(self.step_count):
                    seen = self._losses_since_snapshot
                    self.snapshots.take(self.step_count, self.lr_scale, sum(seen) / len(seen) if seen else math.nan)
                    self._losses_since_snapshot = []
        elif result.action == ROLLBACK:
            self._rollback()
        elif result.action == STOP:
            reason = "nonfinite" if result.nonfinite else "spike"
            why = {"policy": "stop", "bad_in_row": "skip", "rollbacks": "rollback"}.get(
                self.guard.stop_reason, "observe"
            )
            self.event(
                "stop",
                msg(STOP_EVENTS[why], step=self.step_count),
                reason=reason,
                input_nonfinite=result.bad_data,
            )
            self.announcer.event("stop", msg(STOP_ANNOUNCEMENTS[why], step=self.step_count), self.step_count)
            self.close()
            if raise_stop:
                raise StopTraining(self.report(), self.step_count, reason)

    def _rollback(self) -> None:
        from .snapshot import scale_lr

        restored = self.snapshots.restore(self.guard.first_bad_step())
        self.guard.after_rollback()
        if restored is None:
            return
        snap_step, snap_scale = restored
        new_scale = self.lr_scale * self.guard.config.lr_factor
        scale_lr(self.optimizer, self.scheduler, new_scale / snap_scale)
        self.lr_scale = new_scale
        self.event(
            "rollback",
            msg("live.event.rollback", step=self.step_count, to=snap_step, scale=new_scale),
            to_step=snap_step,
            lr_scale=new_scale,
            lr=q.lrs(self.optimizer),
        )
        self.announcer.event(
            "rollback",
            msg("live.announce.rollback", step=self.step_count, to=snap_step, scale=new_scale),
            self.step_count,
        )
