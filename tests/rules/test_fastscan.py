"""Long series go through the streaming detectors in bulk (a vectorised prefilter, exact updates only around the
points that matter): every answer must be the one of feeding every point, on random series with spikes, NaNs,
zeros, plateaus, drifts and climbs, with the default thresholds and with overridden ones."""

from __future__ import annotations

import contextlib
import dataclasses
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from trainmedic.rules import fastscan
from trainmedic.rules.streaming import (
    FrozenMetric,
    GradientExplosion,
    GradientGrowth,
    GradientSpike,
    NonFinite,
    Spike,
    ZeroGradient,
)

DETECTORS = (Spike, GradientSpike, GradientExplosion, GradientGrowth, ZeroGradient, NonFinite, FrozenMetric)
# Thresholds a rule's parameters may override, by detector: values around the defaults and far from them.
OVERRIDES = {
    Spike: {"spike_ratio": [1.5, 3.0, 8.0], "local_window": [3, 10, 25], "recover_points": [1, 5, 9]},
    GradientSpike: {"spike_ratio": [2.0, 10.0], "spike_z": [1.0, 6.0], "local_window": [5, 10]},
    GradientExplosion: {"explode_ratio": [2.0, 10.0], "baseline_window": [5, 50], "sustain_points": [1, 3, 6]},
    GradientGrowth: {"growth_ratio": [3.0, 20.0], "min_points": [2, 10], "rise_share": [0.3, 0.7]},
    ZeroGradient: {"min_points": [1, 5, 12]},
    NonFinite: {},
    FrozenMetric: {"constant_points": [2, 4, 7], "chance_margin": [0.0, 0.05]},
}


def series(rng: np.random.Generator, n: int) -> np.ndarray:
    """A logged series with whatever a real run throws at a detector."""
    kind = rng.integers(0, 6)
    v = np.exp(rng.normal(0.0, rng.uniform(0.01, 1.2), n))
    if kind == 1:
        v *= np.linspace(rng.uniform(1, 5), rng.uniform(0.1, 1), n)  # a falling loss
    elif kind == 2:
        v = np.cumsum(np.abs(rng.normal(0.5, 0.3, n)))  # gradients never zeroed
    elif kind == 3:
        v = np.round(v, 1)  # printed with one decimal: plateaus of repeated values
    elif kind == 4:
        v = np.where(rng.random(n) < 0.3, 0.0, v)  # exact zeros
    elif kind == 5:
        v = np.round(rng.choice([0.0, 0.25, 0.5, 0.7], n) + 0.0, 2)  # an evaluation metric
    for _ in range(rng.integers(0, 10)):  # spikes and bursts, some that stay up
        at = rng.integers(0, n)
        v[at : at + rng.integers(1, 8)] *= rng.choice([2.0, 3.5, 12.0, 60.0, 900.0])
    for _ in range(rng.integers(0, 5)):  # non-finite, negative and zero points
        at = rng.integers(0, n)
        v[at : at + rng.integers(1, 4)] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -1.0])
    if rng.random() < 0.3:  # a climb to many times the start
        at = rng.integers(0, n)
        v[at:] = v[at:] * np.linspace(1, rng.uniform(5, 80), n - at)
    return v


def key(alarms: list) -> list:
    """Alarms comparable with NaN fields (NaN equals NaN here)."""
    return [
        tuple("nan" if isinstance(f, float) and math.isnan(f) else f for f in dataclasses.astuple(a)) for a in alarms
    ]


