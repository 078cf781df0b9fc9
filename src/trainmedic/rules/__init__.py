"""Rules: Run -> Findings. A registry like a linter's: each rule has a stable code, a name, a symptom, a severity,
a four-part explanation (what it does, why it matters, example, fix) and named thresholds.

A rule is a plain function ``check(run) -> list[Finding]`` registered with :func:`rule`. ``trainmedic rules`` and
``trainmedic explain CODE`` are generated from the registry.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

from ..findings import Finding
from ..run import Run


@dataclass
class Rule:
    code: str
    name: str
    symptom: str
    severity: str
    check: Callable[[Run], list]
    summary: str = ""          # catalog key of a one-line summary
    explanation: str = ""      # catalog key prefix: <key>.what, .why, .example, .fix
    thresholds: dict = field(default_factory=dict)
    # A rule that places other findings in context (e.g. against the lr schedule) runs after the others and is
    # called as ``check(run, findings)``.
    after_findings: bool = False


_RULES: dict[str, Rule] = {}

# Modules that define rules; imported on first use.
RULE_MODULES = (
    "nonfinite", "divergence", "learning", "oscillation", "spikes", "overfitting", "collapse", "evaluation",
    "gradients", "compute", "live", "crash", "schedule", "streamed",
)


def rule(code: str, name: str, *, symptom: str, severity: str, thresholds: dict | None = None,
         after_findings: bool = False):
    """Register ``fn(run) -> list[Finding]`` as rule ``code`` (``fn(run, findings)`` with ``after_findings``)."""

    def deco(fn: Callable[..., list]) -> Callable[..., list]:
        _RULES[code] = Rule(code=code, name=name, symptom=symptom, severity=severity, check=fn,
                            summary=f"rule.{code}.summary", explanation=f"rule.{code}",
                            thresholds=dict(thresholds or {}), after_findings=after_findings)
        return fn

    return deco


_loaded = False


def all_rules() -> list:
    global _loaded
    if not _loaded:
        for mod in RULE_MODULES:
            importlib.import_module(f"{__name__}.{mod}")
        _loaded = True
    return sorted(_RULES.values(), key=lambda r: r.code)


def get_rule(code: str) -> Rule | None:
    all_rules()
    return _RULES.get(code.upper())


def check_all(run: Run) -> list:
    """Run every rule over the run; findings ordered by where they start."""
    from .curves import reuse_derived

    out: list[Finding] = []
    with reuse_derived():  # each series is sorted and smoothed once for all rules
        for r in all_rules():
            if not r.after_findings:
                out.extend(r.check(run))
        first = list(out)
        for r in all_rules():
            if r.after_findings:
                out.extend(r.check(run, first))
    return out
