"""Label causes: the run crashed because a label lies outside the model's classes.

``cross_entropy`` raises ``IndexError: Target 4 is out of bounds.`` on the CPU, and on a GPU its kernel asserts
``t >= 0 && t < n_classes`` (then ``device-side assert triggered``). Either says that a label is negative or at least
the number of outputs of the head: a label map larger than ``num_labels``, a 1-based label column, or a padding or
ignore value (``-1``) the loss was not told to ignore. The text names the cause; the config says by how much.
"""

from __future__ import annotations

import re
from typing import Optional

from ..findings import Diagnosis, Fix, Position
from ..i18n import Msg
from . import provider
from .context import Context, num

# The exception names the mechanism outright: only the data (or the head's size) can be wrong.
BAD_LABELS_CONFIDENCE = 0.9
# `Target 4 is out of bounds.` (CPU), the CUDA kernel's assertion, and `label 7 is out of range` written by hand.
TARGET_OUT_OF_BOUNDS = re.compile(r"\bTarget (?P<target>-?\d+) is out of bounds")
CLASS_ASSERT = re.compile(r"t >= 0 && t < n_classes|t < n_classes")
LABEL_OUT_OF_RANGE = re.compile(
    r"\blabels?\b.*\bout of (?:range|bounds)\b|\bout of (?:range|bounds)\b.*\blabels?\b", re.IGNORECASE
)
LABEL_VALUE = re.compile(r"\blabels?\s*[:=]?\s*(?P<target>-?\d+)", re.IGNORECASE)


@provider("labels")
def candidates(ctx: Context) -> list:
    """A crash explained by a label outside the model's classes (with the offending label when the text names it)."""
    d = _bad_labels(ctx)
    return [d] if d is not None else []


def label_error(ctx: Context) -> Optional[tuple]:
    """(error event, offending label or None) for the first crash a label outside the classes explains."""
    for e in ctx.run.events_of("error"):
        text = e.message
        m = TARGET_OUT_OF_BOUNDS.search(text)
        if m:
            return e, int(m.group("target"))
        if CLASS_ASSERT.search(str(e.data.get("assertion", ""))) or CLASS_ASSERT.search(text):
            return e, None
        if LABEL_OUT_OF_RANGE.search(text):
            v = LABEL_VALUE.search(text)
            return e, int(v.group("target")) if v else None
    return None


def _bad_labels(ctx: Context) -> Optional[Diagnosis]:
    hit = label_error(ctx)
    if hit is None:
        return None
    e, target = hit
    k = num(ctx.get("num_classes"))
    k = int(k) if k is not None else None
    where = Position.of(e.at())
    params = {
        "line": e.message,
        "source": e.source,
        "target": "?" if target is None else target,
        "k": k,
        "last": None if k is None else k - 1,
        "cite": ctx.cite("num_classes"),
        "where": where.where(),
    }
    known = target is not None and k is not None
    key = "cause.bad_labels.explanation_known" if known else "cause.bad_labels.explanation"
    fixes = [
        Fix(
            action=Msg(
                "cause.fix.labels_in_range.action_known" if known else "cause.fix.labels_in_range.action", params
            ),
            why=Msg("cause.fix.labels_in_range.why", params),
        )
    ]
    if known and target >= k:
        fixes.append(
            Fix(
                param="num_labels",
                from_=k,
                to=target + 1,
                why=Msg("cause.fix.num_labels.why", {**params, "to": target + 1}),
            )
        )
    fixes.append(Fix(action=Msg("cause.fix.remap_labels.action", params), why=Msg("cause.fix.remap_labels.why")))
    return Diagnosis(
        cause="bad_labels",
        confidence=BAD_LABELS_CONFIDENCE,
        title=Msg("cause.bad_labels.title", params),
        explanation=Msg(key, params),
        findings=ctx.codes("crash"),
        fixes=fixes,
        facts={"target": target, "num_classes": k, "error": e.message},
    )
