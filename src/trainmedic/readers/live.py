"""Reader for trainmedic's own live log (format ``trainmedic-live``, written by :class:`trainmedic.Monitor`).

The records go through the same :class:`~trainmedic.livelog.RunBuilder` the Monitor uses, so a run read back
from its log is the Run the Monitor diagnosed. A last line cut off by a crash is ignored.

A log can be damaged or written by something else, so every record is checked against the shape the Monitor writes
before it reaches the builder (:class:`RecordCheck`): a record with a field of the wrong type (a word where a number
goes, a list where a dict goes, an integer too large for a float) is skipped, and the report says how many were.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Optional

from ..errors import InputError
from ..i18n import msg
from ..livelog import FORMAT, RunBuilder, parse_lines
from ..run import Run
from . import Reader, register

# The header is the first line; a marker this early in the file is enough to claim it.
_MARKER = b'"format":"' + FORMAT.encode() + b'"'
# Numbers of a step record (absent or null when not measured); lr is a number or one per parameter group.
STEP_NUMBERS = ("loss", "grad_norm", "loss_scale", "step_time", "epoch")
# How the Monitor writes non-finite numbers; any other string where a number goes is damage, not a NaN.
NONFINITE = {"nan", "inf", "-inf", "NaN", "Infinity", "-Infinity"}
_SCALARS = (str, int, float, bool, type(None))
# A config value longer than a line of a report, or a list longer than a model's layer kinds, is not configuration.
MAX_CONFIG_TEXT = 1000
MAX_CONFIG_LIST = 100


def _number(v: Any) -> bool:
    """A finite or non-finite number as the Monitor writes it (no bool, no integer beyond float range)."""
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return abs(v) <= 2**1023
    return isinstance(v, float) or (isinstance(v, str) and v in NONFINITE)


def _optional_number(v: Any) -> bool:
    return v is None or _number(v)


class RecordCheck:
    """Passes records of the shapes the Monitor writes and counts the others (:attr:`skipped`)."""

    def __init__(self) -> None:
        self.skipped = 0

    def __call__(self, records: Iterable[dict]) -> Iterator[dict]:
        """The records that have the right shape (a header's config keeps only the values of a plain type)."""
        for rec in records:
            clean = self.check(rec)
            if clean is None:
                self.skipped += 1
            else:
                yield clean

    def check(self, rec: dict) -> Optional[dict]:
        """``rec`` ready for the RunBuilder, or None when a field has the wrong type."""
        kind = rec.get("type")
        if kind == "header" or rec.get("format") == FORMAT:
            config = rec.get("config")
            config = {str(k): v for k, v in config.items() if _plain_value(v)} if isinstance(config, dict) else {}
            return {**rec, "type": "header", "config": config}
        if kind == "step":
            return rec if _step_ok(rec) else None
        if kind == "event":
            return (
                {**rec, "step": _float(rec.get("step")), "epoch": _float(rec.get("epoch"))} if _event_ok(rec) else None
            )
        if kind == "eval":
            return rec if _eval_ok(rec) else None
        if kind == "observation":  # typed facts: the builder keeps only those whose fields fit their types
            return rec if isinstance(rec.get("kind"), str) else None
        return None


def _step_ok(rec: dict) -> bool:
    if not _number(rec.get("step")) or not all(_optional_number(rec.get(k)) for k in STEP_NUMBERS):
        return False
    lr = rec.get("lr")
    if not (_optional_number(lr) or (isinstance(lr, list) and all(_number(x) for x in lr))):
        return False
    layers = rec.get("layers")
    return layers is None or (isinstance(layers, dict) and all(_number(v) for v in layers.values()))


def _event_ok(rec: dict) -> bool:
    return (
        isinstance(rec.get("kind"), str)
        and all(_optional_number(rec.get(k)) for k in ("step", "epoch"))
        and isinstance(rec.get("message", ""), str)
        and isinstance(rec.get("data") or {}, dict)
    )


def _eval_ok(rec: dict) -> bool:
    metrics = rec.get("metrics")
    return (
        _number(rec.get("step"))
        and _optional_number(rec.get("epoch"))
        and isinstance(metrics, dict)
        and all(isinstance(k, str) and _number(v) for k, v in metrics.items())
    )


def _float(v: Any) -> Optional[float]:
    return None if v is None else float(v)


def _plain_value(v: Any, nested: bool = False) -> bool:
    """A config value the report can show and the causes can compute with (a short list of scalars at most, as the
    Monitor writes ``recurrent_layers``)."""
    if isinstance(v, list) and not nested:
        return len(v) <= MAX_CONFIG_LIST and all(_plain_value(x, True) for x in v)
    if isinstance(v, int) and not isinstance(v, bool):
        return abs(v) <= 2**1023
    return isinstance(v, _SCALARS) and not (isinstance(v, str) and len(v) > MAX_CONFIG_TEXT)


def sniff(path: Path, head: bytes) -> float:
    """Certain when the first line carries the ``trainmedic-live`` format marker."""
    first = head.split(b"\n", 1)[0].replace(b" ", b"")
    return 1.0 if _MARKER in first else 0.0


def read(path: Path) -> Run:
    """A Run from a trainmedic live log: its steps, guard actions and config, damaged records skipped and counted."""
    builder = RunBuilder(str(path))
    check = RecordCheck()
    steps = 0
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for rec in check(parse_lines(fh)):
                builder.add(rec)
                steps += rec.get("type") == "step"
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror or exc})") from None
    if builder.header is None:
        raise InputError(path, "not a trainmedic-live log (no header line)")
    if check.skipped and not steps:
        raise InputError(path, msg("safety.live.no_records", count=check.skipped).render("en"))
    run = builder.run()
    if check.skipped:
        run.sources[0].notes.append(msg("safety.live.skipped", count=check.skipped))
    return run


register(Reader(FORMAT, sniff, read))
