"""What a guarded step ends in: a :class:`StepResult`, or :class:`StopTraining` when the guard ends the run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .guard import STEP


class StopTraining(Exception):
    """Raised by :meth:`Monitor.step` under the ``stop`` policy (or when skipping/rolling back cannot help):
    the run ends here, with the diagnosis in :attr:`report`."""

    def __init__(self, report, step: int, reason: str) -> None:
        self.report, self.step, self.reason = report, step, reason
        super().__init__(f"trainmedic stopped the run at step {step}: {reason}")


@dataclass
class StepResult:
    """What happened to one step: ``action`` is ``step`` (applied), ``skip``, ``rollback`` or ``stop``. ``loss`` is
    None when it could not be measured."""

    step: int
    action: str
    loss: Optional[float]
    grad_norm: float
    nonfinite: bool = False
    spike: bool = False
    provenance: Optional[dict] = None
    layers: dict = field(default_factory=dict)
    bad_data: Optional[bool] = None
    alarms: list = field(default_factory=list)

    @property
    def applied(self) -> bool:
        """True when the optimizer step was applied (call your lr scheduler only then)."""
        return self.action == STEP
