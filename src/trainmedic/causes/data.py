"""Data causes: one bad batch. A NaN that appears out of a loss that was falling smoothly (no rise, no gradient
explosion, no half precision to overflow) or a single spike that recovers at the next point says more about the
examples of that batch (NaN/inf features, corrupted labels) than about the optimizer, which would have shown the
trouble coming.
"""

from __future__ import annotations

from typing import Optional

from ..findings import Diagnosis, Fix
from ..i18n import Msg
from ..rules.spikes import SpikeFacts
from . import provider
from .context import Context, position

# A NaN out of a calm run: a suspect, raised when the loss is finite again right after (the batch, not the weights).
SUDDEN_NAN_BASE = 0.5
NAN_RECOVERS_BONUS = 0.15
# At most this many recovered spikes are isolated batches; more are a pattern (step size, curvature).
ISOLATED_SPIKES = 2
ISOLATED_SPIKE_BASE = 0.55


@provider("data")
def candidates(ctx: Context) -> list:
    """One bad batch: a NaN out of a smoothly falling loss, or spikes that recover at the next point."""
    return [d for d in (_sudden_nan(ctx), _isolated_spikes(ctx)) if d is not None]


def _sudden_nan(ctx: Context) -> Optional[Diagnosis]:
    f = ctx.first("nonfinite")
    if f is None or ctx.rise_before_nan() or ctx.mixed or ctx.bad_data:
        return None  # (what the live guard saw in the batch is stated by causes.live)
    early = [
        g
        for g in ctx.by_symptom.get("gradient_explosion", []) + ctx.by_symptom.get("divergence", [])
        if position(g) < position(f)
    ]
    if early:
        return None  # the run showed the instability coming: a step-size cause, not the data
    s = ctx.run.get(f.series)
    recovers = False
    if s is not None:
        s = s.sorted()
        idx = [i for i in range(len(s)) if s.at(i) == f.at.as_dict()]
        recovers = bool(idx) and idx[0] + 1 < len(s) and bool(s.values[idx[0] + 1] == s.values[idx[0] + 1])
    params = {"series": f.series_label or f.series, "where": f.where()}
    fixes = [
        Fix(action=Msg("cause.fix.check_batch_finite.action"), why=Msg("cause.fix.check_batch_finite.why")),
        Fix(action=Msg("cause.fix.skip_nonfinite.action"), why=Msg("cause.fix.skip_nonfinite.why")),
    ]
    return Diagnosis(
        cause="bad_input_data",
        confidence=SUDDEN_NAN_BASE + (NAN_RECOVERS_BONUS if recovers else 0.0),
        title=Msg("cause.bad_input_data.title", params),
        explanation=Msg("cause.bad_input_data.sudden_nan", params),
        findings=ctx.codes("nonfinite"),
        fixes=fixes,
        facts={"recovers": recovers},
    )


def _isolated_spikes(ctx: Context) -> Optional[Diagnosis]:
    spikes = [
        f
        for f in ctx.by_symptom.get("spike", [])
        if isinstance(f.facts, SpikeFacts) and 0 < len(f.facts.spikes) <= ISOLATED_SPIKES
    ]
    if not spikes or ctx.has("nonfinite", "divergence", "oscillation"):
        return None
    f = spikes[0]
    params = {"series": f.series_label or f.series, "where": f.where(), "ratio": round(f.facts.worst_ratio, 1)}
    fixes = [Fix(action=Msg("cause.fix.find_batch.action", params), why=Msg("cause.fix.find_batch.why"))]
    return Diagnosis(
        cause="bad_input_data",
        confidence=ISOLATED_SPIKE_BASE,
        title=Msg("cause.bad_input_data.title", params),
        explanation=Msg("cause.bad_input_data.spike", params),
        findings=ctx.codes("spike"),
        fixes=fixes,
    )
