"""Causes: Findings + RunConfig -> ranked Diagnoses with fixes computed from the run's own config.

Each cause module registers a provider, ``@provider("name")`` on a function ``candidates(ctx) -> list[Diagnosis]``;
:func:`infer` gathers what every provider proposes (plugins included, see :mod:`trainmedic.registry`), lowers the
confidence when the evidence is thin, and ranks them. :func:`prescribe` merges their fixes into one plan;
:func:`narrate` writes the conclusion, evidence chain, checkpoint advice and what to watch next.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

from ..findings import Diagnosis, Prescription
from ..i18n import Msg
from ..observations import PreflightResult
from ..registry import Registry
from ..run import Run
from .context import Context

if TYPE_CHECKING:
    from .narrative import Narrative

# Modules that propose causes, in no particular order (ranking is by confidence).
CAUSE_MODULES = (
    "numerics",
    "step_size",
    "trainability",
    "collapse",
    "generalisation",
    "objective",
    "data",
    "labels",
    "accumulation",
    "live",
)
# Causes that explain a non-finite loss by the size of the steps or the numbers' range: when the guard saw the NaN in
# the batch itself, they stand only on evidence other than the non-finite values (a divergence, an explosion).
STEP_CAUSES = (
    "lr_too_high",
    "no_grad_clipping",
    "mixed_precision_overflow",
    "recurrent_long_sequence",
    "warmup_peak_instability",
    "batch_lr_mismatch",
)
EXPLAINED_BY_DATA = ("nonfinite", "spike", "wasted_compute")
# A cause that preflight also found before training is corroborated.
PREFLIGHT_BONUS = 0.1
# Fewer logged points than this, or no configuration at all, is thin evidence: confidence is scaled down.
THIN_POINTS = 12
THIN_FACTOR = 0.8
NO_CONFIG_FACTOR = 0.7
UNKNOWN_CONFIDENCE = 0.2


@dataclass(frozen=True)
class CauseProvider:
    """A named source of candidate diagnoses: ``candidates(ctx) -> list[Diagnosis]``."""

    name: str
    candidates: Callable[[Context], list]


REGISTRY: Registry = Registry("cause", __name__, CAUSE_MODULES, key=lambda p: p.name)


def provider(name: str) -> Callable:
    """Register ``fn(ctx) -> list[Diagnosis]`` as the cause provider ``name``."""

    def deco(fn: Callable[[Context], list]) -> Callable[[Context], list]:
        REGISTRY.add(CauseProvider(name, fn))
        return fn

    return deco


def infer(run: Run, findings: list) -> list:
    """Ranked diagnoses (highest confidence first); ``unknown`` when findings exist that no cause explains."""
    ctx = Context.build(run, findings)
    out: list[Diagnosis] = []
    for p in REGISTRY.items():
        out.extend(p.candidates(ctx))
    factor = 1.0
    if run.points < THIN_POINTS:
        factor *= THIN_FACTOR
    if not run.config.as_dict():
        factor *= NO_CONFIG_FACTOR
    if ctx.bad_data:
        symptom = {f.code: f.symptom for f in findings if f.serious}
        out = [
            d
            for d in out
            if d.cause not in STEP_CAUSES
            or any(symptom.get(c) not in EXPLAINED_BY_DATA for c in d.findings if c in symptom)
        ]
    found_before = {c for o in run.observed(PreflightResult) for c in o.causes}
    out = [replace(d, confidence=d.confidence + (PREFLIGHT_BONUS if d.cause in found_before else 0.0)) for d in out]
    best: dict = {}
    for d in out:  # one diagnosis per cause: the best-supported one
        if d.cause not in best or d.confidence > best[d.cause].confidence:
            best[d.cause] = d
    out = [replace(d, confidence=round(max(0.05, min(0.99, d.confidence * factor)), 3)) for d in best.values()]
    if not out and ctx.by_symptom:
        out.append(
            Diagnosis(
                cause="unknown",
                confidence=UNKNOWN_CONFIDENCE,
                title=Msg("cause.unknown.title"),
                explanation=Msg("cause.unknown.explanation"),
                findings=sorted({f.code for fs in ctx.by_symptom.values() for f in fs}),
            )
        )
    out.sort(key=lambda d: -d.confidence)
    return out


def prescribe(run: Run, diagnoses: list) -> Prescription:
    """The fixes of the ranked diagnoses as one coherent :class:`~trainmedic.findings.Prescription`."""
    from .prescription import prescribe as _prescribe

    return _prescribe(run, diagnoses)


def narrate(run: Run, findings: list, diagnoses: list) -> Narrative:
    """The conclusion, evidence chain, checkpoint advice, what to watch next and notes (a :class:`Narrative`)."""
    from .narrative import narrate as _narrate

    return _narrate(run, findings, diagnoses)
