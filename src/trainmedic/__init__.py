"""trainmedic: diagnose failing deep-learning training runs, offline from their artifacts or live in the loop.

Public API: :func:`diagnose`, :func:`diagnose_run`, :class:`Report`, :class:`Monitor`, :func:`preflight`,
:func:`load_run`. Every name is imported on first use, so that ``import trainmedic`` (and ``trainmedic --help``)
stays fast and heavy dependencies (numpy, torch, transformers, lightning, tensorboard) load only when a feature needs
them.
"""

from __future__ import annotations

import importlib
from typing import Any

from .version import __version__

# Public name -> (module, attribute), imported on first use.
_LAZY = {
    "diagnose": ("trainmedic.engine", "diagnose"),
    "diagnose_run": ("trainmedic.diagnosis", "diagnose_run"),
    "Report": ("trainmedic.report.model", "Report"),
    "Run": ("trainmedic.run", "Run"),
    "RunConfig": ("trainmedic.run", "RunConfig"),
    "Series": ("trainmedic.run", "Series"),
    "InputError": ("trainmedic.errors", "InputError"),
    "Settings": ("trainmedic.settings", "Settings"),
    "Monitor": ("trainmedic.live.monitor", "Monitor"),
    "StopTraining": ("trainmedic.live.monitor", "StopTraining"),
    "preflight": ("trainmedic.preflight", "preflight"),
    "load_run": ("trainmedic.readers", "load_run"),
}

__all__ = [*_LAZY, "__version__"]


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'trainmedic' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(__all__)
