"""The live guard hands quiet steps to its detectors in bulk: every alarm and observation must come at the step it
comes at when each step is judged on its own, and a resumed guard must go on the same way."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from trainmedic.live import quiet
from trainmedic.live.signals import Signals


def steps(rng: np.random.Generator, n: int) -> list:
    """(loss or None, grad norm, no gradients, stale ratio, passed norm, measured norm) of ``n`` steps of a run with
    spikes, bursts, explosions, climbs, detached stretches, NaNs and gradients left unzeroed."""
    loss = 2.0 * np.exp(-np.arange(n) / rng.uniform(50, 500)) + 0.2 + rng.uniform(0.0, 0.2) * rng.random(n)
    norm = np.exp(rng.normal(0.0, rng.uniform(0.05, 0.8), n))
    for _ in range(rng.integers(0, 6)):
        at = rng.integers(0, n)
        loss[at : at + rng.integers(1, 3)] *= rng.choice([4.0, 12.0, 50.0])
    for _ in range(rng.integers(0, 6)):
        at = rng.integers(0, n)
        norm[at : at + rng.integers(1, 8)] *= rng.choice([12.0, 30.0, 600.0])
    if rng.random() < 0.3:  # gradients never zeroed: a steady climb
        at = rng.integers(0, n)
        norm[at:] = norm[at] * np.linspace(1.0, rng.uniform(5, 60), n - at)
    for _ in range(rng.integers(0, 3)):
        at = rng.integers(0, n)
        norm[at : at + rng.integers(1, 9)] = 0.0  # a detached loss
    for _ in range(rng.integers(0, 3)):
        at = rng.integers(0, n)
        (loss if rng.random() < 0.5 else norm)[at] = rng.choice([np.nan, np.inf])
    missing = rng.random(n) < (0.2 if rng.random() < 0.3 else 0.0)
    stale = np.where(rng.random(n) < 0.05, 2.5, 1.0)
    passed = rng.random() < 0.3
    out = []
    for i in range(n):
        post = norm[i] * (0.5 if passed and rng.random() < 0.5 else 1.0)
        out.append(
            (
                None if missing[i] else float(loss[i]),
                float(norm[i]),
                bool(norm[i] == 0.0 and rng.random() < 0.5),
                None if rng.random() < 0.1 else float(stale[i]),
                float(norm[i]) if passed else None,
                float(post) if passed else None,
            )
        )
    return out


def said(observations: list) -> str:
    return json.dumps([o.to_record() for o in observations], sort_keys=True)


def one_by_one() -> Signals:
    """The reference: every step judged on its own."""
    s = Signals()
    s.quiet.accept = lambda *args: False
    return s


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 700), rows=st.sampled_from([1, 3, 50, 1024]))
def test_quiet_steps_change_no_alarm_and_no_step(seed, n, rows):
    rng = np.random.default_rng(seed)
    run = steps(rng, n)
    resume_at = int(rng.integers(0, n + 1))
    saved, quiet.QUIET_ROWS = quiet.QUIET_ROWS, rows
    try:
        bulk, reference = Signals(), one_by_one()
        for i, values in enumerate(run):
            if i == resume_at:  # the run is resumed from the guard's saved state
                state = json.loads(json.dumps(bulk.state_dict()))
                bulk = Signals()
                bulk.load_state_dict(state)
            got, want = bulk.update(i + 1, *values), reference.update(i + 1, *values)
            assert said(got) == said(want), i + 1
        assert json.dumps(bulk.state_dict(), sort_keys=True) == json.dumps(reference.state_dict(), sort_keys=True)
        assert said([bulk.gradient_flow(n)]) == said([reference.gradient_flow(n)])
    finally:
        quiet.QUIET_ROWS = saved


def test_a_healthy_run_is_judged_in_bulk_and_an_explosion_still_at_its_step():
    rng = np.random.default_rng(0)
    n = 5000
    loss = 2.0 * np.exp(-np.arange(n) / 1000) + 0.3 + 0.01 * rng.standard_normal(n)
    norm = np.exp(0.2 * rng.standard_normal(n))
    norm[4000:] *= 40.0  # from step 4001 on, an explosion that stays up while the loss does not fall
    bulk, reference = Signals(), one_by_one()
    quiet_steps, alarms = 0, []
    for i in range(n):
        args = (i + 1, float(loss[i]), float(norm[i]), False, 1.0)
        waiting = len(bulk.quiet.rows)
        got, want = bulk.update(*args), reference.update(*args)
        quiet_steps += len(bulk.quiet.rows) > waiting
        assert said(got) == said(want)
        alarms += [(o.code, o.step, o.at) for o in got if o.kind == "alarm"]
    assert quiet_steps > 0.9 * n  # not vacuous: nearly every step went the bulk way
    assert ("TM801", 4004, 4001.0) in alarms  # said three steps after the jump, as step by step
