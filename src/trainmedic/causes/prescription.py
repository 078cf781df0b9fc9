"""One coherent prescription from the fixes of every diagnosis: what to change, in which order, the first marked.

Diagnoses each propose their own fixes, and several causes of one failure touch the same knobs: a batch change and a
learning rate too high both lower the lr (to different values), a warmup peak asks to lengthen a warmup that the
batch rescaling shortens, two causes add the same clipping. The prescription keeps, per parameter, the value of the
most likely cause with every reason that supports it, folds actions into the change they are about, leaves out what
the configuration already does, and writes each change in the run's framework (:mod:`.framework`).

Pure: diagnoses + the run's config -> :class:`~trainmedic.findings.Prescription`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from ..findings import Change, Diagnosis, Fix, Prescription
from ..i18n import Msg
from ..run import Run
from .context import num
from .framework import framework_of, render_fix

# A warmup over at least this share of the run is already long: "add or lengthen warmup (5-10%)" does not apply.
WARMUP_ENOUGH = 0.05


@dataclass(frozen=True)
class Topic:
    """What an action is about: the parameter (or concern) it changes, and how it relates to a change of it."""

    name: str
    same: bool = False  # another wording of the parameter's own change (the clip call of a hand-written loop)
    alternative: bool = False  # another way to the same end ("or keep the effective batch")
    lengthens_warmup: bool = False


# Actions by full message key. An action not listed is its own topic: identical actions are merged, others kept.
ACTIONS = {
    "cause.fix.clip_call.action": Topic("max_grad_norm", same=True),
    "cause.fix.warmup.action": Topic("warmup", lengthens_warmup=True),
    "cause.fix.lower_peak.action": Topic("lr"),
    "cause.fix.lr_by_batch.action": Topic("lr"),
    "cause.fix.keep_batch.action": Topic("lr", alternative=True),
    "compare.fix.keep_batch.action": Topic("lr", alternative=True),
    "cause.fix.lr_range_test.action": Topic("lr", alternative=True),
    "cause.fix.plateau_scheduler.action": Topic("lr", alternative=True),
    "cause.fix.skip_nonfinite.action": Topic("skip_nonfinite"),
    "cause.fix.agreed_skip.action": Topic("skip_nonfinite"),
}
# Parameters that are one knob under two names.
PARAM_TOPIC = {"warmup_steps": "warmup", "warmup_ratio": "warmup", "num_labels": "num_classes"}


@dataclass
class _Entry:
    topic: str
    fix: Fix
    causes: list
    why: list
    alternatives: list = field(default_factory=list)


def _key(m: Any) -> str:
    return m.key if isinstance(m, Msg) else str(m)


def _same_text(a: Any, b: Any) -> bool:
    if isinstance(a, Msg) and isinstance(b, Msg):
        return a.render("en") == b.render("en")
    return str(a) == str(b)


def topic_of(fx: Fix) -> Topic:
    """The topic of a fix: its parameter, or the entry of :data:`ACTIONS`, or the action itself."""
    if fx.param:
        return Topic(PARAM_TOPIC.get(fx.param, fx.param))
    return ACTIONS.get(_key(fx.action), Topic("action:" + _key(fx.action)))


def warmup_share(run: Run) -> Optional[float]:
    """The share of the run spent warming up: ``warmup_ratio``, or ``warmup_steps`` over the run's length."""
    ratio = num(run.config.get("warmup_ratio"))
    if ratio:
        return ratio
    warm = num(run.config.get("warmup_steps"))
    if not warm:
        return None
    total = num(run.config.get("max_steps"))
    if not total:
        ends = [float(s.step[s.step == s.step].max()) for s in run.series.values() if s.has_step]
        total = max(ends) if ends else None
    return warm / total if total else None


def satisfied(fx: Fix, run: Run) -> Optional[Msg]:
    """Why the config already does what ``fx`` asks (None when it does not)."""
    if fx.param:
        current = run.config.get(fx.param)
        if _equal(fx.from_, fx.to) or (current is not None and _equal(current, fx.to)):
            return Msg("prescription.dropped.already", {"param": fx.param, "value": fx.to})
        mgn = num(current) if fx.param == "max_grad_norm" else None
        if mgn is not None and 0 < mgn <= (num(fx.to) or 0):
            return Msg("prescription.dropped.clipped", {"value": mgn})
        return None
    if topic_of(fx).lengthens_warmup:
        share = warmup_share(run)
        if share is not None and share >= WARMUP_ENOUGH:
            return Msg("prescription.dropped.warmup_long", {"pct": round(100 * share)})
    return None


