"""Helpers shared by the console-log, encoding and config reader tests."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "logs"
# The acceptance artifacts live in the folder `shared` beside the repository root.
ACCEPTANCE = Path(__file__).resolve().parents[3] / "shared" / "acceptance"


def points(series) -> list:
    """(step, epoch, value) triples with NaN written as None, easy to compare."""

    def clean(x):
        return None if isinstance(x, float) and math.isnan(x) else x

    return [
        (clean(float(s)), clean(round(float(e), 4)), clean(float(v)))
        for s, e, v in zip(series.step, series.epoch, series.values)
    ]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trainmedic", *args], capture_output=True, text=True, timeout=120)
