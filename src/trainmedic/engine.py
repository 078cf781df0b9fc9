"""The one diagnosis path: Run -> rules -> causes -> Report. Used by `diagnose`, the live Monitor and `watch`."""

from __future__ import annotations

import os
from collections.abc import Iterable

from .i18n import msg
from .report.model import Report, RunSummary
from .run import Run


def summarise_sources(run: Run) -> list:
    """One RunSummary per artifact read; the first carries the merged run's config with its sources."""
    config = run.config.as_dict()
    sources = {k: v.cite() for k, v in run.config.items()}
    out = []
    for i, s in enumerate(run.sources):
        # The merged run has one config: it is listed once, on the first artifact, not repeated per file.
        out.append(RunSummary(path=s.path, format=s.format, series=list(s.series), points=int(s.points),
                              config=config if i == 0 else {}, config_sources=sources if i == 0 else {},
                              notes=list(s.notes), kind=getattr(s.kind, "value", str(s.kind))))
    if not out:
        out.append(RunSummary(path=run.path, format="unknown", series=list(run.series), points=run.points,
                              config=config, config_sources=sources))
    return out


def diagnose_run(run: Run, *, lang: str = "en", kind: str = "diagnosis") -> Report:
    """Judge a Run with every rule, infer the causes and build the Report."""
    import numpy as np

    from . import causes, rules

    # Runs that fail hold nan, inf and 1e308: arithmetic on them is expected to overflow, and says nothing to the user.
    with np.errstate(all="ignore"):
        findings = rules.check_all(run)
        diagnoses = causes.infer(run, findings)
    report = Report(kind=kind, runs=summarise_sources(run), findings=findings, diagnoses=diagnoses, lang=lang,
                    series_data=dict(run.series))
    causes.narrate(run, report)
    report.notes.extend(input_notes(run))
    return report


def input_notes(run: Run) -> list:
    """What reading left out, for the report's own notes: each input not used and why, and the readers' warnings."""
    out = [msg("readers.note.input_skipped", path=s.path, kind=getattr(s.kind, "value", str(s.kind)), why=n)
           for s in run.sources if s.skipped for n in s.notes]
    out.extend(w for w in run.warnings if w not in out)
    return out


def diagnose(*paths: os.PathLike | str | Iterable, lang: str = "en") -> Report:
    """Read the artifacts of one run (files or directories) and diagnose it.

    >>> report = diagnose("output_dir", "train.py")   # doctest: +SKIP
    >>> print(report.to_json())                        # doctest: +SKIP
    """
    from .readers import load_run

    flat: list = []
    for p in paths:
        if isinstance(p, (list, tuple)):
            flat.extend(p)
        else:
            flat.append(p)
    run = load_run(flat)
    report = diagnose_run(run, lang=lang)
    # Checkpoints with weights refine what the logs say about them (NaN weights, norm jumps).
    from .checkpoints import refine, triage_paths

    report.checkpoints = refine(report.checkpoints, triage_paths(flat))
    return report
