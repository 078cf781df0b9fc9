"""The Monitor: records a training run step by step, guards it (observe | skip | rollback | stop), writes the
``trainmedic-live`` log, and diagnoses with the same rules as ``trainmedic diagnose``.

Plain loop::

    monitor = trainmedic.Monitor(model, optimizer, policy="skip", loss_fn=lambda m, b: loss_of(m(b[0]), b[1]))
    for i, batch in enumerate(loader):
        loss = loss_of(model(batch[0]), batch[1])
        loss.backward()
        result = monitor.step(loss, batch)   # optimizer.step() unless the guard decided otherwise
        optimizer.zero_grad()
    print(monitor.report().to_text())

Cost per step: fused gradient norms (none extra when ``max_grad_norm`` is set or the norm is passed in), one
``.tolist()`` of a small stacked tensor, and, under torch.distributed, one all-reduce of that tensor's flags.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import torch

from ..i18n import msg
from . import distributed as dist
from . import quantities as q
from .guard import ROLLBACK, STEP, STOP, Guard, GuardConfig
from .records import FORMAT, VERSION, LogWriter, RunBuilder

# What the guard says when it skips (by why) and when it stops (by policy): full catalog keys.
SKIP_EVENTS = {"nonfinite": "live.event.skip.nonfinite", "spike": "live.event.skip.spike"}
STOP_EVENTS = {"stop": "live.event.stop.stop", "skip": "live.event.stop.skip", "rollback": "live.event.stop.rollback",
               "observe": "live.event.stop.observe"}


class StopTraining(Exception):
    """Raised by :meth:`Monitor.step` under the ``stop`` policy (or when skipping/rolling back cannot help):
    the run ends here, with the diagnosis in :attr:`report`."""

    def __init__(self, report, step: int, reason: str) -> None:
        self.report, self.step, self.reason = report, step, reason
        super().__init__(f"trainmedic stopped the run at step {step}: {reason}")


@dataclass
class StepResult:
    """What happened to one step: ``action`` is ``step`` (applied), ``skip``, ``rollback`` or ``stop``."""

    step: int
    action: str
    loss: float
    grad_norm: float
    nonfinite: bool = False
    spike: bool = False
    provenance: Optional[dict] = None
    layers: dict = field(default_factory=dict)

    @property
    def applied(self) -> bool:
        """True when the optimizer step was applied (call your lr scheduler only then)."""
        return self.action == STEP


# Per-layer gradient norms every 50 steps: enough to see a layer's gradient vanish or explode over a run, cheap
# because the per-tensor norms are already computed for the global norm.
LAYER_NORMS_EVERY = 50


class Monitor:
    """Guard and recorder of one training run. See the module docstring and docs/readme/live.md.

    ``loss_fn(model, batch) -> loss`` recomputes the loss of a batch; it is needed only for NaN provenance (the
    replay of the first non-finite batch) and must do the same forward as training (autocast included, or pass
    ``autocast=dict(device_type="cpu", dtype=torch.bfloat16)``).
    """

    def __init__(self, model: torch.nn.Module, optimizer, *, policy: str = "skip", scaler=None, scheduler=None,
                 max_grad_norm: Optional[float] = None, loss_fn: Optional[Callable] = None,
                 autocast: Optional[dict] = None, log_path: Optional[str] = None,
                 layer_norms_every: int = LAYER_NORMS_EVERY, snapshot_every: int = 100, snapshot_keep: int = 2,
                 snapshot_dir: Optional[str] = None, protect_buffers: bool = True, config: Optional[dict] = None, lang: str = "en",
                 **guard: Any) -> None:
        self.model, self.optimizer, self.scaler, self.scheduler = model, optimizer, scaler, scheduler
        self.max_grad_norm = float(max_grad_norm) if max_grad_norm else None
        self.loss_fn, self.autocast, self.lang = loss_fn, autocast, lang
        self.layer_norms_every = int(layer_norms_every or 0)
        self.guard = Guard(GuardConfig(policy=policy, **guard))
        self.policy = policy
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        prefix = "module." if hasattr(model, "module") else ""
        self._params = [p for _, p in named]
        self._layer = {id(p): q.layer_of(n[len(prefix):] if n.startswith(prefix) else n) for n, p in named}
        self.rank, self.world_size = dist.rank(), dist.world_size()
        self.step_count = 0
        self.lr_scale = 1.0
        self.provenance: Optional[dict] = None
        self.skipped_batches: list = []
        self._last_time: Optional[float] = None
        self._first_nonfinite_seen = False
        self.builder = RunBuilder(log_path or "<live>")
        self.log = LogWriter(log_path) if (log_path and self.rank == 0) else None
        # A bad batch's forward has already moved the running statistics (BatchNorm) when the step is judged: a
        # skipped step puts back the buffers of the last applied step (small tensors, copied without a sync).
        self._buffers = list(model.buffers()) if protect_buffers else []
        self._buffers_ok = [b.detach().clone() for b in self._buffers]
        self.snapshots = None
        self._losses_since_snapshot: list = []
        if policy == "rollback":
            from .snapshot import Snapshots

            self.snapshots = Snapshots(model, optimizer, scaler=scaler, scheduler=scheduler, every=snapshot_every,
                                       keep=snapshot_keep, directory=snapshot_dir)
            self.snapshots.take(0, self.lr_scale)
        self._record({"format": FORMAT, "version": VERSION, "type": "header", "time": time.time(),
                      "policy": policy,
                      "config": q.run_config(model, optimizer, policy=policy, scaler=scaler, autocast=autocast,
                                             max_grad_norm=self.max_grad_norm, world_size=self.world_size,
                                             extra=config)})

    # Recording -----------------------------------------------------------------------------------------------
    def _record(self, rec: dict) -> None:
        self.builder.add(rec)
        if self.log is not None:
            self.log.write(rec)

    def event(self, kind: str, message: Any = "", /, **data: Any) -> None:
        """Record an event (skip, rollback, stop, provenance, end ...) in the run and its log."""
        text = message.render("en") if hasattr(message, "render") else str(message)
        self._record({"type": "event", "kind": kind, "step": self.step_count, "message": text, "data": data})

    # The step --------------------------------------------------------------------------------------------------
    def measure(self, loss, *, grad_norm=None, clip: bool = True) -> tuple:
        """Compute this step's quantities and agree on them: ``(loss, norm, nonfinite, spike, layers, scale)``.

        One all-reduce under torch.distributed, one host sync. Clips when ``max_grad_norm`` is set and no norm was
        passed (the norm is then computed once and used for both).
        """
        device = loss.device if isinstance(loss, torch.Tensor) else (
            self._params[0].device if self._params else torch.device("cpu"))
        if self.scaler is not None and self.scaler.is_enabled():
            try:
                self.scaler.unscale_(self.optimizer)  # true gradient values for the norm and the clip
            except RuntimeError:
                pass  # already unscaled by the training loop this step
        grads = q.grads_of(self._params)
        want_layers = bool(self.layer_norms_every) and self.step_count % self.layer_norms_every == 0
        per = None
        if grad_norm is None:
            per = q.per_tensor_norms(grads, device)
            norm = q.total_norm(per)
            if clip and self.max_grad_norm:
                q.clip_(grads, norm, self.max_grad_norm)
        else:
            norm = q.as_scalar(grad_norm, device)
            if want_layers:
                per = q.per_tensor_norms(grads, device)
        loss_t = q.as_scalar(loss, device)
        nonfinite = ~(torch.isfinite(loss_t) & torch.isfinite(norm))
        thr_loss, thr_norm = self.guard.thresholds()
        spike = (loss_t > thr_loss) | (norm > thr_norm) if math.isfinite(thr_loss + thr_norm) else \
            torch.zeros((), dtype=torch.bool, device=device)
        flags = torch.stack([nonfinite.float(), spike.float(), loss_t])
        dist.agree(flags)  # [ranks with non-finite, ranks with a spike, sum of losses]
        parts = [flags, norm.float().reshape(1)]
        scale = q.loss_scale_tensor(self.scaler, device)
        if scale is not None:
            parts.append(scale)
        if want_layers and per is not None:
            parts.append(per)
        values = torch.cat(parts).tolist()  # the one host-device synchronisation of the step
        n_bad, n_spike, loss_sum, norm_v = values[:4]
        i = 4
        scale_v = None
        if scale is not None:
            scale_v, i = values[4], 5
        layers = {}
        if want_layers and per is not None:
            layers = q.layer_norms([self._layer[id(p)] for p in self._params if p.grad is not None], values[i:])
        return loss_sum / self.world_size, norm_v, n_bad > 0, n_spike > 0, layers, scale_v

    def step(self, loss, batch: Any = None, *, grad_norm=None, batch_index: Optional[int] = None,
             epoch: Optional[float] = None) -> StepResult:
        """Judge this step (after ``backward``) and apply ``optimizer.step()`` unless the guard decides otherwise.

        ``grad_norm``: the norm ``clip_grad_norm_`` returned, when the loop clips itself (then none is computed).
        ``batch``: kept only for the replay of the first non-finite batch. Raises :class:`StopTraining`.
        """
        result = self.judge(loss, batch, grad_norm=grad_norm, batch_index=batch_index, epoch=epoch)
        if result.action == STEP:
            self.apply()
        else:
            self.discard()
        self.after(result)
        return result

    def judge(self, loss, batch: Any = None, *, grad_norm=None, batch_index: Optional[int] = None,
              epoch: Optional[float] = None) -> StepResult:
        """Measure and decide, without touching the optimizer (the integrations apply the decision)."""
        now = time.perf_counter()
        step_time = now - self._last_time if self._last_time is not None else None
        self._last_time = now
        self.step_count += 1
        loss_v, norm_v, nonfinite, spike, layers, scale_v = self.measure(loss, grad_norm=grad_norm)
        amp_overflow = (nonfinite and math.isfinite(loss_v) and self.scaler is not None
                        and self.scaler.is_enabled())
        # With a GradScaler, overflowing gradients under a finite loss are routine: the scaler skips that step and
        # lowers the scale itself. Only a non-finite loss (or a spike) is the guard's business then.
        action = self.guard.decide(self.step_count, nonfinite and not amp_overflow, spike)
        result = StepResult(self.step_count, action, loss_v, norm_v, nonfinite, spike, layers=layers)
        index = batch_index if batch_index is not None else self.step_count - 1
        rec = {"type": "step", "step": self.step_count, "loss": loss_v, "grad_norm": norm_v,
               "lr": q.lrs(self.optimizer), "action": action, "batch": index}
        for key, v in (("epoch", epoch), ("step_time", step_time), ("loss_scale", scale_v)):
            if v is not None:
                rec[key] = v
        if layers:
            rec["layers"] = layers
        self._record(rec)
        if nonfinite and not self._first_nonfinite_seen:
            self._first_nonfinite_seen = True
            result.provenance = self._explain(batch)
        if amp_overflow:
            self.event("amp_overflow", msg("live.event.amp_overflow", step=self.step_count), batch=index)
        if action != STEP:
            self.skipped_batches.append(index)
            reason = "nonfinite" if nonfinite else "spike"
            self.event("skip", msg(SKIP_EVENTS[reason], step=self.step_count, batch=index),
                       batch=index, reason=reason, loss=loss_v, grad_norm=norm_v)
        else:
            self.guard.healthy(loss_v, norm_v)
        return result

    def _explain(self, batch: Any) -> Optional[dict]:
        """NaN provenance for the first non-finite step (every rank replays together: collectives stay paired)."""
        if self.loss_fn is None or batch is None:
            return None
        from .provenance import replay

        found = replay(self.model, batch, self.loss_fn, autocast=self.autocast, no_sync=dist.no_sync_of(self.model))
        found["rank"] = self.rank
        if dist.active():
            everyone = dist.gather(found)
            found = next((f for f in everyone if f.get("phase") not in ("none", "error")), everyone[0])
        self.provenance = found
        from .explain import provenance_message

        self.event("provenance", provenance_message(found), **found)
        return found

    def apply(self) -> None:
        """Apply the optimizer step (through the GradScaler when there is one)."""
        if self.scaler is not None and self.scaler.is_enabled():
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()

    def discard(self) -> None:
        """Drop this step's gradients (no weight, moment or step count changes: optimizers skip ``grad=None``) and
        put back the buffers its forward pass changed."""
        for p in self._params:
            p.grad = None
        with torch.no_grad():
            for saved, b in zip(self._buffers_ok, self._buffers):
                b.copy_(saved)
        if self.scaler is not None and self.scaler.is_enabled():
            try:
                self.scaler.update()  # the scaler saw the overflow in unscale_ and backs off its scale
            except (AssertionError, RuntimeError):
                pass

    def after(self, result: StepResult, *, raise_stop: bool = True) -> None:
        """Act on the decision after the step: snapshot, rollback or stop (raises :class:`StopTraining` unless
        ``raise_stop`` is False: the framework integrations set their own stop flag instead)."""
        if result.action == STEP:
            with torch.no_grad():  # the buffers a later skipped step will put back
                for saved, b in zip(self._buffers_ok, self._buffers):
                    saved.copy_(b)
            if self.snapshots is not None:
                if math.isfinite(result.loss):
                    self._losses_since_snapshot.append(result.loss)
                if self.snapshots.due(self.step_count):
                    seen = self._losses_since_snapshot
                    self.snapshots.take(self.step_count, self.lr_scale, sum(seen) / len(seen) if seen else math.nan)
                    self._losses_since_snapshot = []
        elif result.action == ROLLBACK:
            self._rollback()
        elif result.action == STOP:
            reason = "nonfinite" if result.nonfinite else "spike"
            self.event("stop", msg(STOP_EVENTS[self.policy], step=self.step_count), reason=reason)
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
        self.event("rollback", msg("live.event.rollback", step=self.step_count, to=snap_step, scale=new_scale),
                   to_step=snap_step, lr_scale=new_scale, lr=q.lrs(self.optimizer))

    # Results ---------------------------------------------------------------------------------------------------
    def run(self):
        """The Run recorded so far (same series names as the offline readers)."""
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
            self.event("end", msg("live.event.end", steps=self.step_count, skipped=self.guard.skipped,
                                  rollbacks=self.guard.rollbacks),
                       steps=self.step_count, skipped=self.guard.skipped, rollbacks=self.guard.rollbacks)
        if self.log is not None:
            self.log.close()
