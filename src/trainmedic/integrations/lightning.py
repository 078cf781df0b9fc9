"""Lightning: ``Trainer(callbacks=[TrainMedicCallback(policy="skip")])``.

How each policy acts inside Lightning (automatic optimization):

- ``skip``: in ``on_before_optimizer_step`` (after backward, before Lightning clips and calls ``optimizer.step``)
  the callback sets every gradient to ``None``; ``optimizer.step`` then changes no weight and no optimizer state.
  Lightning itself offers the same by returning ``None`` from ``training_step`` (no backward, no update), but only
  the module can decide that, before it has seen the gradients. Lightning still steps an lr scheduler configured with
  ``interval="step"`` for the skipped step.
- ``rollback``: bad steps skipped as above; in ``on_train_batch_end`` the module, optimizer and lr-scheduler state
  of the last healthy snapshot are restored and the lr lowered.
- ``stop``: the bad step is not applied and ``trainer.should_stop`` is set; Lightning ends the fit after this batch.
  The diagnosis is in ``callback.report``.

The loss comes from ``on_before_backward`` and the batch from ``on_train_batch_start``. The NaN provenance replay
calls ``training_step(batch, batch_idx)`` under the precision plugin's ``forward_context()`` with ``self.log``
silenced; pass ``loss_fn(module, batch)`` to replay something else.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Optional

from lightning.pytorch import Callback

from ..live.monitor import Monitor, StepResult


class TrainMedicCallback(Callback):
    """Guards and records a Lightning fit; after it, ``callback.report`` holds the diagnosis.

    ``log_path`` defaults to ``<trainer.log_dir or default_root_dir>/trainmedic-live.jsonl``. Other keyword arguments
    go to :class:`Monitor`.
    """

    def __init__(self, policy: str = "skip", *, log_path: Optional[str] = None, loss_fn: Optional[Callable] = None,
                 **monitor_kwargs: Any) -> None:
        self.policy, self.log_path, self.loss_fn = policy, log_path, loss_fn
        self.monitor_kwargs = monitor_kwargs
        self.monitor: Optional[Monitor] = None
        self.report = None
        self.result: Optional[StepResult] = None
        self._loss: Any = None
        self._batch: Any = None
        self._batch_idx = 0

    def _replay_loss(self, trainer) -> Callable:
        def loss_fn(module, batch):
            silent = lambda *a, **k: None  # noqa: E731 - the replay must not log a second value for this step
            module.log, module.log_dict = silent, silent
            try:
                with trainer.precision_plugin.forward_context():
                    out = module.training_step(batch, self._batch_idx)
            finally:
                del module.log, module.log_dict
            return out["loss"] if isinstance(out, dict) else out
        return loss_fn

    def on_train_start(self, trainer, pl_module) -> None:
        optimizer = trainer.optimizers[0]
        configs = getattr(trainer, "lr_scheduler_configs", None) or []
        scheduler = configs[0].scheduler if configs else None
        root = trainer.log_dir or trainer.default_root_dir
        path = self.log_path or os.path.join(root, "trainmedic-live.jsonl")
        clip = trainer.gradient_clip_val
        config = {"max_grad_norm": float(clip or 0.0), "precision": str(trainer.precision),
                  "grad_accum": trainer.accumulate_grad_batches, "launcher": "lightning"}
        self.monitor = Monitor(pl_module, optimizer, policy=self.policy, scheduler=scheduler,
                               loss_fn=self.loss_fn or self._replay_loss(trainer), log_path=path, config=config,
                               **self.monitor_kwargs)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self._batch, self._batch_idx = batch, batch_idx

    def on_before_backward(self, trainer, pl_module, loss) -> None:
        self._loss = loss.detach()

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        if self.monitor is None:
            return
        loss = self._loss if self._loss is not None else float("nan")
        self.result = self.monitor.judge(loss, self._batch, batch_index=self._batch_idx,
                                         epoch=float(trainer.current_epoch))
        if not self.result.applied:
            self.monitor.discard()  # optimizer.step finds no gradient: nothing moves

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if self.monitor is None or self.result is None:
            return
        self.monitor.after(self.result, raise_stop=False)
        if self.result.action == "stop":
            trainer.should_stop = True
            self.report = self.monitor.report()
        self.result = None

    def on_train_end(self, trainer, pl_module) -> None:
        if self.monitor is None:
            return
        self.monitor.close()
        self.report = self.monitor.report()
