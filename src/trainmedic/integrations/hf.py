"""Hugging Face Trainer: ``Trainer(..., callbacks=[TrainMedicCallback(policy="skip")])``.

The loss the guard judges is the one the Trainer really used: the value its ``training_step`` returns (summed over
the micro-batches of a gradient-accumulation step), whatever ``compute_loss`` does (an override with class weights,
a model returning a dict or a tuple, a custom model). The NaN provenance replay calls the Trainer's own
``compute_loss`` on the failing batch. When the Trainer cannot be found (a heavily customised loop), the loss is read
from the model's output (``output.loss``); when even that is missing the guard judges the gradients only and says
so once: it never acts on a loss it could not measure.

How each policy acts inside the Trainer (``on_pre_optimizer_step`` runs after clipping, before ``optimizer.step()``):

- ``skip``: every gradient is set to ``None``; ``optimizer.step()`` then changes no weight and no optimizer state.
  The Trainer still advances its lr scheduler and ``global_step``.
- ``rollback``: bad steps skipped as above; in ``on_step_end`` the last healthy snapshot is restored and the lr
  (and the scheduler's base lr) lowered. A batch that itself holds NaN/inf is only skipped.
- ``stop``: the bad step is not applied and ``control.should_training_stop`` is set.
- The Trainer computes the gradient norm before this callback sees the gradients (clipping with it when
  ``max_grad_norm > 0``): the guard takes that norm, the one the Trainer logs, instead of computing it again. A
  non-finite gradient stays non-finite through clipping.

Each action is announced once above the progress bar (repeats summarised); at the end of training a one-line
summary is printed and the diagnosis is in ``callback.report``. Evaluation metrics reach the guard through
``on_evaluate``. With ``TrainingArguments(restore_callback_states_from_checkpoint=True)`` a resumed run keeps the
guard's state.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Optional

import torch
import transformers
from transformers import TrainerCallback
from transformers.trainer_callback import ExportableState

from ..live.monitor import Monitor, StepResult
from ..lossfn import loss_of
from .common import GuardSettings, summary_line

# How far up the call stack the Trainer is looked for: Trainer._inner_training_loop -> CallbackHandler.on_train_begin
# -> call_event -> this callback; a few more frames leave room for wrappers.
TRAINER_SEARCH_FRAMES = 12


def _config_of(args) -> dict:
    precision = "bf16" if getattr(args, "bf16", False) else ("fp16" if getattr(args, "fp16", False) else "fp32")
    cfg = {
        "lr": args.learning_rate,
        "per_device_batch": args.per_device_train_batch_size,
        "grad_accum": args.gradient_accumulation_steps,
        "world_size": args.world_size,
        "max_grad_norm": args.max_grad_norm,
        "precision": precision,
        "warmup_steps": args.warmup_steps or None,
        "scheduler": str(getattr(args.lr_scheduler_type, "value", args.lr_scheduler_type)),
        "logging_steps": args.logging_steps,
        "launcher": "hf-trainer",
    }
    return {k: v for k, v in cfg.items() if v is not None}


def _find_trainer() -> Optional[Any]:
    """The Trainer whose callback handler is calling us (None when it is not on the call stack)."""
    frame = sys._getframe(1)
    for _ in range(TRAINER_SEARCH_FRAMES):
        if frame is None:
            return None
        obj = frame.f_locals.get("self")
        if isinstance(obj, transformers.Trainer):
            return obj
        frame = frame.f_back
    return None


def _display(args) -> Callable[[str], None]:
    """Write above the Trainer's progress bar (tqdm) when it shows one, else through the transformers logger."""
    if not getattr(args, "disable_tqdm", False):
        from tqdm.auto import tqdm

        return lambda line: tqdm.write(line, file=sys.stderr)
    hf_logger = transformers.utils.logging.get_logger("transformers.trainer")
    return lambda line: hf_logger.warning(line)


