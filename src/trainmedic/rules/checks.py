"""Checks: findings that do not come from a Run but from `trainmedic preflight`, `checkpoints` or `compare`.

They share the finding format (code, name, symptom, severity) with the run rules, so ``trainmedic rules`` lists them
and ``trainmedic explain CODE`` explains them from the catalog keys ``check.<CODE>.summary|what|why|fix``. The codes,
names, symptoms and severities here are the ones the emitting modules use; ``tests/rules/test_checks_docs.py`` scans
those modules so that a new check without an entry here fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..registry import Registry


@dataclass(frozen=True)
class Check:
    """One check: its stable code and name, the symptom and severity of its finding, and the command that runs it."""

    code: str
    name: str
    symptom: str
    severity: str
    command: str  # preflight | checkpoints | compare

    @property
    def summary(self) -> str:
        """Catalog key of the one-line summary."""
        return f"check.{self.code}.summary"

    @property
    def explanation(self) -> str:
        """Catalog key prefix of the explanation: <key>.what, .why, .fix."""
        return f"check.{self.code}"


_CHECKS = (
    # preflight/__init__.py, params.py, data.py, gradients.py, structure.py, overfit.py
    Check("TM1000", "forward-failed", "nonfinite", "error", "preflight"),
    Check("TM1001", "tiny-trainable-ratio", "stuck_at_chance", "warning", "preflight"),
    Check("TM1002", "optimizer-misses-params", "stuck_at_chance", "error", "preflight"),
    Check("TM1003", "frozen-params-in-optimizer", "wasted_compute", "info", "preflight"),
    Check("TM1004", "nonfinite-loss-at-init", "nonfinite", "error", "preflight"),
    Check("TM1005", "no-gradient", "vanishing_gradient", "error", "preflight"),
    Check("TM1006", "zero-gradient", "vanishing_gradient", "warning", "preflight"),
    Check("TM1007", "update-ratio-high", "divergence", "warning", "preflight"),
    Check("TM1008", "update-ratio-low", "plateau", "warning", "preflight"),
    Check("TM1009", "init-loss-vs-chance", "divergence", "info", "preflight"),
    Check("TM1010", "nonfinite-inputs", "nonfinite", "error", "preflight"),
    Check("TM1011", "labels-out-of-range", "nonfinite", "error", "preflight"),
    Check("TM1012", "one-class-batch", "degenerate_eval", "warning", "preflight"),
    Check("TM1013", "one-class-eval-set", "degenerate_eval", "error", "preflight"),
    Check("TM1020", "recurrent-long-sequence-low-precision", "nonfinite", "warning", "preflight"),
    Check("TM1021", "recurrent-without-clipping", "gradient_explosion", "warning", "preflight"),
    Check("TM1022", "batchnorm-small-batch", "oscillation", "warning", "preflight"),
    Check("TM1023", "softmax-into-cross-entropy", "stuck_at_chance", "error", "preflight"),
    Check("TM1024", "sigmoid-with-bceloss", "nonfinite", "warning", "preflight"),
    Check("TM1030", "cannot-overfit-one-batch", "stuck_at_chance", "error", "preflight"),
    # checkpoints/build.py (REASONS); TM1103 takes the failed run's symptom when one is known
    Check("TM1101", "checkpoint-nonfinite-weights", "nonfinite", "error", "checkpoints"),
    Check("TM1102", "checkpoint-norm-jump", "spike", "error", "checkpoints"),
    Check("TM1103", "checkpoint-after-failure", "divergence", "error", "checkpoints"),
    Check("TM1104", "checkpoint-nonfinite-optimizer-state", "nonfinite", "error", "checkpoints"),
    # compare/__init__.py; TM1201 is metric_collapse when the parting series is a score, not a loss
    Check("TM1201", "curves-part", "divergence", "warning", "compare"),
    Check("TM1202", "batch-lr-mismatch", "divergence", "warning", "compare"),
)

# Checks register the way rules do (plugins add theirs with :func:`register_check`).
REGISTRY: Registry = Registry("check", __name__, (), key=lambda c: c.code)
for _c in _CHECKS:
    REGISTRY.add(_c)


def register_check(check: Check) -> Check:
    """Register a check so that `trainmedic rules` lists it and `trainmedic explain` explains it."""
    return REGISTRY.add(check)


def all_checks() -> list:
    """Every check, ordered by code."""
    return sorted(REGISTRY.items(), key=lambda c: c.code)


def get_check(code: str) -> Optional[Check]:
    """The check with this code (any case), or None."""
    return REGISTRY.get(code.strip().upper())
