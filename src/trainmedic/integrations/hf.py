"""Hugging Face Trainer: ``Trainer(..., callbacks=[TrainMedicCallback(policy="skip")])``.

How each policy acts inside the Trainer (transformers >= 4.48 calls ``on_pre_optimizer_step`` after clipping and
before ``optimizer.step()``):

- ``skip``: the callback sets every gradient to ``None`` in ``on_pre_optimizer_step``; the Trainer's
  ``optimizer.step()`` then finds no gradient and changes no weight and no optimizer state (Adam moments and step
  count included: torch optimizers skip parameters without a gradient). What still happens: the Trainer advances its
  lr scheduler and ``global_step`` for that step, and its logged loss filters the NaN (``logging_nan_inf_filter``).
- ``rollback``: bad steps are skipped as above; in ``on_step_end`` the model, optimizer and lr-scheduler state of the
  last healthy snapshot are restored and the lr (and the scheduler's base lr) lowered.
- ``stop``: the bad step is not applied and ``control.should_training_stop`` is set: the Trainer ends the run at once
  (no more evaluations for early stopping to wait through); the diagnosis is in ``callback.report``.
- The Trainer clips before the callback sees the gradients, so the recorded ``grad_norm`` is the clipped norm when
  ``max_grad_norm > 0``; a non-finite gradient stays non-finite through clipping, so detection is unaffected.

The loss is read from the model's output (``output.loss``) by a forward hook, and the batch is kept for the NaN
provenance replay (``model(**batch).loss`` under the same autocast); pass ``loss_fn`` when ``compute_loss`` is
customised.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Optional

import torch
from transformers import TrainerCallback

from ..live.monitor import Monitor, StepResult


def _hf_loss(model, batch: dict):
    return model(**batch).loss


def _config_of(args) -> dict:
    precision = "bf16" if getattr(args, "bf16", False) else ("fp16" if getattr(args, "fp16", False) else "fp32")
    cfg = {"lr": args.learning_rate, "per_device_batch": args.per_device_train_batch_size,
           "grad_accum": args.gradient_accumulation_steps, "world_size": args.world_size,
           "max_grad_norm": args.max_grad_norm, "precision": precision, "warmup_steps": args.warmup_steps or None,
           "scheduler": str(getattr(args.lr_scheduler_type, "value", args.lr_scheduler_type)),
           "logging_steps": args.logging_steps, "launcher": "hf-trainer"}
    return {k: v for k, v in cfg.items() if v is not None}


class TrainMedicCallback(TrainerCallback):
    """Guards and records a Trainer run; after training, ``callback.report`` holds the diagnosis.

    ``log_path`` defaults to ``<output_dir>/trainmedic-live.jsonl``. Other keyword arguments go to :class:`Monitor`
    (``skip_spikes``, ``rollback_after``, ``lr_factor``, ``snapshot_every`` ...).
    """

    def __init__(self, policy: str = "skip", *, log_path: Optional[str] = None, loss_fn: Optional[Callable] = None,
                 **monitor_kwargs: Any) -> None:
        self.policy, self.log_path, self.loss_fn = policy, log_path, loss_fn or _hf_loss
        self.monitor_kwargs = monitor_kwargs
        self.monitor: Optional[Monitor] = None
        self.report = None
        self.result: Optional[StepResult] = None
        self._losses: list = []
        self._batch: Any = None
        self._hooks: list = []

    # Hooks on the model: the loss of each micro-batch and the last batch, without a sync.
    def _pre_forward(self, module, args, kwargs) -> None:
        if module.training and torch.is_grad_enabled():
            self._batch = dict(kwargs) if kwargs else (args[0] if args else None)
            device = next(module.parameters()).device.type
            if torch.is_autocast_enabled(device) and self.monitor is not None:
                self.monitor.autocast = {"device_type": device, "dtype": torch.get_autocast_dtype(device)}

    def _post_forward(self, module, args, kwargs, output) -> None:
        if module.training and torch.is_grad_enabled():
            loss = getattr(output, "loss", None)
            if loss is None and isinstance(output, dict):
                loss = output.get("loss")
            if isinstance(loss, torch.Tensor):
                self._losses.append(loss.detach())

    def on_train_begin(self, args, state, control, model=None, optimizer=None, lr_scheduler=None, **kwargs):
        path = self.log_path or os.path.join(args.output_dir, "trainmedic-live.jsonl")
        self.monitor = Monitor(model, optimizer, policy=self.policy, scheduler=lr_scheduler, loss_fn=self.loss_fn,
                               log_path=path, config=_config_of(args), **self.monitor_kwargs)
        self._hooks = [model.register_forward_pre_hook(self._pre_forward, with_kwargs=True),
                       model.register_forward_hook(self._post_forward, with_kwargs=True)]

    def on_step_begin(self, args, state, control, **kwargs):
        self._losses = []

    def on_pre_optimizer_step(self, args, state, control, **kwargs):
        if self.monitor is None:
            return
        loss = torch.stack(self._losses).mean() if self._losses else float("nan")
        self.result = self.monitor.judge(loss, self._batch, batch_index=state.global_step, epoch=state.epoch)
        if not self.result.applied:
            self.monitor.discard()  # optimizer.step() below finds no gradient: nothing moves

    def on_step_end(self, args, state, control, **kwargs):
        if self.monitor is None or self.result is None:
            return
        self.monitor.after(self.result, raise_stop=False)
        if self.result.action == "stop":
            control.should_training_stop = True
            self.report = self.monitor.report()
        self.result = None
        return control

    def on_train_end(self, args, state, control, **kwargs):
        if self.monitor is None:
            return
        for h in self._hooks:
            h.remove()
        self.monitor.close()
        self.report = self.monitor.report()
