"""Tracebacks, CUDA device-side assertions and the Hugging Face Trainer's banners in a console log.

A traceback's exception line becomes an ``error`` event where the run stopped; a traceback after which the log goes on
with more training (a handled exception: ``unable to check gpu_memory_mb(), continuing``) is a ``warning`` instead,
decided when the log ends (see :meth:`CrashMixin.settle_errors`). The Trainer's ``***** Running training *****``
block becomes configuration.
"""

from __future__ import annotations

from typing import Optional

from ..run import Event
from . import textlog_patterns as P

# A traceback's frames are a few dozen lines (recursion is folded into `[Previous line repeated N more times]`);
# past this many without the exception's line, the traceback was cut off and the lines after it are read again.
MAX_TRACEBACK_LINES = 1000
# One warning printed every step (gradient overflow) must not grow the event list without bound.
MAX_EVENTS = 5000
# Points a log must record after a traceback before the exception counts as handled (the run went on): a process
# printing its last line or two after another one crashed is still a crash.
CONTINUED_RECORDS = 5
# The ``exception`` of an error event from a CUDA kernel's assertion, which is no Python exception.
DEVICE_ASSERT = "DeviceAssertion"
# The settings of the Trainer's training banner (keys lower-cased), by config key. `Gradient Accumulation steps` and
# `Total optimization steps` would otherwise read as a step counter.
HF_BANNER_KEYS = {
    "num examples": "train_examples",
    "num epochs": "num_epochs",
    "num update steps per epoch": "steps_per_epoch",
    "instantaneous batch size per device": "per_device_batch",
    "total train batch size (w. parallel, distributed & accumulation)": "effective_batch",
    "gradient accumulation steps": "grad_accum",
    "total optimization steps": "max_steps",
    "number of trainable parameters": "trainable_params",
}


class CrashMixin:
    """The part of :class:`~.textlog_parser.LogParser` that reads tracebacks, device assertions and banners."""

    _traceback: Optional[int] = None  # lines read of the traceback being printed, None outside one
    _banner: Optional[str] = None  # the Trainer banner in force: `training`, `evaluation`, `prediction`

    def _crash(self, line: str, text: str) -> bool:
        """Read a traceback (its exception's line becomes an ``error`` event) or a CUDA device-side assertion;
        False when ``text`` is neither and is read as any other line."""
        if self._traceback is None:
            if P.TRACEBACK_START.match(text):
                self._traceback = 0
                return True
            m = P.CUDA_ASSERT.search(text)
            if m is None:
                return False
            data = {"exception": DEVICE_ASSERT}
            if m.group("expr"):
                data["assertion"] = m.group("expr")
            self._error(text, data, m.group("expr") or text)  # one event however many threads print it
            return True
        self._traceback += 1
        rest = line[P.TRACEBACK_PREFIX.match(line).end() :]
        if (
            rest[:1].isspace()
            or text.startswith(('File "', "[Previous line"))
            or P.TRACEBACK_START.match(text)
            or P.TRACEBACK_CHAIN.match(text)
        ):
            if self._traceback > MAX_TRACEBACK_LINES:
                self._traceback = None
            return True
        self._traceback = None
        m = P.EXCEPTION_LINE.match(text)
        if m is None:
            return False  # the traceback was cut off: this line is the log going on
        data = {"exception": m.group("exc").rsplit(".", 1)[-1], "detail": (m.group("msg") or "").strip()}
        if P.CUDA_ASSERT.search(text):
            data["device_assert"] = True
        self._error(text, data, text)
        return True

    def _hf_banner(self, text: str) -> bool:
        """Read the Trainer's `***** Running training *****` block into config (its evaluation blocks count the eval
        set, and are skipped); False when ``text`` is no banner line or no banner was opened."""
        m = P.HF_RUNNING.search(text)
        if m:
            self._banner = m.group("what").lower()
            return True
        m = P.HF_BANNER.match(text) if self._banner is not None else None
        if m is None:
            return False
        key = HF_BANNER_KEYS.get(m.group("key").lower())
        if self._banner == "training" and key is not None:
            self.config.set(key, int(m.group("val").replace(",", "")), self.source, self.lineno)
        return True

    def _error(self, text: str, data: dict, key: str) -> None:
        """An ``error`` event where the run stopped: the step after the last one logged, in the last epoch."""
        step = self.last_step + 1 if self.last_step == self.last_step else None
        epoch = self.last_epoch if self.last_epoch == self.last_epoch else None
        event_key = ("error", step, epoch, key)
        if event_key not in self._event_keys and len(self.events) < MAX_EVENTS:
            self._event_keys.add(event_key)
            data = dict(data, records_before=self.records)
            self.events.append(
                Event("error", step=step, epoch=epoch, message=text, data=data, source=f"{self.source}:{self.lineno}")
            )

    def settle_errors(self) -> None:
        """An exception after which the log records more training did not stop the run: it becomes a warning."""
        for e in self.events:
            if e.kind == "error" and e.data.pop("records_before", self.records) + CONTINUED_RECORDS <= self.records:
                e.kind = "warning"
