"""Writing the live run log (format in :mod:`trainmedic.livelog`): strict-JSON lines, buffered, flushed at every
guard action. The format, its reader and the Run builder live in :mod:`trainmedic.livelog`, re-exported here.
"""

from __future__ import annotations

import json
import math
import os
import time
from typing import Any

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
]

# The log is flushed at least this often (and at every guard action): what a crash can lose.
FLUSH_SECONDS = 1.0


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


_STEP_KEYS = ("step", "loss", "grad_norm")


def _step_line(record: dict) -> str | None:
    """A healthy step record written directly (the per-step path); None when it needs the general encoder."""
    parts = ['{"type":"step"']
    for key, v in record.items():
        if key == "type":
            continue
        if isinstance(v, float) and math.isfinite(v):
            parts.append(f'"{key}":{v!r}')
        elif isinstance(v, (int, str)) and not isinstance(v, bool) and (not isinstance(v, str) or v.isalnum()):
            parts.append(f'"{key}":{v}' if isinstance(v, int) else f'"{key}":"{v}"')
        elif isinstance(v, list) and all(isinstance(x, float) and math.isfinite(x) for x in v):
            parts.append(f'"{key}":[' + ",".join(repr(x) for x in v) + "]")
        else:
            return None
    return ",".join(parts) + "}"


def dumps(record: dict) -> str:
    """One log line (without the newline)."""
    if record.get("type") == "step":
        line = _step_line(record)
        if line is not None:
            return line
    try:  # plain finite numbers, no conversion needed
        return json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (ValueError, TypeError):
        return json.dumps(plain(record), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class LogWriter:
    """Appends records to the run log. Lines are buffered and flushed at least every FLUSH_SECONDS and on every
    record written with ``flush=True`` (guard actions, alarms, the end): a crash loses at most the last second of
    healthy steps, never an action."""

    def __init__(self, path: str) -> None:
        self.path = str(path)
        parent = os.path.dirname(self.path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        self._fh = open(self.path, "a", encoding="utf-8")
        self._flushed = time.monotonic()

    def write(self, record: dict, *, flush: bool = False) -> None:
        if self._fh.closed:
            return
        self._fh.write(dumps(record) + "\n")
        now = time.monotonic()
        if flush or now - self._flushed >= FLUSH_SECONDS:
            self._fh.flush()
            self._flushed = now

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()
