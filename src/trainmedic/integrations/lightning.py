"""Lightning: ``Trainer(callbacks=[TrainMedicCallback(policy="skip")])``.

The loss is the one Lightning backpropagates (``on_before_backward``), whatever ``training_step`` returns (a tensor
or a dict with ``"loss"``), summed over the micro-batches of a gradient-accumulation step (Lightning divides each by
the number of micro-batches, so the sum is their mean). Manual optimisation works the same way: each
``self.manual_backward(loss)`` is seen, and the guard judges the step when ``optimizer.step()`` is called.

How each policy acts (``on_before_optimizer_step`` runs after backward, before Lightning clips and steps):

- ``skip``: every gradient is set to ``None``; ``optimizer.step`` then changes no weight and no optimizer state.
  Lightning still steps an lr scheduler configured with ``interval="step"``.
- ``rollback``: bad steps skipped; in ``on_train_batch_end`` the last healthy snapshot is restored and the lr
  lowered. A batch that itself holds NaN/inf is only skipped.
- ``stop``: the bad step is not applied and ``trainer.should_stop`` is set.

Actions are announced once through ``LightningModule.print`` (rank 0, above the progress bar); at the end a one-line
summary is printed and the diagnosis is in ``callback.report``. Validation metrics (``val_acc``, ``val/f1`` ...)
reach the guard after each validation. The callback's ``state_dict`` is saved in Lightning checkpoints, so a resumed
fit keeps the guard's state. The NaN replay calls ``training_step(batch, batch_idx)`` under the precision plugin's
``forward_context()`` with ``self.log`` silenced; pass ``loss_fn(module, batch)`` to replay something else.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Optional

import torch
from lightning.pytorch import Callback

from ..live.monitor import Monitor, StepResult
from ..lossfn import loss_of
from ..names import parse_metric_name
from .common import GuardSettings, summary_line


class TrainMedicCallback(GuardSettings, Callback):
    """Guards and records a Lightning fit; after it, ``callback.report`` holds the diagnosis.

    ``log_path`` defaults to ``<trainer.log_dir or default_root_dir>/trainmedic-live.jsonl``. Other keyword arguments
    go to :class:`Monitor`.
    """

    def __init__(
        self,
        policy: str = "skip",
        *,
        log_path: Optional[str] = None,
        loss_fn: Optional[Callable] = None,
        **monitor_kwargs: Any,
    ) -> None:
        GuardSettings.__init__(self, policy, log_path=log_path, loss_fn=loss_fn, **monitor_kwargs)
        self.monitor: Optional[Monitor] = None
        self.report = None
        self.result: Optional[StepResult] = None
        self._losses: list = []
        self._batch: Any = None
        self._batches: list = []  # the micro-batches of the current optimizer step
        self._batch_idx = 0
        self._resume_state: Optional[dict] = None

    def _replay_loss(self, trainer) -> Callable:
        def loss_fn(module, batch):
            silent = lambda *a, **k: None  # noqa: E731 - the replay must not log a second value for this step
            module.log, module.log_dict = silent, silent
            try:
                with trainer.precision_plugin.forward_context():
                    out = module.training_step(batch, self._batch_idx)
            finally:
                del module.log, module.log_dict
            return loss_of(out)

        return loss_fn

    def on_train_start(self, trainer, pl_module) -> None:
        """Build the Monitor on the module and its first optimizer (and scheduler)."""
        optimizer = trainer.optimizers[0]
        configs = getattr(trainer, "lr_scheduler_configs", None) or []
        scheduler = configs[0].scheduler if configs else None
        root = trainer.log_dir or trainer.default_root_dir
        path = self.log_path or os.path.join(root, "trainmedic-live.jsonl")
        clip = trainer.gradient_clip_val
        config = {
            "precision": str(trainer.precision),
            "grad_accum": trainer.accumulate_grad_batches,
            "launcher": "lightning",
        }
        if clip:
            config["max_grad_norm"] = float(clip)
        kw = {
            "framework": "lightning",
            "display": pl_module.print,
            "details": f"callback.report, trainmedic diagnose {path}",
            **self.monitor_kwargs,
        }
        self.monitor = Monitor(
            pl_module,
            optimizer,
            policy=self.policy,
            scheduler=scheduler,
            loss_fn=self.loss_fn or self._replay_loss(trainer),
            log_path=path,
            config=config,
            **kw,
        )
        if self._resume_state:
            self.monitor.load_state_dict(self._resume_state)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        """Keep the batch (for the NaN replay and the bad-data check)."""
        self._batch, self._batch_idx = batch, batch_idx
        self._batches.append(batch)

    def on_before_backward(self, trainer, pl_module, loss) -> None:
        """Keep the loss Lightning backpropagates (one per micro-batch)."""
        if isinstance(loss, torch.Tensor):
            self._losses.append(loss.detach())

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        """Judge the step before Lightning clips and steps; drop its gradients when it must not apply."""
        if self.monitor is None:
            return
        inner = getattr(optimizer, "optimizer", optimizer)  # Lightning wraps the optimizer it steps
        if inner is not self.monitor.optimizer and optimizer is not self.monitor.optimizer:
            return  # a second optimizer (a GAN's discriminator): not the one this guard watches
        losses = self._losses
        loss = (losses[0] if len(losses) == 1 else torch.stack(losses).sum()) if losses else None
        batches = self._batches if len(self._batches) > 1 else None
        self._losses, self._batches = [], []
        self.result = self.monitor.judge(
            loss, self._batch, batch_index=self._batch_idx, epoch=float(trainer.current_epoch), micro_batches=batches
        )
        if not self.result.applied:
            self.monitor.discard()  # optimizer.step finds no gradient: nothing moves

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        """Act on the decision after the step: snapshot, rollback, or stop the fit."""
        if self.monitor is None or self.result is None:
            return
        self.monitor.after(self.result, raise_stop=False)
        if self.result.action == "stop":
            trainer.should_stop = True
            self.report = self.monitor.report()
        self.result = None

    def on_validation_end(self, trainer, pl_module) -> None:
        """Hand the validation metrics Lightning logged to the guard."""
        if self.monitor is None or trainer.sanity_checking:
            return
        metrics = {}
        for name, value in trainer.callback_metrics.items():
            if parse_metric_name(str(name)).split == "eval" and isinstance(value, (torch.Tensor, int, float)):
                v = value.detach().float() if isinstance(value, torch.Tensor) else value
                if not isinstance(v, torch.Tensor) or v.numel() == 1:
                    metrics[str(name)] = float(v)
        if metrics:
            self.monitor.log_eval(metrics, step=self.monitor.step_count, epoch=float(trainer.current_epoch))

    def on_train_end(self, trainer, pl_module) -> None:
        """Close the log, keep the diagnosis in ``report`` and print the summary line."""
        if self.monitor is None:
            return
        self.monitor.close()
        self.report = self.monitor.report()
        if self.monitor.announcer.enabled:
            self.monitor.announcer.say(summary_line(self.monitor, self.report))

    def state_dict(self) -> dict:
        """The guard's state, saved in Lightning checkpoints."""
        return {"monitor": self.monitor.state_dict()} if self.monitor is not None else {}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the guard's state when a fit resumes from a checkpoint."""
        self._resume_state = state_dict.get("monitor")
