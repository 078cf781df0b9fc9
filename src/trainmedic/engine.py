"""``trainmedic diagnose`` from artifacts: read each artifact once into a Run, triage the checkpoint weights beside
it, and diagnose (:mod:`trainmedic.diagnosis`)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Optional

from .diagnosis import diagnose_run
from .report.model import Report
from .settings import Settings

__all__ = ["diagnose", "diagnose_run"]


def diagnose(
    *paths: os.PathLike | str | Iterable,
    lang: str = "en",
    settings: Optional[Settings] = None,
    select: Optional[list] = None,
    ignore: Optional[list] = None,
) -> Report:
    """Read the artifacts of one run (files or directories) and diagnose it.

    ``settings`` defaults to the nearest ``trainmedic.toml`` / ``pyproject.toml`` ``[tool.trainmedic]`` above the
    current directory; ``select`` / ``ignore`` (rule codes or prefixes) are added on top, as on the command line.

    >>> report = diagnose("output_dir", "train.py", ignore=["TM402"])   # doctest: +SKIP
    >>> print(report.to_json())                                        # doctest: +SKIP
    """
    from .readers import load_run
    from .rules import validate

    flat: list = []
    for p in paths:
        if isinstance(p, (list, tuple)):
            flat.extend(p)
        else:
            flat.append(p)
    settings = (settings if settings is not None else Settings.load()).with_codes(select, ignore)
    validate(settings)
    run = load_run(flat)
    # Checkpoints with weights refine what the logs say about them (NaN weights, norm jumps); their triage takes this
    # Run and its findings, so that every artifact is read once and every rule runs once.
    return diagnose_run(run, lang=lang, settings=settings, checkpoint_paths=tuple(flat))