def _equal(a: Any, b: Any) -> bool:
    x, y = num(a), num(b)
    if x is not None and y is not None:
        return math.isclose(x, y, rel_tol=1e-9)
    return a is not None and str(a).lower() == str(b).lower()


def prescribe(run: Run, diagnoses: list) -> Prescription:
    """The fixes of ``diagnoses`` (ranked, most likely first) as one prescription for ``run``."""
    entries: list = []
    by_topic: dict = {}
    dropped: list = []
    for d in diagnoses:
        for fx in d.fixes:
            _add(fx, d, run, entries, by_topic, dropped)
    framework = framework_of(run)
    config = run.config.as_dict()
    changes = [_change(e, run, framework, config, first=(i == 0)) for i, e in enumerate(entries)]
    return Prescription(framework=framework, changes=changes, dropped=dropped)


def _add(fx: Fix, d: Diagnosis, run: Run, entries: list, by_topic: dict, dropped: list) -> None:
    reason = satisfied(fx, run)
    if reason is not None:
        dropped.append((fx, reason))
        return
    topic = topic_of(fx)
    host: Optional[_Entry] = by_topic.get(topic.name)
    if host is None:
        entry = _Entry(topic.name, fx, [d.cause], [fx.why])
        entries.append(entry)
        by_topic[topic.name] = entry
        return
    _cause(host, d.cause)
    if topic.alternative:
        if not any(_same_text(a.action, fx.action) for a in host.alternatives):
            host.alternatives.append(fx)
        return
    if fx.param and host.fix.param:
        if _equal(fx.to, host.fix.to):
            _why(host, fx.why)
        else:
            dropped.append((fx, Msg("prescription.dropped.other_value", {"param": fx.param, "value": host.fix.to})))
        return
    if fx.param and not host.fix.param:
        # A concrete value replaces the general advice about the same knob: an alternative stays one, other advice
        # stays as a reason.
        if topic_of(host.fix).alternative:
            host.alternatives.insert(0, host.fix)
            host.why = [fx.why]
        else:
            host.why.insert(0, fx.why)
        host.fix = fx
        return
    if host.fix.param and not fx.param:
        shortens = (num(host.fix.to) or 0) < (num(host.fix.from_) or 0)
        if topic.lengthens_warmup and shortens:
            dropped.append((fx, Msg("prescription.dropped.conflict", {"param": host.fix.param})))
            return
        _why(host, fx.why)  # the action is about this parameter: its reason supports the change
        return
    if _same_text(fx.action, host.fix.action):
        _why(host, fx.why)
        return
    # Two different actions on one topic (skip on one process / skip agreed by all): both say something.
    entry = _Entry(topic.name + ":" + _key(fx.action), fx, [d.cause], [fx.why])
    entries.append(entry)
    by_topic[entry.topic] = entry


def _cause(entry: _Entry, cause: str) -> None:
    if cause not in entry.causes:
        entry.causes.append(cause)


def _why(entry: _Entry, why: Any) -> None:
    if not any(_same_text(why, w) for w in entry.why):
        entry.why.append(why)


def _change(e: _Entry, run: Run, framework: str, config: dict, first: bool) -> Change:
    fx = e.fix
    code = render_fix(fx, framework, config) if fx.param else None
    entry = run.config.entry(fx.param) if fx.param else None
    set_at = entry.cite() if entry is not None and not entry.derived_from else ""
    alternatives = tuple(Change(why=(a.why,), action=a.action, causes=tuple(e.causes[:1])) for a in e.alternatives)
    change = Change(
        why=tuple(e.why),
        param=fx.param,
        from_=fx.from_,
        to=fx.to,
        action=fx.action,
        code=code.code if code else "",
        place=code.where if code else None,
        set_at=set_at if set_at != "unknown" else "",
        causes=tuple(e.causes),
        alternatives=alternatives,
    )
    return replace(change, first=True) if first else change
