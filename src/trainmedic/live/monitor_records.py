"""The Monitor's records and results: evaluations, preflight results, its resumable state, the Run it has
recorded, the diagnosis, and closing the log. A mixin of :class:`~trainmedic.live.monitor.Monitor` (it uses the
attributes the Monitor sets up: ``builder``, ``log``, ``guard``, ``signals``, ``evals``, ``announcer`` ...).
"""

from __future__ import annotations

from typing import Any, Optional

import torch

from ..i18n import msg
from ..observations import LiveAlarm, PreflightResult
from . import distributed as dist
from . import facts
from . import quantities as q
from .guard import STEP
from .records import FLUSH_RECORDS, number
from .results import StepResult
from .tally import announcement


class Records:
    """Recording, evaluations, state and results of a Monitor."""

    # Recording -----------------------------------------------------------------------------------------------
    def _record(self, rec: dict, *, flush: bool = True) -> None:
        """One record (header, evaluation, event, observation), after the step rows waiting: the log keeps order."""
        if self._steps:
            self._flush_steps(flush=False)
        self.builder.add(rec)
        if self.log is not None:
            self.log.write(rec, flush=flush)

    def _record_step(
        self,
        loss: Optional[float],
        norm: float,
        scale: Optional[float],
        layers: Optional[dict],
        action: str,
        index: Any,
        epoch: Any,
        step_time: Optional[float],
        now: float,
    ) -> None:
        """Keep the step's row; rows go to the Run and the log in batches (every FLUSH_RECORDS steps, FLUSH_SECONDS,
        guard action, other record or read of the Run), formatted while the code is in the cache."""
        rows = self._steps
        lrs = q.lrs(self.optimizer)
        rows.append((self.step_count, epoch, loss, norm, lrs, scale, step_time, layers or None, action, index))
        log = self.log
        if log is None:
            if action != STEP or len(rows) >= FLUSH_RECORDS:
                self._flush_steps(flush=False)
        elif action != STEP or len(rows) >= log.flush_records or now - log.flushed >= log.flush_seconds:
            self._flush_steps(flush=True)

    def _flush_steps(self, *, flush: bool) -> None:
        """Hand the waiting step rows to the Run and the log."""
        rows = self._steps
        self.builder.add_steps([(float(r[0]), number(r[1]), *r[2:8]) for r in rows])
        if self.log is not None:
            self.log.write_steps(rows, flush=flush)
        rows.clear()

    def event(self, kind: str, message: Any = "", /, **data: Any) -> None:
        """Record an event (skip, rollback, stop, provenance, end ...) in the run and its log."""
        text = message.render("en") if hasattr(message, "render") else str(message)
        self._record(
            {"type": "event", "kind": kind, "step": self.step_count, "message": text, "data": data}, flush=True
        )

    def observe(self, obs) -> None:
        """Record a typed observation (:mod:`trainmedic.observations`) in the run and its log."""
        self._record(obs.to_record(), flush=True)

    # What the step showed ------------------------------------------------------------------------------------
    def _signals(self, result: StepResult, m, passed: bool, quiet_tried: bool = False) -> None:
        """Host-side judgement: alarms, gradient flow, stale gradients, clipping; announce what matters.
        ``quiet_tried``: the step was offered as a quiet step already (and not taken)."""
        args = (self.step_count, m.loss, m.norm, m.no_grads, m.stale)
        if not quiet_tried and self.signals.quiet_step(*args):
            return
        found = self.signals.loud_step(*args, m.norm if passed else None, m.post)
        for obs in found:
            self.observe(obs)
            if isinstance(obs, LiveAlarm):
                result.alarms.append(obs)
                if obs.code == "TM101" and result.action != STEP:
                    continue  # the skip or stop is the announcement
            text = announcement(obs, self.step_count)
            if text is not None:
                self.announcer.event(f"{obs.kind}.{getattr(obs, 'code', '')}", text, self.step_count)

    def _first_batch(self, batch: Any) -> None:
        """What the first batch's inputs and labels look like (read once)."""
        for obs in facts.input_stats(batch, self.step_count):
            self.observe(obs)
        labels = facts.label_stats(batch, self.num_classes, "train", self.step_count)
        if labels is not None:
            self.observe(labels)

    def _explain(self, batch: Any) -> Optional[dict]:
        """NaN provenance for the first non-finite step (every rank replays together: collectives stay paired)."""
        if self.loss_fn is None or batch is None:
            return None
        from .explain import provenance_message
        from .provenance import replay

        found = replay(self.model, batch, self.loss_fn, autocast=self.autocast, no_sync=dist.no_sync_of(self.model))
        if self.probe is not None:
            self.probe.reset()  # the replay's backward is not a training step
        found["rank"] = self.rank
        if dist.active():
            everyone = dist.gather(found)
            found = next((f for f in everyone if f.get("phase") not in ("none", "error")), everyone[0])
        self.provenance = found
        self.event("provenance", provenance_message(found), **found)
        return found

    # Evaluations, preflight, state -------------------------------------------------------------------------------
    def log_eval(
        self, metrics: dict, *, step: Optional[int] = None, epoch: Optional[float] = None, labels: Any = None
    ) -> None:
        """Record evaluation metrics (``{"acc": 0.81, "loss": 0.52}``; names as the loop writes them) at ``step``
        (default: the current step); ``labels``: the eval set's labels (a tensor), to know its class shares."""
        at = self.step_count if step is None else int(step)
        clean = {str(k): float(v) for k, v in metrics.items() if isinstance(v, (int, float, torch.Tensor))}
        rec: dict = {"type": "eval", "step": at, "metrics": clean}
        if epoch is not None:
            rec["epoch"] = float(epoch)
        self._record(rec)
        if labels is not None and self.rank == 0:
            stats = facts.label_stats({"labels": labels}, self.num_classes, "eval", at)
            if stats is not None:
                self.observe(stats)
        for obs in self.evals.update(at, clean, self.guard.losses, chance=self._chance()):
            self.observe(obs)
            text = announcement(obs, at)
            if text is not None:
                self.announcer.event(f"alarm.{obs.code}.{obs.series}", text, at)

    def _chance(self) -> Optional[float]:
        """The accuracy of always answering the most common class: the eval labels' largest share, else 1/K."""
        shares = [o.majority_share for o in self.builder.observations if getattr(o, "split", "") == "eval"]
        if shares and shares[-1]:
            return shares[-1]
        return 1.0 / self.num_classes if self.num_classes and self.num_classes >= 2 else None

    def record_preflight(self, report) -> None:
        """Keep what :func:`trainmedic.preflight` found, so that the diagnosis weighs it."""
        pre = report.extra.get("preflight", {}) if hasattr(report, "extra") else {}
        self.observe(
            PreflightResult(
                step=self.step_count,
                codes=tuple(f.code for f in report.findings),
                causes=tuple(d.cause for d in report.diagnoses),
                loss_at_init=pre.get("loss_at_init"),
                chance_loss=pre.get("chance_loss"),
            )
        )

    def state_dict(self) -> dict:
        """The guard's state (JSON-safe): save it with your checkpoint, restore it with :meth:`load_state_dict`."""
        return {
            "version": 1,
            "step_count": self.step_count,
            "lr_scale": self.lr_scale,
            "guard": self.guard.state_dict(),
            "signals": self.signals.state_dict(),
            "evals": self.evals.state_dict(),
            "announced": self.announcer.state_dict(),
            "first_nonfinite_seen": self._first_nonfinite_seen,
            "provenance": self.provenance,
            "skipped_batches": list(self.skipped_batches),
        }

    def load_state_dict(self, state: dict) -> None:
        """Resume the guard where :meth:`state_dict` left it."""
        self.step_count = int(state.get("step_count", 0))
        self.lr_scale = float(state.get("lr_scale", 1.0))
        self.guard.load_state_dict(state.get("guard") or {})
        self.signals.load_state_dict(state.get("signals") or {})
        self.evals.load_state_dict(state.get("evals") or {})
        self.announcer.load_state_dict(state.get("announced") or {})
        self._first_nonfinite_seen = bool(state.get("first_nonfinite_seen", False))
        self.provenance = state.get("provenance")
        self.skipped_batches = list(state.get("skipped_batches") or [])

    # Results ---------------------------------------------------------------------------------------------------
    def run(self):
        """The Run recorded so far (same series names as the offline readers)."""
        if self._steps:
            self._flush_steps(flush=True)
        return self.builder.run()

    def report(self):
        """Diagnose the run so far with the same rules as ``trainmedic diagnose`` (report kind ``live``)."""
        from ..diagnosis import diagnose_run
        from .explain import live_parts

        extra, notes = live_parts(self)
        return diagnose_run(self.run(), lang=self.lang, kind="live", extra=extra, notes=notes)

    def close(self) -> None:
        """Write the end event and close the log (the HF/Lightning callbacks call this when training ends)."""
        if not self.builder.ended:
            self.observe(self.signals.gradient_flow(self.step_count))
            self.event(
                "end",
                msg(
                    "live.event.end", steps=self.step_count, skipped=self.guard.skipped, rollbacks=self.guard.rollbacks
                ),
                steps=self.step_count,
                skipped=self.guard.skipped,
                rollbacks=self.guard.rollbacks,
            )
        if self.probe is not None:
            self.probe.remove()
        if self._steps:
            self._flush_steps(flush=True)
        if self.log is not None:
            self.log.close()
