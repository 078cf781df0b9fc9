"""Rules: Run -> Findings, a registry like a linter's.

A rule is one unit: a pure function ``check(run, params) -> list[Finding]`` registered with :func:`rule`, whose
docstring is its English documentation (a one-line summary, then the sections ``What it does:``, ``Why it
matters:``, ``Example:`` and ``Fix:``), whose thresholds are a frozen :class:`Params` dataclass that the docs
interpolate (``{loss_tol}``) and users override (see :mod:`trainmedic.settings`), and whose messages are keyed by its
code in both catalogs. ``trainmedic rules``, ``trainmedic explain`` and the docs' rule table are generated from here.

A team adds its own rule from its own package (see :mod:`trainmedic.registry`)::

    from dataclasses import dataclass
    from trainmedic.rules import Params, param, rule

    @dataclass(frozen=True)
    class LossCeiling(Params):
        ceiling: float = param(10.0, "losses of our models never exceed this")

    @rule("XY100", "loss-ceiling", symptom="divergence", severity="error", params=LossCeiling)
    def loss_ceiling(run, p):
        '''Train loss above {ceiling}.
        ...'''
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

from ..errors import InputError
from ..findings import SYMPTOMS, Finding, Severity, by_position
from ..registry import Registry
from ..settings import DEFAULT, Settings

if TYPE_CHECKING:  # a name for the annotations: importing the data model (and numpy) is left to the rules
    from ..run import Run

# Modules that define the built-in rules; imported on first use.
RULE_MODULES = (
    "nonfinite",
    "saturation",
    "divergence",
    "drift",
    "learning",
    "prior",
    "majority",
    "plateau",
    "oscillation",
    "swings",
    "spikes",
    "overfitting",
    "collapse",
    "evaluation",
    "eval_gap",
    "gradients",
    "compute",
    "live",
    "crash",
    "schedule",
    "streamed",
    "transfer",
)
DOC_SECTIONS = ("what", "why", "example", "fix")
_HEADINGS = {"what it does": "what", "why it matters": "why", "example": "example", "fix": "fix"}
_CODE = re.compile(r"^[A-Z]{1,4}\d{2,5}$")


def param(default: Any, why: str) -> Any:
    """A threshold field with the reason for its value (shown by ``trainmedic explain``)."""
    return dataclasses.field(default=default, metadata={"why": why})


@dataclass(frozen=True)
class Params:
    """The thresholds of one rule: a frozen dataclass whose fields users override by name."""

    def overridden(self, overrides: Mapping, where: str = "settings") -> Params:
        """A copy with ``overrides`` applied; unknown names and values of the wrong type are InputErrors."""
        if not overrides:
            return self
        fields = {f.name: f for f in dataclasses.fields(self)}
        changes = {}
        for key, value in overrides.items():
            if key not in fields:
                known = ", ".join(fields) or "none"
                raise InputError(where, f"unknown threshold {key!r} for {type(self).__name__} (known: {known})")
            default = getattr(self, key)
            changes[key] = _coerce(value, default, f"{where}: {key}")
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        """Threshold name -> value."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def reasons(self) -> dict:
        """Threshold name -> the reason for its value."""
        return {f.name: f.metadata.get("why", "") for f in dataclasses.fields(self)}


def _coerce(value: Any, default: Any, where: str) -> Any:
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif isinstance(default, (tuple, list)):
        if isinstance(value, (tuple, list)):
            return tuple(value)
    elif isinstance(default, str):
        if isinstance(value, str):
            return value
    raise InputError(where, f"expects a value like {default!r}, got {value!r}")


@dataclass(frozen=True)
class RuleDoc:
    """A rule's English documentation, parsed from its docstring (placeholders not yet filled)."""

    summary: str
    what: str = ""
    why: str = ""
    example: str = ""
    fix: str = ""

    @classmethod
    def parse(cls, doc: Optional[str]) -> RuleDoc:
        """The documentation parts of a rule's docstring: the summary line, then its headed sections."""
        lines = (doc or "").strip().splitlines()
        if not lines:
            return cls(summary="")
        summary, parts, current = lines[0].strip(), {}, None
        buf: list = []
        for line in lines[1:]:
            head = line.strip().rstrip(":").lower()
            if line.strip().endswith(":") and head in _HEADINGS:
                if current:
                    parts[current] = " ".join(buf).strip()
                current, buf = _HEADINGS[head], []
            elif current:
                buf.append(line.strip())
        if current:
            parts[current] = " ".join(buf).strip()
        return cls(summary=summary, **parts)


