"""Typed facts a live run observed about itself: what the guard did and why, where the first NaN came from, how
many parameters train, what the inputs and labels look like, whether gradients flow, are clipped, are zeroed.

The Monitor writes each as one ``{"type": "observation", "kind": ...}`` line of its log and keeps it on the
:class:`~trainmedic.run.Run`; the ``trainmedic-live`` reader reads the same lines back, so ``diagnose`` on the log
sees what the live diagnosis saw. The causes layer reads these fields, never a rendered message. No torch here.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Optional


@dataclass(frozen=True)
class Observation:
    """Base of every observation: the step it was made at (None: before training or for the whole run)."""

    kind: ClassVar[str] = ""
    step: Optional[int] = None

    def to_record(self) -> dict:
        """The live-log record of this observation."""
        return {"type": "observation", "kind": self.kind, **asdict(self)}


@dataclass(frozen=True)
class ParameterCounts(Observation):
    """Parameters of the model and what the optimizer holds. ``missed``: trainable parameters in no optimizer group;
    ``outside``: optimizer parameters that are not the model's (a learnable temperature); ``frozen_modules``: top-level
    modules with no trainable parameter."""

    kind: ClassVar[str] = "parameters"
    total: int = 0
    trainable: int = 0
    optimized: int = 0
    missed: int = 0
    outside: int = 0
    frozen_modules: tuple = ()
    missed_modules: tuple = ()


@dataclass(frozen=True)
class InputStats(Observation):
    """Statistics of one floating-point input tensor over the first batches (``name`` as the batch names it)."""

    kind: ClassVar[str] = "inputs"
    name: str = ""
    minimum: float = math.nan
    maximum: float = math.nan
    mean: float = math.nan
    std: float = math.nan
    integer_valued: bool = False
    nonfinite: int = 0


@dataclass(frozen=True)
class LabelStats(Observation):
    """Class labels seen in the first batches of a split: count per class and the number of classes the model has
    (from its last layer or ``num_labels``; None when unknown)."""

    kind: ClassVar[str] = "labels"
    split: str = "train"
    counts: tuple = ()
    num_classes: Optional[int] = None

    @property
    def majority_share(self) -> Optional[float]:
        """The share of the commonest class among the labels seen (None when none were)."""
        total = sum(self.counts)
        return max(self.counts) / total if total else None


@dataclass(frozen=True)
class GuardAction(Observation):
    """A step the guard did not apply (``skip``), a ``rollback`` or a ``stop``, and why. ``input_nonfinite``: the
    batch itself held NaN/inf (None when it was not checked)."""

    kind: ClassVar[str] = "guard"
    action: str = "skip"
    reason: str = "nonfinite"
    batch: Optional[int] = None
    input_nonfinite: Optional[bool] = None
    to_step: Optional[int] = None


@dataclass(frozen=True)
class Provenance(Observation):
    """Where the first non-finite value appeared, from the replay of that batch (``phase`` input | forward | loss |
    backward | none | error)."""

    kind: ClassVar[str] = "provenance"
    phase: str = "none"
    module: str = ""
    dtype: str = ""
    nan_kind: str = ""
    max_abs: float = math.nan
    timestep: Optional[int] = None


@dataclass(frozen=True)
class GradientFlow(Observation):
    """Over ``steps`` measured steps: how many had a gradient norm of exactly 0, and how many had no gradient on any
    parameter the optimizer holds (a loss detached from the model gives both)."""

    kind: ClassVar[str] = "gradient_flow"
    steps: int = 0
    zero_steps: int = 0
    none_steps: int = 0


@dataclass(frozen=True)
class StaleGradients(Observation):
    """The gradient at an optimizer step still held the previous steps' gradients: ``ratio`` is its norm over the
    norm of what the backward passes since the last step produced (1 when gradients are zeroed)."""

    kind: ClassVar[str] = "stale_gradients"
    ratio: float = math.nan
    steps: int = 0


@dataclass(frozen=True)
class Clipping(Observation):
    """Whether gradients are clipped, as seen from what the loop does: ``how`` is ``config`` (the framework's
    setting), ``measured`` (every norm stops at one ceiling) or ``none_seen`` (norms varied freely)."""

    kind: ClassVar[str] = "clipping"
    clipped: bool = False
    max_norm: Optional[float] = None
    how: str = "config"


@dataclass(frozen=True)
class LiveAlarm(Observation):
    """A streaming detector's alarm raised during training (see :mod:`trainmedic.rules.streaming`)."""

    kind: ClassVar[str] = "alarm"
    code: str = ""
    detector: str = ""
    series: str = ""
    at: Optional[float] = None
    value: float = math.nan
    ratio: float = math.nan


@dataclass(frozen=True)
class PreflightResult(Observation):
    """What :func:`trainmedic.preflight` found before training: its finding codes and proposed causes."""

    kind: ClassVar[str] = "preflight"
    codes: tuple = ()
    causes: tuple = ()
    loss_at_init: Optional[float] = None
    chance_loss: Optional[float] = None


KINDS: dict = {
    c.kind: c
    for c in (
        ParameterCounts,
        InputStats,
        LabelStats,
        GuardAction,
        Provenance,
        GradientFlow,
        StaleGradients,
        Clipping,
        LiveAlarm,
        PreflightResult,
    )
}


_NUMBER = (int, float)


def _coerce(value: Any, annotation: str) -> Any:
    """A logged value as the field's type (lists back to tuples, "nan" back to a float); None when it does not fit."""
    if value is None:
        return None
    if annotation == "tuple":
        return tuple(value) if isinstance(value, (list, tuple)) else None
    if "bool" in annotation:
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):
        return None
    if "int" in annotation:
        ok = isinstance(value, _NUMBER) and math.isfinite(value) and float(value).is_integer()
        return int(value) if ok else None
    if "float" in annotation:
        if isinstance(value, _NUMBER):
            return float(value)
        try:
            return float(value) if isinstance(value, str) else None  # "nan", "inf" as the log writes them
        except ValueError:
            return None
    return value if isinstance(value, str) else None


def from_record(rec: dict) -> Optional[Observation]:
    """The observation a log record holds; None for an unknown kind or a record whose fields do not fit."""
    cls = KINDS.get(rec.get("kind"))
    if cls is None:
        return None
    values = {}
    for f in fields(cls):
        if f.name not in rec:
            continue
        v = _coerce(rec[f.name], str(f.type))
        if v is None and rec[f.name] is not None:
            return None
        values[f.name] = v
    return cls(**values)
