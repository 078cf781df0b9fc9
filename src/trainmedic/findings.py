"""What the rules and causes produce: findings (symptoms with evidence) and diagnoses (causes with fixes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from .i18n import Msg

SEVERITIES = ("info", "warning", "error")
SYMPTOMS = (
    "nonfinite", "divergence", "stuck_at_chance", "plateau", "oscillation", "spike", "overfitting",
    "metric_collapse", "degenerate_eval", "gradient_explosion", "vanishing_gradient", "wasted_compute",
    "crash",
)
CAUSES = (
    "lr_too_high", "lr_too_low", "batch_lr_mismatch", "warmup_peak_instability", "no_grad_clipping",
    "mixed_precision_overflow", "recurrent_long_sequence", "frozen_backbone", "optimizer_misses_params",
    "bad_input_data", "bad_labels", "degenerate_eval_set", "overfitting_capacity", "small_batch_noise",
    "batchnorm_small_batch", "loss_output_mismatch", "dead_units", "vanishing_gradients", "unknown",
)


@dataclass
class Evidence:
    """One value that supports a finding, at a point of the run."""

    series: str
    value: float
    step: Optional[float] = None
    epoch: Optional[float] = None
    note: str | Msg = ""


@dataclass
class Finding:
    """A symptom found by a rule: where it starts (``at``), where it ends (``until``), and the evidence."""

    code: str
    rule: str
    symptom: str
    severity: str
    message: Msg
    series: str = ""
    series_label: str = ""
    at: dict = field(default_factory=dict)
    until: Optional[dict] = None
    evidence: list = field(default_factory=list)
    data: dict = field(default_factory=dict)  # machine-readable facts for the causes layer

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r}")
        if self.symptom not in SYMPTOMS:
            raise ValueError(f"symptom {self.symptom!r}")

    @property
    def step(self) -> Optional[float]:
        return self.at.get("step")

    @property
    def epoch(self) -> Optional[float]:
        return self.at.get("epoch")


@dataclass
class Fix:
    """A change to make: a parameter from one value to another, or an action, with the reason."""

    why: Msg | str
    param: Optional[str] = None
    from_: Any = None
    to: Any = None
    action: Optional[Msg | str] = None


@dataclass
class Diagnosis:
    """A ranked cause with its explanation and fixes (most effective first)."""

    cause: str
    confidence: float
    title: Msg | str
    explanation: Msg | str
    findings: list = field(default_factory=list)  # finding codes
    fixes: list = field(default_factory=list)
    data: dict = field(default_factory=dict)
