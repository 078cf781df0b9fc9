"""The Monitor: records a training run step by step, guards it (observe | skip | rollback | stop), says what it does
while it does it, writes the ``trainmedic-live`` log, and diagnoses with the same rules as ``trainmedic diagnose``.

Plain loop::

    monitor = trainmedic.Monitor(model, optimizer, policy="skip", loss_fn=lambda m, b: loss_of(m(b[0]), b[1]))
    for i, batch in enumerate(loader):
        loss = loss_of(model(batch[0]), batch[1])
        loss.backward()
        result = monitor.step(loss, batch)   # optimizer.step() unless the guard decided otherwise
        optimizer.zero_grad()
    print(monitor.report().to_text())

Per step: the loss, the gradient norm over the parameters the optimizer holds at that step, the lr, whether the
gradients were zeroed since the last step, read back with one host synchronisation (one all-reduce under
torch.distributed); then host-side judgement (:mod:`.signals`). The guard never acts on a value it could not
measure: a loss it cannot find is not NaN, and then only the gradients are judged (said once).
"""

from __future__ import annotations

import math
import time
import weakref
from time import perf_counter
from typing import Any, Callable, Optional

import torch

from ..i18n import msg
from ..lossfn import check_loss_fn, loss_of
from . import distributed as dist
from . import facts
from . import quantities as q
from .actions import Actions
from .announce import Announcer
from .guard import STEP, Guard, GuardConfig
from .measure import measure, of_plain, plain
from .monitor_records import Records
from .records import FORMAT, VERSION, LogWriter, RunBuilder, finish_log
from .results import StepResult, StopTraining
from .signals import Signals
from .tally import EvalWatch

__all__ = ["Monitor", "StepResult", "StopTraining"]

# Per-layer gradient norms every 50 steps: enough to see a layer's gradient vanish or explode over a run, cheap
# because the per-tensor norms are already computed for the global norm.
LAYER_NORMS_EVERY = 50