class TrainMedicCallback(GuardSettings, TrainerCallback, ExportableState):
    """Guards and records a Trainer run; after training, ``callback.report`` holds the diagnosis.

    ``log_path`` defaults to ``<output_dir>/trainmedic-live.jsonl``. ``loss_fn(model, batch) -> loss`` replaces the
    Trainer's ``compute_loss`` for the NaN replay only. Other keyword arguments go to :class:`Monitor`
    (``skip_spikes``, ``rollback_after``, ``lr_factor``, ``snapshot_every``, ``announce`` ...).
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
        self._resume_state: Optional[dict] = None
        self._grad_norm: Any = None  # the norm the Trainer computed at this step (None: not seen)
        self._clips = False
        self._losses: list = []
        self._batch: Any = None
        self._batches: list = []  # the micro-batches of the current optimizer step
        self._hooks: list = []
        self._trainer: Any = None
        self._display: Optional[Callable] = None

    # Where the loss comes from --------------------------------------------------------------------------------
    def _wrap_training_step(self, trainer) -> None:
        original = trainer.training_step
        losses, batches = self._losses, self._batches

        def training_step(model, inputs, *args, **kwargs):
            self._batch = inputs
            batches.append(inputs)
            loss = original(model, inputs, *args, **kwargs)
            if isinstance(loss, torch.Tensor):
                losses.append(loss.detach())
            return loss

        trainer.training_step = training_step  # an instance attribute: the class and other Trainers are untouched
        self._trainer = trainer
        norm_of = getattr(trainer, "_get_grad_norm", None)
        if callable(norm_of):  # the Trainer computes the norm of every step (and clips with it): keep it

            def get_grad_norm(*args, **kwargs):
                self._grad_norm = norm = norm_of(*args, **kwargs)
                return norm

            trainer._get_grad_norm = get_grad_norm

    def _replay_loss(self, trainer) -> Callable:
        def loss_fn(model, batch):
            with trainer.compute_loss_context_manager():
                return trainer.compute_loss(model, trainer._prepare_inputs(dict(batch)))

        return loss_fn

    def _post_forward(self, module, args, kwargs, output) -> None:
        """Without the Trainer: the loss and the batch from the model's own forward."""
        if module.training and torch.is_grad_enabled():
            self._batch = dict(kwargs) if kwargs else (args[0] if args else None)
            loss = loss_of(output)
            if isinstance(loss, torch.Tensor):
                self._losses.append(loss.detach())

    # Callback events ------------------------------------------------------------------------------------------
    def on_train_begin(self, args, state, control, model=None, optimizer=None, lr_scheduler=None, **kwargs):
        """Build the Monitor on the Trainer's model, optimizer and scheduler, and find the loss it trains on."""
        trainer = _find_trainer()
        path = self.log_path or os.path.join(args.output_dir, "trainmedic-live.jsonl")
        self._display = _display(args)
        loss_fn = self.loss_fn
        if trainer is not None:
            self._wrap_training_step(trainer)
            loss_fn = loss_fn or self._replay_loss(trainer)
        else:
            self._hooks = [model.register_forward_hook(self._post_forward, with_kwargs=True)]
            loss_fn = loss_fn or (lambda m, b: m(**b))
        kw = {
            "framework": "hf",
            "display": self._display,
            "details": f"callback.report, trainmedic diagnose {path}",
            **self.monitor_kwargs,
        }
        self._clips = bool(args.max_grad_norm and args.max_grad_norm > 0)
        self.monitor = Monitor(
            model,
            optimizer,
            policy=self.policy,
            scheduler=lr_scheduler,
            loss_fn=loss_fn,
            log_path=path,
            config=_config_of(args),
            **kw,
        )
        if getattr(args, "bf16", False) or getattr(args, "fp16", False):  # the replay runs under the same autocast
            device = next(model.parameters()).device.type
            self.monitor.autocast = {"device_type": device, "dtype": torch.bfloat16 if args.bf16 else torch.float16}
        if self._resume_state:
            self.monitor.load_state_dict(self._resume_state)

    def on_step_begin(self, args, state, control, **kwargs):
        """Start a new optimizer step: forget the last step's losses, micro-batches and gradient norm."""
        self._losses.clear()
        self._batches.clear()
        self._grad_norm = None

    def on_pre_optimizer_step(self, args, state, control, **kwargs):
        """Judge the step after clipping, before ``optimizer.step()``; drop its gradients when it must not apply."""
        if self.monitor is None:
            return
        losses = self._losses
        # Each micro-batch's share of the step, summed (one tensor as it is: no device op for the common case).
        loss = (losses[0] if len(losses) == 1 else torch.stack(losses).sum()) if losses else None
        self.result = self.monitor.judge(
            loss,
            self._batch,
            grad_norm=self._grad_norm,
            grad_norm_clipped=self._clips,
            batch_index=state.global_step,
            epoch=state.epoch,
            micro_batches=self._batches if len(self._batches) > 1 else None,
        )
        self._grad_norm = None
        if not self.result.applied:
            self.monitor.discard()  # optimizer.step() below finds no gradient: nothing moves

    def on_step_end(self, args, state, control, **kwargs):
        """Act on the decision after the step: snapshot, rollback, or stop the Trainer."""
        if self.monitor is None or self.result is None:
            return
        self.monitor.after(self.result, raise_stop=False)
        if self.result.action == "stop":
            control.should_training_stop = True
            self.report = self.monitor.report()
        self.result = None
        return control

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        """Hand the evaluation metrics (``eval_`` prefix removed) to the guard."""
        if self.monitor is None or not metrics:
            return
        numbers = {
            k[len("eval_") :] if k.startswith("eval_") else k: v
            for k, v in metrics.items()
            if isinstance(v, (int, float)) and not k.endswith(("_runtime", "_per_second", "epoch"))
        }
        self.monitor.log_eval(numbers, step=state.global_step, epoch=state.epoch)

    def on_train_end(self, args, state, control, **kwargs):
        """Close the log, undo the wrappers, keep the diagnosis in ``report`` and print the summary line."""
        if self.monitor is None:
            return
        for h in self._hooks:
            h.remove()
        if self._trainer is not None:
            self._trainer.__dict__.pop("training_step", None)
            self._trainer.__dict__.pop("_get_grad_norm", None)
        self.monitor.close()
        self.report = self.monitor.report()
        if self.monitor.rank == 0 and self.monitor.announcer.enabled:
            self.monitor.announcer.say(summary_line(self.monitor, self.report))

    # Resuming -------------------------------------------------------------------------------------------------
    def state(self) -> dict:
        """What the Trainer saves in ``trainer_state.json`` (plain data) to rebuild this callback on resume."""
        kwargs = {k: v for k, v in self.monitor_kwargs.items() if isinstance(v, (str, int, float, bool, type(None)))}
        return {
            "args": {"policy": self.policy, "log_path": self.log_path, **kwargs},
            "attributes": {"_resume_state": self.monitor.state_dict() if self.monitor is not None else None},
        }
