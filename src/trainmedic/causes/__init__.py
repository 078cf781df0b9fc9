"""Causes: Findings + RunConfig -> ranked Diagnoses with fixes computed from the run's own config."""

from __future__ import annotations

from ..run import Run


def infer(run: Run, findings: list) -> list:
    """Ranked diagnoses (highest confidence first)."""
    return []
