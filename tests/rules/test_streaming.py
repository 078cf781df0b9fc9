"""The streaming detectors: one definition, the same answer point by point and offline, bounded state, and the rules
built on them (TM404 gradient spikes, TM804 gradient growth, TM703 frozen metric)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from trainmedic.rules import check_all
from trainmedic.rules.streaming import (
    FrozenMetric,
    GradientExplosion,
    GradientGrowth,
    GradientSpike,
    NonFinite,
    Spike,
    aligned,
)
from trainmedic.run import Run, Series


def noisy_loss(n: int = 300, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 2.0 * np.exp(-np.arange(n) / 100) + 0.3 + 0.05 * rng.standard_normal(n)


def noisy_norm(n: int = 300, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.exp(0.3 * rng.standard_normal(n))  # heavy-tailed around 1, as real gradient norms are


def run_of(*series: Series) -> Run:
    run = Run()
    for s in series:
        run.series[s.name] = s
    return run


def test_a_spike_that_recovers_is_one_alarm_and_a_level_change_is_none():
    loss = noisy_loss()
    loss[150] *= 8
    alarms = Spike.scan(loss)
    assert [a.index for a in alarms] == [150] and alarms[0].ratio == pytest.approx(8, rel=0.2)
    assert alarms[0].confirmed == 151  # confirmed by the point that came back
    shifted = noisy_loss()
    shifted[150:] *= 8  # it does not come back: not a spike
    assert Spike.scan(shifted) == []
    assert Spike.scan(noisy_loss(seed=3)) == []


def test_noise_is_measured_on_the_series_itself():
    rng = np.random.default_rng(0)
    wild = 1.0 + 0.8 * np.abs(rng.standard_normal(300))  # a loss whose batches vary a lot
    wild[200] = 3.5  # 3x its level, but within 6 robust deviations of this noisy series
    assert [a.index for a in Spike.scan(wild)] == []
    calm = 1.0 + 0.01 * rng.standard_normal(300)
    calm[200] = 3.5
    assert [a.index for a in Spike.scan(calm)] == [200]


def test_explosion_needs_to_persist_and_a_falling_loss_vetoes_it():
    g, loss = noisy_norm(), noisy_loss()
    g[200:] *= 40
    [alarm] = GradientExplosion.scan(g, loss=loss)
    assert alarm.index == 200 and alarm.confirmed == 203 and alarm.corroborated
    transient = noisy_norm()
    transient[200] *= 40  # one point: not an explosion
    assert GradientExplosion.scan(transient, loss=loss) == []
    leaving_plateau = np.full(300, 1.5) + 0.01 * np.random.default_rng(2).standard_normal(300)
    # the loss falls hard while the gradient rises
    leaving_plateau[200:] = np.r_[np.linspace(1.5, 0.5, 20), np.full(80, 0.5)]
    assert GradientExplosion.scan(g, loss=leaving_plateau) == []
    nan_after = noisy_norm()
    nan_after[200:203] *= 40
    nan_after[203:] = np.nan
    [alarm] = GradientExplosion.scan(nan_after, loss=loss)
    assert alarm.index == 200


def test_gradient_growth_of_accumulated_gradients():
    rng = np.random.default_rng(0)
    per_step = rng.standard_normal((60, 50)) * 0.2 + 0.5  # a consistent gradient direction, as early in training
    accumulated = np.linalg.norm(np.cumsum(per_step, axis=0), axis=1)  # zero_grad never called
    fresh = np.linalg.norm(per_step, axis=1)
    loss = np.linspace(1.4, 1.0, 60)
    [alarm] = GradientGrowth.scan(accumulated, loss=loss)
    assert alarm.ratio >= GradientGrowth.GROWTH_RATIO and alarm.confirmed < 30
    assert GradientGrowth.scan(fresh, loss=loss) == []
    diverging = np.geomspace(1.0, 1e4, 60)  # the loss blows up: that explains a growing gradient
    assert GradientGrowth.scan(accumulated, loss=diverging) == []


def test_frozen_metric_while_training_moves():
    f1 = [0.2, 0.0, 0.0, 0.0, 0.0, 0.0]
    moving = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5]
    [alarm] = FrozenMetric.scan(f1, train_loss=moving)
    assert alarm.index == 1 and alarm.value == 0.0 and alarm.confirmed == 4
    assert FrozenMetric.scan(f1, train_loss=[0.5] * 6) == []  # nothing says the model changed
    assert FrozenMetric.scan([0.5, 1.0, 1.0, 1.0, 1.0], train_loss=moving[:5]) == []  # a solved task
    # An accuracy repeating at 0.73 is a converged model; at the majority share (0.7 here) it answers one class.
    acc = [0.5, 0.73, 0.73, 0.73, 0.73, 0.73]
    assert FrozenMetric.scan(acc, train_loss=moving, chance=[0.7] * 6) != []
    assert FrozenMetric.scan(acc, train_loss=moving, chance=[0.25] * 6) == []


def test_nonfinite_is_the_first_nan_once():
    [alarm] = NonFinite.scan([1.0, 0.9, math.nan, 0.8, math.inf])
    assert alarm.index == 2


@pytest.mark.parametrize("cls", [Spike, GradientSpike, GradientExplosion, GradientGrowth, FrozenMetric, NonFinite])
def test_resuming_from_state_dict_gives_the_same_alarms(cls):
    g = noisy_norm(400)
    g[120] *= 80
    g[300:] = np.cumsum(np.full(100, 0.5))
    loss = noisy_loss(400)
    whole = cls.scan(g, loss=loss, train_loss=loss)
    first = cls()
    found = [a for i in range(200) if (a := first.update(float(i), float(g[i]), loss=loss[i], train_loss=loss[i]))]
    state = json.loads(json.dumps(first.state_dict()))  # JSON-safe, as a resumed run stores it
    second = cls()
    second.load_state_dict(state)
    found += [
        a for i in range(200, 400) if (a := second.update(float(i), float(g[i]), loss=loss[i], train_loss=loss[i]))
    ]
    assert found == whole


@pytest.mark.parametrize("cls", [Spike, GradientExplosion, GradientGrowth, FrozenMetric])
def test_state_stays_bounded_however_long_the_run(cls):
    det = cls()
    rng = np.random.default_rng(0)
    sizes = []
    for n in (1_000, 20_000):
        while det.n < n:
            v = float(np.exp(0.2 * rng.standard_normal()))
            det.update(float(det.n), v, loss=v, train_loss=v)
        sizes.append(len(json.dumps(det.state_dict())))
    assert sizes[1] <= sizes[0] * 1.1


def test_aligned_takes_the_last_point_at_or_before():
    out = aligned(np.array([1.0, 5.0, 10.0]), np.array([2.0, 4.0, 10.0]), np.array([0.2, 0.4, 1.0]))
    assert np.isnan(out[0]) and list(out[1:]) == [0.4, 1.0]


@pytest.mark.rule("TM404")
def test_gradient_spike_rule_reports_an_rnn_burst():
    steps = np.arange(1, 301, dtype=float)
    g = noisy_norm()
    g[100] *= 500  # an RNN's gradient burst
    fs = check_all(
        run_of(Series.build("train/grad_norm", g, step=steps), Series.build("train/loss", noisy_loss(), step=steps))
    )
    [spike] = [f for f in fs if f.code == "TM404"]
    assert spike.at.step == 101 and spike.severity == "warning" and spike.facts.worst_ratio > 100


@pytest.mark.rule("TM804")
def test_gradient_growth_rule_reports_gradients_never_zeroed():
    rng = np.random.default_rng(0)
    grown = np.linalg.norm(np.cumsum(rng.standard_normal((60, 50)) * 0.2 + 0.5, axis=0), axis=1)
    st = np.arange(1, 61, dtype=float)
    fs = check_all(
        run_of(
            Series.build("train/grad_norm", grown, step=st),
            Series.build("train/loss", np.linspace(1.4, 1.0, 60), step=st),
        )
    )
    [growth] = [f for f in fs if f.code == "TM804"]
    assert growth.at.step == 1 and growth.facts.ratio >= 20 and growth.severity == "warning"


@pytest.mark.rule("TM703")
def test_frozen_metric_rule_reports_an_f1_stuck_at_zero():
    ev = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]) * 10
    fs = check_all(
        run_of(
            Series.build("eval/f1", [0.3, 0.0, 0.0, 0.0, 0.0, 0.0], step=ev),
            Series.build("train/loss", np.linspace(1.0, 0.4, 60), step=np.arange(1, 61.0)),
        )
    )
    [frozen] = [f for f in fs if f.code == "TM703"]
    assert frozen.at.step == 20 and frozen.until.step == 60 and frozen.facts.value == 0.0


@pytest.mark.rule("TM805")
def test_zero_gradient_rule_reports_a_detached_loss():
    steps = np.arange(1, 41, dtype=float)
    fs = check_all(
        run_of(
            Series.build("train/grad_norm", np.zeros(40), step=steps),
            Series.build("train/loss", 1.386 + 0.01 * np.random.default_rng(0).standard_normal(40), step=steps),
        )
    )
    [zero] = [f for f in fs if f.code == "TM805"]
    assert zero.at.step == 1 and zero.severity == "error" and zero.facts.zeros == 40


@pytest.mark.rule("TM306")
def test_eval_at_chance_while_the_train_loss_falls():
    from trainmedic.run import RunConfig

    steps = np.arange(1, 81, dtype=float)
    train = Series.build("train/loss", np.linspace(1.4, 0.2, 80), step=steps)
    evals = Series.build("eval/acc", [0.24, 0.27, 0.25, 0.23, 0.26, 0.25, 0.28, 0.24], step=steps[9::10])
    run = run_of(train, evals)
    run.config = RunConfig()
    run.config.set("num_classes", 4)
    [f] = [f for f in check_all(run) if f.code == "TM306"]
    assert f.at.step == 10 and f.facts.chance == 0.25 and f.severity == "warning"
    learning = run_of(train, Series.build("eval/acc", [0.3, 0.45, 0.6, 0.7, 0.75, 0.78, 0.8, 0.8], step=steps[9::10]))
    learning.config = run.config
    assert not [f for f in check_all(learning) if f.code == "TM306"]


def test_zeros_written_while_validation_does_not_run_are_no_frozen_metric():
    from seeds_synthetic import run_of

    from trainmedic.rules import check_all
    from trainmedic.run import Series

    ep = np.arange(1, 21, dtype=float)
    zeros = np.r_[np.zeros(19), [0.61]]  # a results table writes 0 until the last epoch's validation
    loss_zeros = np.r_[np.zeros(19), [1.2]]
    run = run_of(
        Series.build("train/box_loss", np.linspace(1.6, 1.1, 20), epoch=ep),
        Series.build("train/loss", np.linspace(2.4, 1.0, 20), epoch=ep),
        Series.build("eval/map50", zeros, epoch=ep),
        Series.build("eval/precision", zeros, epoch=ep),
        Series.build("eval/box_loss", loss_zeros, epoch=ep),
    )
    assert not [f for f in check_all(run) if f.code == "TM703"]
