"""What the rules and causes produce: findings (symptoms with evidence) and diagnoses (causes with fixes).

Every fact is a typed field: where a finding starts is a :class:`Position`, how bad it is a :class:`Severity`, what a
rule measured a :class:`Facts` object of the rule's own type. The causes layer reads these fields, never a rendered
message.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional, Union

from .i18n import Msg

SYMPTOMS = (
    "nonfinite",
    "divergence",
    "stuck_at_chance",
    "plateau",
    "oscillation",
    "spike",
    "overfitting",
    "metric_collapse",
    "degenerate_eval",
    "gradient_explosion",
    "vanishing_gradient",
    "wasted_compute",
    "crash",
)
# Failures: the symptoms whose first occurrence marks where a run broke (the point to resume before).
FAILURE_SYMPTOMS = ("nonfinite", "divergence", "metric_collapse", "stuck_at_chance", "gradient_explosion", "crash")
# Instability: what updates that are too large (or unbounded) produce.
INSTABILITY_SYMPTOMS = ("nonfinite", "divergence", "oscillation", "spike", "gradient_explosion", "metric_collapse")
CAUSES = (
    "lr_too_high",
    "lr_too_low",
    "batch_lr_mismatch",
    "warmup_peak_instability",
    "no_grad_clipping",
    "mixed_precision_overflow",
    "recurrent_long_sequence",
    "frozen_backbone",
    "optimizer_misses_params",
    "bad_input_data",
    "bad_labels",
    "degenerate_eval_set",
    "overfitting_capacity",
    "small_batch_noise",
    "batchnorm_small_batch",
    "loss_output_mismatch",
    "dead_units",
    "vanishing_gradients",
    "missing_zero_grad",
    "labels_misaligned",
    "unnormalised_inputs",
    "no_gradient_flow",
    "eval_mode_mismatch",
    "class_imbalance",
    "lr_schedule_decayed",
    "unknown",
)


class Severity(str, Enum):
    """How much a finding matters: ``info`` (context, thin evidence), ``warning``, ``error`` (the run failed)."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for error: the one order every comparison uses."""
        return _RANK[self.value]

    @classmethod
    def of(cls, value: Union[Severity, str]) -> Severity:
        """The severity named by ``value`` (``"warning"`` or ``Severity.WARNING``); ValueError for anything else."""
        return value if isinstance(value, Severity) else cls(str(value))

    def at_least(self, other: Union[Severity, str]) -> bool:
        """Whether this severity is ``other`` or worse."""
        return self.rank >= Severity.of(other).rank

    def __str__(self) -> str:
        return self.value


_RANK = {"info": 0, "warning": 1, "error": 2}
SEVERITIES = tuple(s.value for s in Severity)
# How a severity is written to people, by its value (the message keys, in full).
SEVERITY_WORDS = {
    "info": "report.severity.info",
    "warning": "report.severity.warning",
    "error": "report.severity.error",
}


def _coordinate(v: Any) -> Optional[float]:
    if v is None:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Position:
    """Where something happened in a run: the step and/or epoch it records, else the index of the logged point."""

    step: Optional[float] = None
    epoch: Optional[float] = None
    index: Optional[int] = None

    def __post_init__(self) -> None:
        step, epoch = _coordinate(self.step), _coordinate(self.epoch)
        if step is not None and step.is_integer():
            step = int(step)
        object.__setattr__(self, "step", step)
        object.__setattr__(self, "epoch", None if epoch is None else round(epoch, 4))
        if self.index is not None:
            object.__setattr__(self, "index", int(self.index))

    @classmethod
    def of(cls, value: Union[Position, Mapping, None]) -> Position:
        """A Position from another one or from a ``{"step": .., "epoch": .., "index": ..}`` mapping."""
        if isinstance(value, Position):
            return value
        value = value or {}
        return cls(step=value.get("step"), epoch=value.get("epoch"), index=value.get("index"))

    @property
    def known(self) -> bool:
        """Whether anything is known of where it is (a step, an epoch or an index)."""
        return self.step is not None or self.epoch is not None or self.index is not None

    @property
    def axis(self) -> str:
        """``step`` when the step is known, else ``epoch``, else ``index``."""
        if self.step is not None:
            return "step"
        return "epoch" if self.epoch is not None else "index"

    def on(self, axis: str) -> Optional[float]:
        """The coordinate on ``axis`` (``step``, ``epoch`` or ``index``), None when unknown."""
        v = getattr(self, axis, None)
        return None if v is None else float(v)

    @property
    def key(self) -> float:
        """Sort key: the step, else the epoch, else the index (findings of one run share an axis in practice)."""
        for axis in ("step", "epoch", "index"):
            v = self.on(axis)
            if v is not None:
                return v
        return 0.0

    def as_dict(self) -> dict:
        """``{"step": 2100, "epoch": 0.67}`` with whichever the run records (``{"index": i}`` when neither)."""
        out: dict = {}
        if self.step is not None:
            out["step"] = self.step
        if self.epoch is not None:
            out["epoch"] = self.epoch
        if not out and self.index is not None:
            out["index"] = self.index
        return out

    def where(self) -> Msg:
        """The position in words: "step 2100 (epoch 0.67)", "step 40", "epoch 2", "point 7"."""
        if self.step is not None and self.epoch is not None:
            return Msg("where.step_epoch", {"step": self.step, "epoch": round(self.epoch, 2)})
        if self.step is not None:
            return Msg("where.step", {"step": self.step})
        if self.epoch is not None:
            return Msg("where.epoch", {"epoch": round(self.epoch, 2)})
        return Msg("where.index", {"index": self.index or 0})


