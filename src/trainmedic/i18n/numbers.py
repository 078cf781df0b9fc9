"""The one number format of every report, in every language: 7.5e-05, 0.9322, 2100, 120,000, nan.

Epochs are positions, not measurements: they are written with at most two decimals wherever they appear (a step's
epoch of 0.6731 reads "epoch 0.67" in the conclusion, the evidence and the plots alike).
"""

from __future__ import annotations

import math
from typing import Any

# Integers from this size on are grouped by thousands (120,000 steps); smaller ones stay as logged (2100).
GROUP_FROM = 100_000
# Floats: four significant digits (0.9322, 1.438), scientific below 1e-3 and from 1e6 on (7.5e-05, 1.92e+22).
SIGNIFICANT = 4
SMALL, LARGE = 1e-3, 1e6
EPOCH_DECIMALS = 2


def fmt_value(v: Any) -> str:
    """A number as people write it in a report; anything else as ``str``."""
    if isinstance(v, bool):
        return str(v)
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):  # a numpy scalar
        try:
            v = v.item()
        except (TypeError, ValueError):
            return str(v)
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= GROUP_FROM else str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if v == int(v) and abs(v) < LARGE:
            return fmt_value(int(v))
        if abs(v) < SMALL or abs(v) >= LARGE:
            return f"{v:.3g}"
        return f"{v:.{SIGNIFICANT}g}"
    return str(v)


def fmt_epoch(v: Any) -> str:
    """An epoch: at most two decimals (0.67, 2, 12.5)."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(x):
        return fmt_value(x)
    return fmt_value(round(x, EPOCH_DECIMALS))


def is_epoch(name: str) -> bool:
    """Placeholders that hold an epoch: ``epoch``, ``best_epoch``, ``epoch_from`` ..."""
    return name == "epoch" or name.endswith("_epoch") or name.startswith("epoch_")


def fmt_number(name: str, v: Any) -> str:
    """The number for placeholder ``name``: an epoch as :func:`fmt_epoch`, anything else as :func:`fmt_value`."""
    return fmt_epoch(v) if is_epoch(name) else fmt_value(v)
