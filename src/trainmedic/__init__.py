"""trainmedic: diagnose failing deep-learning training runs, offline from their artifacts or live in the loop.

Public API (see CONTRACT.md): :func:`diagnose`, :class:`Report`, :class:`Monitor`, :func:`preflight`.
Heavy dependencies (torch, transformers, lightning, tensorboard) are imported only when a feature needs them.
"""

from __future__ import annotations

from typing import Any

from .engine import diagnose, diagnose_run
from .errors import InputError
from .report.model import Report
from .run import Run, RunConfig, Series

__version__ = "0.1.0"

__all__ = [
    "diagnose", "diagnose_run", "Report", "Run", "RunConfig", "Series", "InputError",
    "Monitor", "preflight", "load_run", "__version__",
]


def __getattr__(name: str) -> Any:
    # Lazy: these pull in torch.
    if name == "Monitor":
        from .live.monitor import Monitor

        return Monitor
    if name == "StopTraining":
        from .live.monitor import StopTraining

        return StopTraining
    if name == "preflight":
        from .preflight import preflight

        return preflight
    if name == "load_run":
        from .readers import load_run

        return load_run
    raise AttributeError(f"module 'trainmedic' has no attribute {name!r}")
