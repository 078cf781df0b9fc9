"""Rules on a long series: each answers as the one-pass formula does, and none holds more than about one extra float
array of the series at a time (the smoothed curve, computed once for all rules, aside)."""

import math
import tracemalloc

import numpy as np
import pytest
from seeds_synthetic import run_of

from trainmedic.rules import get_rule
from trainmedic.rules.curves import finite_min, first_finite, reuse_derived, rolling_median
from trainmedic.rules.divergence import CHUNK_POINTS, _climbed
from trainmedic.rules.swings import _whole
from trainmedic.run import Series
from trainmedic.settings import DEFAULT

POINTS = 200_000
# Bytes a rule may add while it runs, in float arrays of the series: one array plus masks and chunks.
ARRAYS_ALLOWED = 1.5


def _block_median_by_copy(values, window):  # the padded-copy formula the block path must equal
    from trainmedic.rules.curves import MAX_WINDOW_POINTS, _exact_rolling_median, median_of_rows

    n, half = len(values), window // 2
    block = -(-(2 * half + 1) // MAX_WINDOW_POINTS)
    blocks = -(-n // block)
    padded = np.concatenate([values, np.full(blocks * block - n, np.nan)])
    trend = _exact_rolling_median(median_of_rows(padded.reshape(blocks, block)), half // block)
    return trend[np.arange(n) // block]


def test_a_wide_rolling_median_reads_whole_blocks_in_place_with_the_same_curve():
    rng = np.random.default_rng(11)
    for n, window in ((1000, 301), (1003, 301), (5000, 999), (150, 149), (120, 500)):
        v = rng.normal(1.0, 0.1, n)
        v[rng.integers(0, n, n // 20)] = np.nan
        v[-1] = np.inf
        got = rolling_median(v, window)
        assert len(got) == n
        np.testing.assert_array_equal(got, _block_median_by_copy(v, window))


def test_the_climb_mask_is_the_same_across_chunk_boundaries():
    rng = np.random.default_rng(4)
    v = np.exp(rng.normal(0.0, 1.0, 2 * CHUNK_POINTS + 5))
    v[::97] = np.nan
    fin = np.isfinite(v)
    runmin = np.fmin.accumulate(np.where(fin, v, np.inf))
    assert np.array_equal(_climbed(v, runmin, fin, 2.0), fin & (runmin > 0) & (v >= 2.0 * runmin))


def test_first_finite_values_and_the_finite_minimum_skip_nan_and_infinity():
    v = np.full(200_000, np.nan)
    v[[5, 70_000, 150_000, 199_999]] = [3.0, -np.inf, 2.0, 1.0]
    assert first_finite(v, 3).tolist() == [5, 150_000, 199_999]
    assert first_finite(v, 9).tolist() == [5, 150_000, 199_999]  # fewer than asked: all of them
    assert finite_min(v) == 1.0
    assert math.isnan(finite_min(np.array([np.nan, np.inf])))


def test_epochs_repeated_row_after_row_are_not_one_point_per_epoch():
    assert _whole(np.arange(10.0)) and not _whole(np.repeat(np.arange(10.0), 3))
    assert not _whole(np.array([0.0, 1.0, 0.0]))  # a value seen again later
    assert not _whole(np.arange(10.0) + 0.5) and not _whole(np.array([0.0, np.nan]))


def _long_run():
    rng = np.random.default_rng(7)
    step = np.arange(POINTS, dtype=float)
    epoch = np.floor(step / 1000)
    loss = 2.0 * np.exp(-step / 50_000) + 0.3 + rng.normal(0, 0.02, POINTS)
    ev = step[999::1000]
    return run_of(
        Series.build("train/loss", loss, step=step, epoch=epoch),
        Series.build("val/loss", 2.0 * np.exp(-ev / 50_000) + 0.35, step=ev),
        Series.build("val/acc", 0.9 - 0.5 * np.exp(-ev / 50_000), step=ev),
    )


def second_run_peak(run, code: str) -> tuple:
    """(findings of a first run of rule ``code``, of a second one, the second's peak of traced memory): the first
    sorts and smooths the series, kept for every rule; the second shows what the rule itself holds."""
    r = get_rule(code)
    with reuse_derived():
        first = r(run, r.params_for(DEFAULT))
        tracemalloc.start()
        try:
            again = r(run, r.params_for(DEFAULT))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return first, again, peak


@pytest.mark.parametrize("code", ["TM201", "TM202", "TM301", "TM302", "TM303", "TM403", "TM703"])
def test_a_rule_on_a_long_run_holds_at_most_one_extra_array_of_the_series(code):
    first, again, peak = second_run_peak(_long_run(), code)
    assert [f.code for f in again] == [f.code for f in first]
    assert peak <= ARRAYS_ALLOWED * 8 * POINTS, f"{code}: {peak / (8 * POINTS):.2f} arrays"


@pytest.mark.parametrize("code", ["TM307", "TM308"])
def test_a_long_run_stuck_at_chance_is_judged_without_copying_its_loss_twice(code):
    step = np.arange(POINTS, dtype=float)
    rng = np.random.default_rng(3)
    loss = np.round(math.log(10) + rng.normal(0, 0.0005, POINTS), 5)  # an average at chance, printed to 5 decimals
    ev = step[999::1000]
    series = [Series.build("train/loss", loss, step=step)]
    if code == "TM308":
        series += [
            Series.build("val/loss", np.full(len(ev), 1.2712), step=ev),
            Series.build("val/acc", np.full(len(ev), 0.4455), step=ev),
        ]
    first, again, peak = second_run_peak(run_of(*series), code)
    assert [f.code for f in again] == [f.code for f in first] == [code]
    assert peak <= ARRAYS_ALLOWED * 8 * POINTS, f"{code}: {peak / (8 * POINTS):.2f} arrays"