@contextlib.contextmanager
def jumps_from(points: int):
    """Take quiet stretches in bulk from this many points (the default is long: short random series need less)."""
    saved, fastscan.MIN_JUMP = fastscan.MIN_JUMP, points
    try:
        yield
    finally:
        fastscan.MIN_JUMP = saved


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 1200),
    jump=st.sampled_from([1, 2, 7, 40, 256]),
    overridden=st.booleans(),
)
def test_bulk_scan_answers_exactly_as_the_point_by_point_scan(seed, n, jump, overridden):
    rng = np.random.default_rng(seed)
    values, loss = series(rng, n), series(rng, n)
    x = np.cumsum(rng.integers(1, 4, n)).astype(float)
    chance = np.full(n, rng.choice([np.nan, 0.25, 0.5]))
    for cls in DETECTORS:
        thresholds = {}
        if overridden:
            thresholds = {k: options[rng.integers(0, len(options))] for k, options in OVERRIDES[cls].items()}
        ctx = {"loss": loss, "train_loss": loss, "chance": chance}
        slow = cls.scan(values, x, thresholds=thresholds, fast=False, **ctx)
        with jumps_from(jump):
            fast = cls.scan(values, x, thresholds=thresholds, fast=True, **ctx)
        assert key(fast) == key(slow), (cls.__name__, thresholds)


def counting(cls: type) -> type:
    """``cls`` counting the points it judges one by one."""

    class Counting(cls):
        points = 0

        def update(self, x, value, **context):
            Counting.points += 1
            return super().update(x, value, **context)

    Counting.__name__ = cls.__name__
    return Counting


def test_a_long_run_is_judged_point_by_point_only_around_its_events():
    rng = np.random.default_rng(7)
    n = 50_000
    loss = 2.0 * np.exp(-np.arange(n) / 10_000) + 0.3 + 0.02 * rng.standard_normal(n)
    norm = np.exp(0.3 * rng.standard_normal(n))
    loss[[5_000, 31_000]] *= 12  # two loss spikes
    norm[[9_000, 40_000]] *= 200  # two gradient bursts
    norm[45_000:45_010] = 0.0  # a detached stretch
    acc = np.round(0.5 + 0.4 * np.tanh(np.arange(n) / 5_000) + 0.01 * rng.standard_normal(n), 3)
    cases = [
        (Spike, loss, {}, 2),
        (GradientSpike, norm, {}, 2),
        (GradientExplosion, norm, {"loss": loss}, 0),
        (GradientGrowth, norm, {"loss": loss}, 0),
        (ZeroGradient, norm, {}, 1),
        (NonFinite, loss, {}, 0),
        (FrozenMetric, acc, {"train_loss": loss}, 0),
    ]
    for cls, values, ctx, expected in cases:
        det = counting(cls)
        alarms = det.scan(values, **ctx)
        assert key(alarms) == key(cls.scan(values, fast=False, **ctx)) and len(alarms) == expected, cls.__name__
        assert det.points < 0.05 * n, (cls.__name__, det.points)  # the prefilter left 95 % of the points alone


def test_min_before_is_the_minimum_of_the_window_before_each_point():
    rng = np.random.default_rng(3)
    f = rng.normal(size=200)
    for w in (1, 2, 5, 10, 64, 300):
        got = fastscan.min_before(f, w)
        want = [min(f[max(0, k - w) : k], default=math.inf) for k in range(len(f))]
        assert list(got) == want


def test_the_tail_kept_by_a_bulk_step_is_the_last_finite_values_of_lists_and_arrays():
    from trainmedic.rules.detector import last_finite

    values = [1.0, math.nan, 2.0, 3.0, math.inf, 4.0]
    assert last_finite(values, 2) == ([3.0, 4.0], 6)
    assert last_finite(values, 50) == ([1.0, 2.0, 3.0, 4.0], 6)  # fewer finite values than asked: all of them
    long = np.arange(100000, dtype=float)
    long[-3] = math.nan
    tail, count = last_finite(long, 4)
    assert tail == [99995.0, 99996.0, 99998.0, 99999.0] and count == 100000
    assert last_finite(np.full(5000, math.nan), 10) == ([], 5000)


def test_the_prefilter_reads_long_series_in_chunks_with_the_answer_of_one_pass():
    from trainmedic.rules import fastscan

    rng = np.random.default_rng(3)
    f = np.exp(rng.normal(0.0, 1.0, 3 * fastscan.CHUNK + 17))
    lowest = fastscan.min_before(f, 50)
    assert np.array_equal(fastscan.reaching(f, 4.0, 50), np.flatnonzero(f >= 4.0 * lowest))
