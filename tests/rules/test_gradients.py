"""The gradient rules stay quiet on healthy runs whose gradient norm shrinks or jumps once, and fire on real
explosions and on gradients that vanish while the loss stays high."""

import math

import numpy as np
import pytest
from seeds_synthetic import run_of

from trainmedic.rules import check_all
from trainmedic.run import Series


def codes(run, code):
    return [f for f in check_all(run) if f.code == code]


def converging(n=200, seed=0, grad_end=0.001):
    """A model fitting its train set: loss 1.4 -> 0.003, grad norm 2 -> grad_end, both with batch noise."""
    rng = np.random.default_rng(seed)
    steps = np.arange(1, n + 1) * 10.0
    t = np.linspace(0, 1, n)
    loss = 1.4 * np.exp(-6 * t) + 0.003 * rng.random(n)
    grad = 2.0 * (grad_end / 2.0) ** t * rng.uniform(0.6, 1.6, n)
    return steps, loss, grad


def test_grad_norm_shrinking_as_the_model_converges_is_not_vanishing():
    steps, loss, grad = converging()
    run = run_of(Series.build("train/loss", loss, step=steps), Series.build("train/grad_norm", grad, step=steps))
    assert codes(run, "TM802") == []
    assert [f for f in check_all(run) if f.severity != "info"] == []


@pytest.mark.rule("TM802")
def test_vanishing_while_the_loss_stays_at_chance_is_reported_with_the_loss():
    n = 120
    steps = np.arange(1, n + 1) * 10.0
    rng = np.random.default_rng(1)
    loss = math.log(4) + rng.normal(0, 0.01, n)
    grad = np.r_[np.full(30, 1.5), 1.5 * np.logspace(0, -4, n - 30)] * rng.uniform(0.8, 1.2, n)
    f = codes(
        run_of(Series.build("train/loss", loss, step=steps), Series.build("train/grad_norm", grad, step=steps)), "TM802"
    )
    assert len(f) == 1 and f[0].severity == "warning"
    assert f[0].facts.loss_last > 0.9 * math.log(4)
    assert f[0].at.step > 300 and f[0].until.step == n * 10
    assert "train/loss" in f[0].message.render()


def test_vanishing_needs_a_loss_to_tell_it_from_convergence():
    steps, _, grad = converging()
    assert codes(run_of(Series.build("train/grad_norm", grad, step=steps)), "TM802") == []


def test_one_hard_batch_is_not_an_explosion():
    steps, loss, grad = converging(grad_end=0.5)
    grad = grad.copy()
    grad[100] *= 40  # one batch, forgotten at the next step
    grad[150:152] *= 15  # two points up, then back
    run = run_of(Series.build("train/loss", loss, step=steps), Series.build("train/grad_norm", grad, step=steps))
    assert codes(run, "TM801") == []


def test_explosion_that_stays_up_is_a_warning_at_its_onset():
    steps = np.arange(1, 101, dtype=float)
    rng = np.random.default_rng(2)
    grad = rng.uniform(1.0, 2.0, 100)
    grad[60:] *= 30  # the run is knocked off and stays there, finite
    f = codes(run_of(Series.build("train/grad_norm", grad, step=steps)), "TM801")
    assert len(f) == 1 and f[0].at.step == 61 and f[0].severity == "warning"
    assert f[0].facts.ratio >= 10 and not f[0].facts.then_nan


def test_runaway_into_nan_after_an_earlier_transient_is_reported_at_the_runaway():
    steps = np.arange(2, 122, 2, dtype=float)
    grad = np.full(60, 0.45)
    grad[13:15] = [5.1, 5.8]  # a transient: back to normal at the next point
    grad[47:50] = [21.5, 7745.0, 2.7e15]
    grad[50:] = math.nan
    f = codes(run_of(Series.build("train/grad_norm", grad, step=steps)), "TM801")
    assert len(f) == 1 and f[0].at.step == 96 and f[0].severity == "error"
    assert f[0].until.step == 100


def test_gradual_drift_over_a_long_run_is_not_an_explosion():
    n = 20000
    steps = np.arange(1, n + 1, dtype=float)
    rng = np.random.default_rng(3)
    grad = np.geomspace(0.05, 5.0, n) * rng.uniform(0.7, 1.4, n)  # 100x over the run, slowly
    assert codes(run_of(Series.build("train/grad_norm", grad, step=steps)), "TM801") == []


def test_a_grad_norm_rising_while_the_loss_falls_is_a_model_leaving_its_plateau():
    steps = np.arange(1, 121, dtype=float)
    loss = np.r_[np.full(60, 2.3), np.linspace(2.3, 0.4, 60)]  # flat at first, then learning
    grad = np.r_[np.full(60, 0.05), np.full(60, 1.0)]  # 20x as the model starts to learn
    f = [
        x
        for x in check_all(
            run_of(Series.build("train/loss", loss, step=steps), Series.build("train/grad_norm", grad, step=steps))
        )
        if x.code == "TM801"
    ]
    assert f and all(x.severity == "info" for x in f) and "plateau" in f[0].message.render()