@dataclass(frozen=True)
class Facts:
    """Base of the typed measurements a rule attaches to its finding (one subclass per rule, beside the rule)."""


@dataclass(frozen=True)
class Evidence:
    """One value that supports a finding, at a point of the run."""

    series: str
    value: float
    at: Position = field(default_factory=Position)
    note: Union[str, Msg] = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", Position.of(self.at))


@dataclass(frozen=True)
class Finding:
    """A symptom found by a rule: where it starts (``at``), where it ends (``until``), the evidence, and the rule's
    typed measurements (``facts``)."""

    code: str
    rule: str
    symptom: str
    severity: Severity
    message: Msg
    series: str = ""
    series_label: str = ""
    at: Position = field(default_factory=Position)
    until: Optional[Position] = None
    evidence: tuple = ()
    facts: Optional[Facts] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity.of(self.severity))
        if self.symptom not in SYMPTOMS:
            raise ValueError(f"symptom {self.symptom!r}")
        object.__setattr__(self, "at", Position.of(self.at))
        if self.until is not None:
            object.__setattr__(self, "until", Position.of(self.until))
        object.__setattr__(self, "evidence", tuple(self.evidence))
        if not self.series_label:
            object.__setattr__(self, "series_label", self.series)

    @property
    def serious(self) -> bool:
        """A warning or an error: what a verdict and the causes are built on."""
        return self.severity is not Severity.INFO

    def where(self) -> Msg:
        """Where the finding starts, as a message ("step 40 (epoch 0.32)")."""
        return self.at.where()


def worst(severities: Iterable[Union[Severity, str]]) -> Optional[Severity]:
    """The highest of some severities (None when there are none)."""
    best: Optional[Severity] = None
    for s in severities:
        s = Severity.of(s)
        if best is None or s.rank > best.rank:
            best = s
    return best


def by_position(findings: Iterable[Finding]) -> list:
    """Findings ordered by where they start, the more severe first at the same point."""
    return sorted(findings, key=lambda f: (f.at.key, -f.severity.rank))


@dataclass(frozen=True)
class Fix:
    """A change to make: a parameter from one value to another, or an action, with the reason.

    ``param`` is a canonical configuration key (``lr``, ``max_grad_norm``, ``warmup_steps`` ...): the report writes
    it in the run's framework. ``first`` marks the one change to make before any other.
    """

    why: Union[Msg, str]
    param: Optional[str] = None
    from_: Any = None
    to: Any = None
    action: Optional[Union[Msg, str]] = None
    first: bool = False


@dataclass(frozen=True)
class Diagnosis:
    """A ranked cause with its explanation and fixes (most effective first)."""

    cause: str
    confidence: float
    title: Union[Msg, str]
    explanation: Union[Msg, str]
    findings: tuple = ()  # finding codes
    fixes: tuple = ()
    facts: Mapping = field(default_factory=dict)  # machine-readable numbers behind the cause (JSON `facts`)

    def __post_init__(self) -> None:
        if self.cause not in CAUSES:
            raise ValueError(f"cause {self.cause!r}")
        object.__setattr__(self, "findings", tuple(self.findings))
        object.__setattr__(self, "fixes", tuple(self.fixes))


@dataclass(frozen=True)
class Change:
    """One change of a :class:`Prescription`: a parameter set to one value, or an action, with its reasons.

    ``code`` is the change written in the run's framework (``TrainingArguments(max_grad_norm=1.0)``), ``place`` where
    that code goes (``between loss.backward() and optimizer.step()``), ``set_at`` where the config sets the value
    today (``train.sh:4``). ``alternatives`` are other ways to the same end (keep the effective batch instead of
    lowering the lr). ``causes`` are the diagnoses this change treats, the first being the one it was chosen for.
    """

    why: tuple
    param: Optional[str] = None
    from_: Any = None
    to: Any = None
    action: Optional[Union[Msg, str]] = None
    code: str = ""
    place: Optional[Union[Msg, str]] = None
    set_at: str = ""
    causes: tuple = ()
    alternatives: tuple = ()
    first: bool = False

    def __post_init__(self) -> None:
        for name in ("why", "causes", "alternatives"):
            object.__setattr__(self, name, tuple(getattr(self, name)))


@dataclass(frozen=True)
class Prescription:
    """The fixes of all diagnoses as one coherent plan: per parameter one value, fixes the config already satisfies
    left out (``dropped``, with why), in the order to apply them, the first marked."""

    framework: str = "unknown"
    changes: tuple = ()
    dropped: tuple = ()  # (Fix, reason: Msg)

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", tuple(self.changes))
        object.__setattr__(self, "dropped", tuple(self.dropped))

    @property
    def first(self) -> Optional[Change]:
        """The change to make before any other (None when there is nothing to change)."""
        return next((c for c in self.changes if c.first), self.changes[0] if self.changes else None)