@dataclass(frozen=True)
class Rule:
    """A registered rule. ``check(run, params)`` (``check(run, params, findings)`` with ``after_findings``)."""

    code: str
    name: str
    symptom: str
    severity: Severity
    check: Callable[..., list]
    params: Params
    doc: RuleDoc
    # A rule that places other findings in context (e.g. against the lr schedule) runs after the others.
    after_findings: bool = False

    def params_for(self, settings: Settings) -> Params:
        """This rule's thresholds with the settings' overrides applied."""
        return self.params.overridden(settings.overrides_for(self.code, self.name), settings.source or "settings")

    def __call__(self, run: Run, params: Optional[Params] = None, findings: Optional[list] = None) -> list:
        """Run the rule over ``run`` (with its default thresholds unless ``params`` are given)."""
        p = params if params is not None else self.params
        return list(self.check(run, p, findings or [])) if self.after_findings else list(self.check(run, p))


REGISTRY: Registry = Registry("rule", __name__, RULE_MODULES, key=lambda r: r.code)


def rule(
    code: str, name: str, *, symptom: str, severity: str | Severity, params: type = Params, after_findings: bool = False
) -> Callable:
    """Register ``fn(run, params) -> list[Finding]`` as rule ``code`` (``fn(run, params, findings)`` with
    ``after_findings``). The function's docstring is the rule's documentation."""
    if not _CODE.match(code):
        raise ValueError(f"rule code {code!r}: letters then digits, e.g. TM301 or XY100")
    if symptom not in SYMPTOMS:
        raise ValueError(f"rule {code}: symptom {symptom!r} is not one of {', '.join(SYMPTOMS)}")

    def deco(fn: Callable[..., list]) -> Callable[..., list]:
        REGISTRY.add(
            Rule(
                code=code,
                name=name,
                symptom=symptom,
                severity=Severity.of(severity),
                check=fn,
                params=params(),
                doc=RuleDoc.parse(fn.__doc__),
                after_findings=after_findings,
            )
        )
        return fn

    return deco


def all_rules() -> list:
    """Every registered rule (built-in and plugins), ordered by code."""
    return sorted(REGISTRY.items(), key=lambda r: r.code)


def get_rule(code: str) -> Optional[Rule]:
    """The rule with this code (any case) or name, or None."""
    key = code.strip()
    found = REGISTRY.get(key.upper())
    if found is None:
        found = next((r for r in REGISTRY.items() if r.name == key.lower()), None)
    return found


def check_all(run: Run, settings: Settings = DEFAULT) -> list:
    """Run every enabled rule over the run, with the settings' thresholds; findings ordered by where they start."""
    from .curves import reuse_derived

    rules = [r for r in all_rules() if settings.enabled(r.code)]
    out: list[Finding] = []
    with reuse_derived():  # each series is sorted and smoothed once for all rules
        for r in rules:
            if not r.after_findings:
                out.extend(r(run, r.params_for(settings)))
        first = list(out)
        for r in rules:
            if r.after_findings:
                out.extend(r(run, r.params_for(settings), first))
    return by_position(out)


def validate(settings: Settings) -> None:
    """Raise InputError for settings that name no rule or an unknown threshold (before any file is read)."""
    for key in settings.thresholds:
        r = get_rule(key)
        if r is None:
            raise InputError(settings.source or "settings", f"no rule {key!r} (see `trainmedic rules`)")
        r.params_for(settings)
    for code in (*settings.select, *settings.ignore):
        if not any(r.code.startswith(code) for r in all_rules()):
            raise InputError(settings.source or "--select/--ignore", f"no rule code starts with {code!r}")
