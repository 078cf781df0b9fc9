"""The one diagnosis path: Run -> rules -> typed findings -> causes -> prescription -> narrative -> checkpoint verdict
-> Report.

Built once, in one direction, and shared by ``diagnose`` (offline), the live Monitor and ``watch``: nothing
downstream knows where the Run came from.
"""

from __future__ import annotations

import os
from typing import Optional

from .i18n import msg
from .report.model import Report, summarise_sources
from .run import Run
from .settings import DEFAULT, Settings


def diagnose_run(
    run: Run,
    *,
    lang: str = "en",
    kind: str = "diagnosis",
    settings: Settings = DEFAULT,
    checkpoint_paths: tuple = (),
    extra: Optional[dict] = None,
    notes: tuple = (),
) -> Report:
    """Judge a Run with every enabled rule, infer the causes, write the story and build the Report, once.

    ``checkpoint_paths`` are the folders that may hold checkpoints with weights: their triage takes this Run and its
    findings (nothing is read or judged twice) and refines what the logs say about the checkpoints. ``extra`` and
    ``notes`` are what the caller adds (the live guard's summary, say).
    """
    import numpy as np

    from . import causes, rules

    folders = tuple(p for p in checkpoint_paths if os.path.isdir(p))  # only folders hold checkpoints with weights

    # Runs that fail hold nan, inf and 1e308: arithmetic on them is expected to overflow, and says nothing to the user.
    with np.errstate(all="ignore"):
        findings = rules.check_all(run, settings)
        diagnoses = causes.infer(run, findings)
        prescription = causes.prescribe(run, diagnoses)
        story = causes.narrate(run, findings, diagnoses)
        weights = None
        if folders:  # the checkpoint package (and what it imports) only when a folder is diagnosed
            from .checkpoints import triage_paths

            weights = triage_paths(folders, run, findings)
    checkpoints = story.checkpoints
    if weights:
        from .checkpoints import refine

        checkpoints = refine(checkpoints, weights)
    all_extra = dict(extra or {})
    if story.chain:
        all_extra["evidence_chain"] = list(story.chain)
    return Report(
        kind=kind,
        runs=summarise_sources(run),
        findings=findings,
        diagnoses=diagnoses,
        prescription=prescription,
        lang=lang,
        series_data=dict(run.series),
        conclusion=story.conclusion,
        watch_next=story.watch_next,
        notes=(*story.notes, *run_notes(run), *notes),
        checkpoints=checkpoints,
        extra=all_extra,
    )


def run_notes(run: Run) -> list:
    """What the reader should know about the reading itself: inputs not used (with their role and why) and the
    readers' warnings."""
    skipped = [
        msg("readers.note.input_skipped", path=s.path, kind=getattr(s.role, "value", s.role), why=n)
        for s in run.sources
        if getattr(s, "skipped", False)
        for n in s.notes
    ]
    return skipped + [w for w in run.warnings if w not in skipped]
