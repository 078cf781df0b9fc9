"""Events and settings in a console log: checkpoints saved, early stopping, resumes, warnings (an fp16 optimizer's
loss-scale changes become a ``train/loss_scale`` series too), lr changes of a scheduler, Caffe's test-net outputs,
settings lines and launch commands printed into the log.
"""

from __future__ import annotations

import math

from ..run import Event
from . import config_keys
from . import textlog_line as L
from . import textlog_patterns as P
from .config_shell import read_command, shell_tokens
from .textlog_buffer import INHERITED, NO_RANK
from .textlog_crash import MAX_EVENTS

# The series of the loss of the one batch that Caffe's train net outputs give at each displayed iteration.
CAFFE_BATCH_LOSS = "train/batch_loss"


class EventsMixin:
    """The part of :class:`~.textlog_parser.LogParser` that reads events and settings."""

    _caffe_block: tuple = ("", -1, False)  # the net of the last net-output line, its line, whether it gave a loss

    def _caffe(self, m, rank: int) -> None:
        """Caffe's net outputs, at the iteration of the solver's line before them (`Iteration N, loss = ...` for the
        train net, `Iteration N, Testing net` for the test net).

        The outputs printed together (consecutive lines) belong to one iteration; the weighted values of its loss
        outputs add up to the objective the solver minimises (`loss1/loss` x 0.3 + ... + `loss3/loss` x 1).
        Test outputs give that sum as ``eval/loss``. Train outputs give it as ``train/batch_loss``, the loss of the
        displayed iteration's batch, while ``train/loss`` stays the solver's own line: the same objective averaged
        over the last ``average_loss`` iterations, which is what other frameworks log as the loss of a logging
        interval (the rules' noise estimates expect that), where one batch's loss is one noisy sample of it. Other
        outputs (accuracies) become the split's metrics."""
        net = m.group("net")
        last_net, last_line, summed = self._caffe_block
        same_iteration = last_net == net and last_line == self.lineno - 1
        self._caffe_block = (net, self.lineno, summed and same_iteration)
        if m.group("loss"):
            name = CAFFE_BATCH_LOSS if net == "Train" else "eval/loss"
            value = L.parse_number(m.group("weighted"))
            buf = self.series.get(name)
            if same_iteration and summed and buf is not None:
                buf.values[-1] += value  # the next loss output of the same iteration
                return
            self._caffe_block = (net, self.lineno, True)
            self._record([(name, m.group("name"), value)], self.last_step, self.last_epoch, rank)
            return
        name = L.metric_name(m.group("name").rstrip("0123456789"), "train" if net == "Train" else "eval")
        if name:
            self._record(
                [(name, m.group("name"), L.parse_number(m.group("val")))], self.last_step, self.last_epoch, rank
            )

    def _settings(self, text: str) -> None:
        for key, raw in L.settings(text):
            words = str(key).split()
            for i in range(len(words)):  # `Loading model with lr: 0.1` -> lr
                if config_keys.apply(self.config, " ".join(words[i:]), raw, self.source, self.lineno):
                    break
        m = P.ACCUM_PRODUCT.search(text)
        if m:
            self.config.set("per_device_batch", int(m.group(1)), self.source, self.lineno)
            self.config.set("grad_accum", int(m.group(2)), self.source, self.lineno)

    def _launch(self, text: str) -> None:
        """A launch command printed into the log: its flags are the run's configuration."""
        tokens = [(w, self.lineno) for w in shell_tokens(text)]
        if tokens:
            read_command(tokens, self.config, self.source, {})

    # --- events --------------------------------------------------------------------------------------------------
    def _events(self, text: str, rank: int, warned: bool) -> bool:
        if not P.EVENT_HINT.search(text):
            return False
        kind, data = None, {}
        m = P.LR_REDUCED.search(text)
        if m is not None:
            lr = L.parse_number(m.group("val"))
            kind, data = "lr_change", {"lr": lr} if math.isfinite(lr) else {}
            if m.group("group") in (None, "0") and rank in (NO_RANK, self.kept_rank()):
                self._record([("train/lr", "lr", lr)], self.last_step, self.last_epoch, rank, flags=INHERITED)
        elif P.EARLY_STOP.search(text):
            kind = "early_stop"
            self._settings(text)  # `(patience=3)`
        elif P.WARNINGS.search(text):
            kind = "warning"
            m = P.LOSS_SCALE_SET.search(text) if "scale" in text.lower() else None
            if m is not None:
                scale = L.parse_number(m.group("val"))
                data = {"loss_scale": scale} if math.isfinite(scale) else {}
                if rank in (NO_RANK, self.kept_rank()):
                    self._record(
                        [("train/loss_scale", "loss scale", scale)],
                        self.last_step,
                        self.last_epoch,
                        rank,
                        flags=INHERITED,
                    )
            elif P.LOSS_SCALE_FLOOR.search(text):
                data = {"loss_scale_floor": True}
        else:
            m = P.RESUME.search(text)
            if m:
                kind, data = "resume", {"path": m.group("path").rstrip(".,;:")}
            else:
                path = L.checkpoint_path(text)
                if path is None:
                    return False
                kind, data = "checkpoint", {"path": path}
        if rank not in (NO_RANK, self.kept_rank()):
            return True
        step, epoch = self._event_position(text)
        key = (kind, step, epoch, text)
        if key not in self._event_keys and len(self.events) < MAX_EVENTS:
            self._event_keys.add(key)
            self.events.append(
                Event(kind, step=step, epoch=epoch, message=text, data=data, source=f"{self.source}:{self.lineno}")
            )
        return True

    def _event_position(self, text: str) -> tuple:
        m = P.CHECKPOINT_STEP.search(text) or P.AT_STEP.search(text)
        step = float(m.group(1)) if m else (self.last_step if self.last_step == self.last_step else None)
        m = P.AT_EPOCH.search(text)
        if m:
            epoch = float(self._epoch_index(int(m.group(1)), learn=False))
        else:
            epoch = self.last_epoch if self.last_epoch == self.last_epoch else None
        return step, epoch
