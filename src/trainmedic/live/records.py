"""Writing the live run log (format in :mod:`trainmedic.livelog`): strict-JSON lines, buffered, flushed at every
guard action and at a bounded interval. The format, its reader and the Run builder live in
:mod:`trainmedic.livelog`, re-exported here.
"""

from __future__ import annotations

import json
import math
import os
import time
from typing import Any, Optional

from ..livelog import FORMAT, GRAD_NORM, LOSS, LOSS_SCALE, LR, STEP_TIME, VERSION, RunBuilder, number, parse_lines
from ..report.model import json_number

__all__ = [
    "FORMAT",
    "VERSION",
    "LOSS",
    "GRAD_NORM",
    "LR",
    "LOSS_SCALE",
    "STEP_TIME",
    "RunBuilder",
    "LogWriter",
    "number",
    "parse_lines",
    "plain",
    "dumps",
    "step_line",
    "step_lines",
    "step_record",
    "finish_log",
    "FLUSH_RECORDS",
    "FLUSH_SECONDS",
]

# The log is flushed at every guard action, alarm and observation, and otherwise once this many step records are
# waiting or, at a step, this many seconds have passed since the last flush: a crash (even a SIGKILL) loses at most
# the last 99 healthy step records, all from within a second, never an action. Steps are formatted and written in
# those batches: one write of about 15 KB every 100 steps, the formatting done while the code is in the cache.
FLUSH_RECORDS = 100
FLUSH_SECONDS = 1.0
# The file's own buffer is larger than 100 records, so that the count above, not the buffer's size, decides.
BUFFER_BYTES = 1 << 20


def plain(v: Any) -> Any:
    """A value made strict-JSON-safe: non-finite floats become ``"nan"`` / ``"inf"`` / ``"-inf"``."""
    if isinstance(v, float):
        return json_number(v)
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if v is None or isinstance(v, (str, int, bool)):
        return v
    try:  # numpy scalars, 0-d tensors
        return plain(v.item())
    except (AttributeError, ValueError):
        return str(v)


def step_line(
    step: int, loss: Any, grad_norm: float, lrs: list, action: str, batch: Any, extra: tuple = ()
) -> Optional[str]:
    """A healthy step record written directly (the per-step path), keys in the order of the log format; None when
    a value needs the general encoder (a non-finite number, an unusual type)."""
    if type(loss) is not float or type(batch) is not int:
        return None
    if not math.isfinite(sum(lrs, loss + grad_norm)):  # NaN/inf anywhere (or an overflowing sum: the slow path)
        return None
    line = (
        f'{{"type":"step","step":{step},"loss":{loss!r},"grad_norm":{grad_norm!r},'
        f'"lr":[{",".join(map(repr, lrs))}],"action":"{action}","batch":{batch}'
    )
    for key, v in extra:
        if type(v) is not float or not math.isfinite(v):
            return None
        line += f',"{key}":{v!r}'
    return line + "}"


def dumps(record: dict) -> str:
    """One log line (without the newline)."""
    try:  # plain finite numbers, no conversion needed
        return json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (ValueError, TypeError):
        return json.dumps(plain(record), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def step_record(row: tuple) -> dict:
    """The log record of a step row ``(step, epoch, loss, grad_norm, lrs, loss_scale, step_time, layers, action,
    batch)`` (None: not measured, left out)."""
    step, epoch, loss, norm, lrs, scale, step_time, layers, action, batch = row
    rec: dict = {"type": "step", "step": step}
    if loss is not None:
        rec["loss"] = loss
    rec.update(grad_norm=norm, lr=lrs, action=action, batch=batch)
    for key, v in (("epoch", epoch), ("step_time", step_time), ("loss_scale", scale)):
        if v is not None:
            rec[key] = v
    if layers:
        rec["layers"] = layers
    return rec


def step_lines(rows: list) -> str:
    """Log lines of step rows (see :func:`step_record`), each ending in a newline."""
    out = []
    for row in rows:
        step, epoch, loss, norm, lrs, scale, step_time, layers, action, batch = row
        line = None
        if not layers:
            extra = tuple(
                (k, v) for k, v in (("epoch", epoch), ("step_time", step_time), ("loss_scale", scale)) if v is not None
            )
            line = step_line(step, loss, norm, lrs, action, batch, extra)
        out.append(line if line is not None else dumps(step_record(row)))
    out.append("")
    return "\n".join(out)


class LogWriter:
    """Appends records to the run log, buffered: flushed on every record written with ``flush=True`` (guard
    actions, alarms, observations, the end), and otherwise every FLUSH_RECORDS step records or FLUSH_SECONDS,
    whichever comes first (see the constants). Step records are handed over in batches (:meth:`write_steps`)."""

    def __init__(
        self, path: str, *, flush_records: Optional[int] = None, flush_seconds: Optional[float] = None
    ) -> None:
        self.path = str(path)
        parent = os.path.dirname(self.path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        self._fh = open(self.path, "a", encoding="utf-8", buffering=BUFFER_BYTES)
        self.flush_records = max(1, int(FLUSH_RECORDS if flush_records is None else flush_records))
        self.flush_seconds = float(FLUSH_SECONDS if flush_seconds is None else flush_seconds)
        self.flushed = time.perf_counter()  # when the log was last handed to the operating system

    def due(self, now: float) -> bool:
        """Whether FLUSH_SECONDS have passed since the last flush (``now`` from ``time.perf_counter()``)."""
        return now - self.flushed >= self.flush_seconds

    def write(self, record: dict, *, flush: bool = False) -> None:
        """Append one record."""
        if not self._fh.closed:
            self._fh.write(dumps(record) + "\n")
            if flush:
                self.flush()

    def write_steps(self, rows: list, *, flush: bool = True) -> None:
        """Append step rows (see :func:`step_record`) and, by default, flush."""
        if not self._fh.closed and rows:
            self._fh.write(step_lines(rows))
            if flush:
                self.flush()

    def flush(self) -> None:
        """Hand everything written so far to the operating system."""
        if not self._fh.closed:
            self._fh.flush()
        self.flushed = time.perf_counter()

    def close(self) -> None:
        """Flush and close the file."""
        if not self._fh.closed:
            self._fh.close()


def finish_log(log: Optional[LogWriter], rows: list) -> None:
    """Write step rows still waiting when the process ends without ``close()`` (a finaliser: no Monitor needed)."""
    if log is not None and rows:
        log.write_steps(list(rows))
        rows.clear()
