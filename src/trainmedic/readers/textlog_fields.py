"""``key value`` lines in a console log (``Epoch 3 | Step 100 | Train Loss: 0.52``, ``loss=0.5 acc=0.81``) and the
position a framework's progress prefix gives them (mmcv ``Epoch [1][50/500]``, fairseq ``epoch 001:  50 / 400``...):
a line's layout (see :func:`~.textlog_layout.fields_layout`) applied to its numbers.
"""

from __future__ import annotations

import math
from typing import Optional

from . import config_keys
from . import textlog_layout as Y
from .textlog_buffer import EPOCH_LEVEL, EXPLICIT, INHERITED

NAN = math.nan
# Epoch and batch counters beyond this are not counters (`Epoch: inf`, an overflowed print).
MAX_COUNTER = 1e15


class FieldsMixin:
    """The part of :class:`~.textlog_parser.LogParser` that reads ``key value`` lines."""

    _means: dict  # series -> (epoch, batches, running mean) of its last print, for the prints of running means
    recovered_means: dict  # series -> points whose batch loss was recovered from a running mean

    # --- shapes --------------------------------------------------------------------------------------------------
    def _run_fields(self, plan: tuple, toks: list, rank: int, line: str, cut: Optional[str] = None) -> None:
        """Apply a field layout (see :func:`~.textlog_layout.fields_layout`) to the numbers ``toks`` of one line.
        ``cut`` is the text the layout was read from when known; a settings line is read again from it."""
        pre, ops, learning, train = plan
        step = epoch = NAN
        epoch_index = None
        batch = None
        explicit = False
        if pre is not None:
            step, epoch, epoch_index, batch, explicit = self._prefix_position(pre, toks)
        points = []
        means = []
        for op in ops:
            kind = op[0]
            if kind is Y.POINT:
                ref = op[3]
                value = float(toks[ref]) if ref.__class__ is int else Y.value_of(ref, toks)
                if len(op) > 4:
                    value = value / op[4]  # `Accuracy: 1000/10000`
                points.append((op[1], op[2], value))
            elif kind is Y.MEAN:
                means.append(len(points))
                points.append((op[1], op[2], Y.value_of(op[3], toks)))
            elif kind is Y.STEP:
                ref = op[1]
                v = float(toks[ref]) if ref.__class__ is int else Y.value_of(ref, toks)
                if v >= 0:  # a step counts; `step -3` is no position
                    step, explicit = v, True
            elif kind is Y.EPOCH:
                epoch = Y.value_of(op[1], toks)
            elif kind is Y.EPOCH_INDEX:
                e = Y.value_of(op[1], toks)
                if epoch_index is None and abs(e) < MAX_COUNTER:
                    epoch_index, explicit = self._epoch_index(int(e)), True
                elif epoch_index is None:
                    self.bad_counters += 1  # `Epoch: inf` is no epoch: the line's other numbers still count
            elif kind is Y.TOTAL:
                total = int(Y.raw_of(op[2], toks))
                if total:
                    self.config.set(op[1], total, self.source, self.lineno)
            elif kind is Y.BATCH:
                b = Y.value_of(op[1], toks)
                if abs(b) < MAX_COUNTER:
                    batch, explicit = (int(b), op[2]), True
                else:
                    self.bad_counters += 1
            else:  # Y.APPLY
                config_keys.apply(self.config, op[1], Y.raw_of(op[2], toks), self.source, self.lineno)
        for i in means:
            points[i] = self._batch_mean(points[i], epoch_index, batch)
        flags = EXPLICIT if explicit else 0
        has_context = step == step or epoch == epoch or epoch_index is not None or batch is not None
        if not has_context:
            if not learning:
                self._settings(cut if cut is not None else Y.cut_text(line))
                return
            step, epoch = self.last_step, self.last_epoch  # `eval acc 0.8` right after `step 100 ...`
            flags = INHERITED
            if self.open_epoch is not None:
                epoch = float(self.open_epoch)
                step = self._end_step(self.open_epoch)
        elif epoch_index is not None and batch is not None and batch[1] > 0:
            b, n = batch
            self.steps_per_epoch = n
            epoch = (epoch_index - 1) + b / n
            if step != step:
                step = float((epoch_index - 1) * n + b)
        elif epoch_index is not None:
            epoch = float(epoch_index)
            if step != step:
                step = self._end_step(epoch_index)
                if step != step and self._epoch_step[0] == epoch_index:
                    step = self._epoch_step[1]  # `| epoch 012 | valid on 'valid' subset |` after its train line
                flags |= EPOCH_LEVEL
        elif epoch != epoch and step == self.last_step:
            epoch = self.last_epoch  # an eval line at the step the train line just gave with its epoch
        if epoch_index is not None and step == step:
            self._epoch_step = (epoch_index, step)
        self._record(points, step, epoch, rank, flags=flags, train=train)

    def _batch_mean(self, point: tuple, epoch_index: Optional[int], batch: Optional[tuple]) -> tuple:
        """The mean loss of the batches since the last print of an epoch's running mean ``m_k`` after ``k`` batches:
        ``(k m_k - j m_j) / (k - j)`` (the mean itself at the epoch's first print). A one-batch spike then shows as
        one high point, not as a jump followed by a slow 1/k decay that reads as a divergence."""
        name, label, mean = point
        if epoch_index is None or batch is None or batch[0] <= 0:
            return point
        k = batch[0]
        last = self._means.get(name)
        self._means[name] = (epoch_index, k, mean)
        self.recovered_means[name] = self.recovered_means.get(name, 0) + 1
        if last is None or last[0] != epoch_index or last[1] >= k:
            return name, label, mean
        _, j, before = last
        return name, label, (k * mean - j * before) / (k - j)

    def _prefix_position(self, pre: tuple, toks: list) -> tuple:
        """(step, epoch, epoch counter, (batch, of), explicit) from a framework's progress prefix."""
        kind = pre[0]
        if kind == "mmcv":
            _, ep, add, evaluation, b, n = pre
            e = int(Y.raw_of(ep, toks)) + add
            if evaluation:
                return NAN, NAN, e, None, True
            return NAN, NAN, e, (int(Y.raw_of(b, toks)), int(Y.raw_of(n, toks))), True
        if kind == "iter":
            _, b, n, evaluation = pre
            if evaluation:
                return self.last_step, self.last_epoch, None, None, False
            self.config.set("max_steps", int(Y.raw_of(n, toks)), self.source, self.lineno)
            return float(Y.raw_of(b, toks)), NAN, None, None, True
        if kind == "mxnet":
            e, b = self._epoch_index(int(Y.raw_of(pre[1], toks))), int(Y.raw_of(pre[2], toks))
            seen, last_b, offset = self._mxnet
            if seen is not None and seen != e:
                offset += last_b  # a new epoch: its batches count on from the last one's
            self._mxnet = (e, b, offset)
            return float(offset + b), NAN, None, None, True
        e = self._epoch_index(int(Y.raw_of(pre[1], toks)))
        if kind == "epoch_of":
            self.config.set("num_epochs", int(Y.raw_of(pre[2], toks)), self.source, self.lineno)
            return NAN, NAN, e, None, True
        if pre[2] is None:
            return NAN, NAN, e, None, True
        b, n = int(Y.raw_of(pre[2], toks)), int(Y.raw_of(pre[3], toks))
        if kind == "example":  # samples seen of the epoch's, not batches: the epoch's fraction only
            return NAN, (e - 1) + (b / n if n else 0.0), None, None, True
        return NAN, NAN, e, (b, n), True