class Monitor(Records, Actions):
    """Guard and recorder of one training run. See the module docstring and docs/live.md.

    ``loss_fn(model, batch) -> loss`` recomputes the loss of a batch (the one contract of :mod:`trainmedic.lossfn`); it is
    needed only for NaN provenance and must do the same forward as training (autocast included, or pass
    ``autocast=dict(device_type="cpu", dtype=torch.bfloat16)``). ``framework`` names the loop for the advice
    (``torch`` | ``hf`` | ``lightning`` | ``accelerate``); ``display`` is where announcements go besides the
    ``trainmedic`` logger (the integrations pass the framework's progress bar); ``announce=False`` silences them.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        optimizer,
        *,
        policy: str = "skip",
        scaler=None,
        scheduler=None,
        max_grad_norm: Optional[float] = None,
        loss_fn: Optional[Callable] = None,
        autocast: Optional[dict] = None,
        log_path: Optional[str] = None,
        layer_norms_every: int = LAYER_NORMS_EVERY,
        snapshot_every: int = 100,
        snapshot_keep: int = 2,
        snapshot_dir: Optional[str] = None,
        protect_buffers: bool = True,
        config: Optional[dict] = None,
        lang: str = "en",
        framework: str = "torch",
        announce: bool = True,
        display: Optional[Callable[[str], None]] = None,
        details: Optional[str] = None,
        **guard: Any,
    ) -> None:
        self.model, self.optimizer, self.scaler, self.scheduler = model, optimizer, scaler, scheduler
        self.max_grad_norm = float(max_grad_norm) if max_grad_norm else None
        self.loss_fn = check_loss_fn(loss_fn, "Monitor")
        self.autocast, self.lang, self.framework = autocast, lang, framework
        self.layer_norms_every = int(layer_norms_every or 0)
        self.guard = Guard(GuardConfig(policy=policy, **guard))
        self.policy = policy
        self.rank, self.world_size = dist.rank(), dist.world_size()
        self._distributed = dist.active()
        self.step_count = 0
        self.lr_scale = 1.0
        self.provenance: Optional[dict] = None
        self.skipped_batches: list = []
        self._groups_seen: list = []  # (the params list, its length) of each optimizer group, as last read
        self._params: list = []
        self._layer: dict = {}
        self._refresh_params()
        self._last_time: Optional[float] = None
        self._first_nonfinite_seen = False
        self._loss_missing = 0
        self.num_classes = facts.num_classes_of(model)
        # Clipping the Monitor does itself, or that the framework's config declares (the Trainer clips before the
        # guard sees the gradients, Lightning after): either way the run clips.
        self.signals = Signals(max_grad_norm=self.max_grad_norm or (config or {}).get("max_grad_norm") or None)
        self.evals = EvalWatch()
        single = not dist.active() and not hasattr(model, "no_sync")  # DDP averages .grad after the hook sees it
        self.probe = q.StaleProbe(self._params) if single else None
        self.builder = RunBuilder(str(log_path) if log_path else "<live>")
        self.log = LogWriter(log_path) if (log_path and self.rank == 0) else None
        self._steps: list = []  # step rows not yet in the Run and the log (see Records._record_step)
        weakref.finalize(self, finish_log, self.log, self._steps)  # a run that ends without close() keeps them
        where = details or (f"trainmedic diagnose {log_path}" if log_path else "monitor.report()")
        self.announcer = Announcer(enabled=announce and self.rank == 0, display=display, details=where, lang=lang)
        # A bad batch's forward has already moved the running statistics (BatchNorm) when the step is judged: a
        # skipped step puts back the buffers of the last applied step (small tensors, copied without a sync).
        self._buffers = list(model.buffers()) if protect_buffers else []
        self._buffers_ok = [b.detach().clone() for b in self._buffers]
        self.snapshots = None
        self._losses_since_snapshot: list = []
        if policy == "rollback":
            from .snapshot import Snapshots

            self.snapshots = Snapshots(
                model,
                optimizer,
                scaler=scaler,
                scheduler=scheduler,
                every=snapshot_every,
                keep=snapshot_keep,
                directory=snapshot_dir,
            )
            self.snapshots.take(0, self.lr_scale)
        # Applying a step is ``optimizer.step()`` and nothing else (no GradScaler, no buffers to keep for a later
        # skipped step, no snapshots to take): what ``apply`` and ``after`` come to then.
        scaler_on = scaler is not None and scaler.is_enabled()
        self._only_step = not scaler_on and not self._buffers and self.snapshots is None
        self._record(
            {
                "format": FORMAT,
                "version": VERSION,
                "type": "header",
                "time": time.time(),
                "policy": policy,
                "config": q.run_config(
                    model,
                    optimizer,
                    policy=policy,
                    scaler=scaler,
                    autocast=autocast,
                    max_grad_norm=self.max_grad_norm,
                    world_size=self.world_size,
                    framework=framework,
                    num_classes=self.num_classes,
                    extra=config,
                ),
            }
        )
        self.observe(facts.parameter_counts(model, optimizer))

    def _refresh_params(self) -> None:
        """The parameters the optimizer holds now (a group added, a parameter unfrozen after the Monitor was built
        or one that is not the model's): what the guard must keep finite."""
        groups = self.optimizer.param_groups
        self._groups_seen = [(g["params"], len(g["params"])) for g in groups]
        self._params = facts.optimizer_params(self.optimizer)
        devices = {p.device for p in self._params}
        # The one-device path of :mod:`.measure` (one fused norm, one read); None: several devices, or none.
        self._device = devices.pop() if len(devices) == 1 else None
        # The common step of :mod:`.measure`: one process, one device, no GradScaler, no clipping by the Monitor.
        scaler_on = self.scaler is not None and self.scaler.is_enabled()
        self._plain = self._device is not None and not self._distributed and not scaler_on and not self.max_grad_norm
        self._reads_free = self._device is not None and self._device.type == "cpu"  # no device to wait for
        # Steps that may be measured, decided and put aside in one go when quiet (see ``judge``).
        self._quick = self._plain and not self.guard.judges_spikes
        # Norms in float32 (what the guard compares); asked for only when some parameter is not float32 already.
        self._norm_dtype = None if all(p.dtype == torch.float32 for p in self._params) else torch.float32
        inner = getattr(self.model, "module", self.model)
        names = {id(p): q.layer_of(n) for n, p in inner.named_parameters()}
        self._layer = {id(p): names.get(id(p), "(optimizer)") for p in self._params}

    # The step --------------------------------------------------------------------------------------------------
    def step(
        self,
        loss,
        batch: Any = None,
        *,
        grad_norm=None,
        batch_index: Optional[int] = None,
        epoch: Optional[float] = None,
        micro_batches: Optional[list] = None,
    ) -> StepResult:
        """Judge this step (after ``backward``) and apply ``optimizer.step()`` unless the guard decides otherwise.

        ``loss``: the loss tensor (or a dict/output holding it; None when the loop cannot give it). ``grad_norm``:
        what ``clip_grad_norm_`` returned, when the loop clips itself. ``batch``: kept only to check a failing
        batch and replay the first non-finite one; ``micro_batches``: every micro-batch of a gradient-accumulation
        step (a NaN may sit in any of them). Raises :class:`StopTraining`.
        """
        result = self._judge(loss, batch, grad_norm, True, batch_index, epoch, micro_batches)
        if result.action == STEP:
            if self._only_step:
                self.optimizer.step()
                return result
            self.apply()
        else:
            self.discard()
        self.after(result)
        return result

    def judge(
        self,
        loss,
        batch: Any = None,
        *,
        grad_norm=None,
        grad_norm_clipped: bool = True,
        batch_index: Optional[int] = None,
        epoch: Optional[float] = None,
        micro_batches: Optional[list] = None,
    ) -> StepResult:
        """Measure and decide, without touching the optimizer (the integrations apply the decision).

        ``grad_norm_clipped=False``: the ``grad_norm`` handed over was computed without clipping (a framework that
        computes the norm whether or not it clips): it is used as the norm, and says nothing about clipping.
        """
        return self._judge(loss, batch, grad_norm, grad_norm_clipped, batch_index, epoch, micro_batches)

    def _judge(
        self,
        loss: Any,
        batch: Any,
        grad_norm: Any,
        grad_norm_clipped: bool,
        batch_index: Optional[int],
        epoch: Optional[float],
        micro_batches: Optional[list],
    ) -> StepResult:
        """:meth:`judge` with its arguments in order (called every step)."""
        now = perf_counter()
        last, self._last_time = self._last_time, now
        step_time = now - last if last is not None else None
        self.step_count = step = self.step_count + 1
        # The parameters the optimizer holds, read again only when its groups changed: the same lists as last
        # time, of the same lengths (checked every step, inline).
        groups, seen = self.optimizer.param_groups, self._groups_seen
        if len(groups) != len(seen):
            self._refresh_params()
        elif len(seen) == 1:  # the common case, without the loop (half the cost after a backward pass)
            held, (params, n) = groups[0]["params"], seen[0]
            if held is not params or len(held) != n:
                self._refresh_params()
        else:
            for group, (params, n) in zip(groups, seen):
                held = group["params"]
                if held is not params or len(held) != n:
                    self._refresh_params()
                    break
        if step == 1 and batch is not None and self.rank == 0:
            self._first_batch(batch)
        tensor = isinstance(loss, torch.Tensor)
        if not tensor:
            loss = loss_of(loss)
            tensor = isinstance(loss, torch.Tensor)
            if loss is None:
                self._loss_missing += 1
                if self._loss_missing == 1:
                    self.announcer.event("loss_missing", msg("live.announce.loss_missing"), step)
        every = self.layer_norms_every
        want_layers = bool(every) and (step % every == 0 or step == 1)
        index = batch_index if batch_index is not None else step - 1
        probe = self.probe
        quiet_tried = False
        if self._quick and tensor and grad_norm is None and not want_layers and (probe is None or not probe.handles):
            # The common step, measured, decided and put aside in one go when it is quiet (:mod:`.quiet`): what
            # the general path below would do with it, without the objects it builds on the way.
            stale = probe.ratio() if probe is not None else None  # the hook is removed: no device values
            got = plain(self, loss)
            if got is None:
                m = measure(self, loss, want_layers=want_layers, probed=(stale, None))
            else:
                loss_v, norm_v = got
                if self.signals.quiet_step(step, loss_v, norm_v, False, stale):
                    self.guard.quiet(loss_v, norm_v)
                    self._record_step(loss_v, norm_v, None, None, STEP, index, epoch, step_time, now)
                    return StepResult(step, STEP, loss_v, norm_v)
                quiet_tried = True
                m = of_plain(self, loss_v, norm_v, stale)
        else:
            m = measure(self, loss, grad_norm=grad_norm, want_layers=want_layers)
        nonfinite = m.nonfinite
        amp_overflow = (
            nonfinite
            and (m.loss is None or math.isfinite(m.loss))
            and self.scaler is not None
            and self.scaler.is_enabled()
        )
        # With a GradScaler, overflowing gradients under a finite loss are routine: the scaler skips that step and
        # lowers the scale itself. Only a non-finite loss (or a spike) is the guard's business then.
        bad_nonfinite = nonfinite and not amp_overflow
        bad_data = None
        if self.guard.is_bad(bad_nonfinite, m.spike):  # a host read (and an all-reduce), on failing steps only
            batches = [b for b in (micro_batches or [batch]) if b is not None]
            flags = [facts.batch_has_nonfinite(b) for b in batches]
            bad = [b for b, f in zip(batches, flags) if f]
            batch = bad[0] if bad else batch  # the micro-batch to replay: the one holding the NaN
            local = True if bad else (False if any(f is not None for f in flags) else None)
            device = self._params[0].device if self._params else "cpu"
            bad_data = dist.any_rank(bool(local), device) if (local is not None or dist.active()) else None
        action = self.guard.decide(step, bad_nonfinite, m.spike, bad_data=bool(bad_data))
        result = StepResult(step, action, m.loss, m.norm, nonfinite, m.spike, layers=m.layers, bad_data=bad_data)
        self._record_step(m.loss, m.norm, m.scale, m.layers, action, index, epoch, step_time, now)
        self._signals(result, m, grad_norm is not None and grad_norm_clipped, quiet_tried)
        if nonfinite and not self._first_nonfinite_seen:
            self._first_nonfinite_seen = True
            result.provenance = self._explain(batch)
        if amp_overflow:
            self.event("amp_overflow", msg("live.event.amp_overflow", step=step), batch=index)
        if action != STEP:
            self._not_applied(result, index)
        else:
            self.guard.healthy(m.loss, m.norm)
        return result
