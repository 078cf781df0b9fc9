"""Rules for the shapes real runs show, each beside the healthy twin it must leave alone: a frozen loss, a clamped
loss, a collapsed fp16 loss scale, an lr at zero, a plateau scheduler's cut, a late flat excerpt, training that
oscillates, an eval that never followed training, memorisation, a large metric collapse, heavy-tailed batch noise."""

import math

import numpy as np
import pytest
from seeds_synthetic import run_of

from trainmedic.rules import check_all
from trainmedic.rules.curves import longest_true_run
from trainmedic.rules.learning import longest_repeat
from trainmedic.run import Event, Series


def found(run, code):
    return [f for f in check_all(run) if f.code == code]


def serious(run):
    return [f for f in check_all(run) if f.severity != "info"]


def steps(n, every=1, start=1):
    return np.arange(start, start + n * every, every, dtype=float)


@pytest.mark.rule("TM303")
def test_a_loss_that_does_not_change_from_batch_to_batch_is_a_constant_output():
    x = steps(14, start=100)
    f = found(run_of(Series.build("train/loss", np.full(14, 4.6), step=x)), "TM303")
    assert len(f) == 1 and f[0].severity == "error" and f[0].symptom == "stuck_at_chance"
    assert f[0].at.step == 100 and f[0].facts.repeats == 14 and 99 <= f[0].facts.k <= 100  # 4.6 ~ ln(100)
    noisy = 4.6 + np.random.default_rng(1).normal(0, 0.01, 14)
    assert not found(run_of(Series.build("train/loss", noisy, step=x)), "TM303")
    coarse = np.full(14, 0.1)  # printed with one digit: repeats by rounding, not by a frozen model
    assert not found(run_of(Series.build("train/loss", coarse, step=x)), "TM303")


def test_the_longest_repeat_is_the_first_longest_run_of_one_finite_value():
    def by_loop(values):  # the definition, one value at a time
        best, start = (0, 0), 0
        for i in range(1, len(values) + 1):
            if i == len(values) or not (values[i] == values[i - 1] and math.isfinite(values[i])):
                if math.isfinite(values[start]) and i - start > best[1]:
                    best = (start, i - start)
                start = i
        return best

    rng = np.random.default_rng(5)
    pool = np.array([0.5, 0.5, 0.25, np.nan, np.inf, -np.inf, 1.0])
    for n in (0, 1, 2, 3, 10, 60):
        for _ in range(40):
            values = rng.choice(pool, n)
            assert longest_repeat(values) == by_loop(values.tolist())
    assert longest_repeat(np.array([1.0, 2, 2, 3, 3, np.inf, np.inf, np.inf])) == (1, 2)


def test_the_longest_true_run_is_the_first_longest():
    assert longest_true_run(np.array([], dtype=bool)) == (0, 0)
    assert longest_true_run(np.array([False, False])) == (0, 0)
    assert longest_true_run(np.array([True, False, True, True, False, True, True])) == (2, 2)
    assert longest_true_run(np.array([False, True, True, True])) == (1, 3)


@pytest.mark.rule("TM104")
def test_a_loss_pinned_at_minus_ln_flt_min_is_a_nan_in_disguise():
    x = steps(6, 390, 390)
    loss = [2.1, 1.9, 87.3365, 87.3365, 87.3363, 87.3365]
    f = found(run_of(Series.build("train/loss", loss, step=x)), "TM104")
    assert len(f) == 1 and f[0].symptom == "nonfinite" and f[0].at.step == 1170
    assert abs(f[0].facts.constant - 87.3365) < 1e-3
    real = [2.1, 1.9, 87.1, 86.2, 88.0, 85.9]  # a large summed loss that moves is no clamp
    assert not found(run_of(Series.build("train/loss", real, step=x)), "TM104")


@pytest.mark.rule("TM103")
def test_a_loss_scale_that_only_falls_is_every_step_overflowing():
    x = steps(10, 100, 100)
    collapse = [128, 128, 64, 128, 64, 8, 1, 0.125, 0.0156, 0.002]
    loss = Series.build("train/loss", np.linspace(3, 2.5, 10), step=x)
    f = found(run_of(loss, Series.build("train/loss_scale", collapse, step=x)), "TM103")
    assert len(f) == 1 and f[0].severity == "error" and f[0].facts.highest == 128
    assert f[0].at.step == 500  # the fall after the last time it was at its highest
    bf16 = Series.build("train/loss_scale", np.ones(10), step=x)  # bf16 runs print a scale of 1.0
    healthy = Series.build("train/loss_scale", [128, 64, 128, 128, 64, 128, 256, 128, 128, 64], step=x)
    assert not found(run_of(loss, bf16), "TM103") and not found(run_of(loss, healthy), "TM103")


@pytest.mark.rule("TM304")
def test_an_lr_printed_as_zero_while_the_loss_stays_is_a_plateau_with_a_reason():
    x = steps(4, 10, 3135)
    loss = Series.build("train/loss", [0.5737, 0.5818, 0.5848, 0.5848], step=x)
    f = found(run_of(loss, Series.build("train/lr", np.zeros(4), step=x)), "TM304")
    assert len(f) == 1 and f[0].symptom == "plateau" and f[0].at.step == 3135
    decayed = Series.build("train/lr", [1e-5, 5e-6, 2e-6, 1e-7], step=x)  # a schedule ending, printed precisely
    assert not found(run_of(loss, decayed), "TM304")


@pytest.mark.rule("TM305")
def test_a_plateau_scheduler_cut_is_a_plateau_unless_the_metric_improves_after_it():
    x = steps(3, 462, 121044)
    ev = Series.build("eval/loss", [0.3062, 0.30601, 0.30648], step=x)
    cut = Event(
        "lr_change",
        step=121967,
        message="Epoch 17: reducing learning rate of group 0 to 2.0000e-06.",
        data={"lr": 2e-6},
    )
    f = found(run_of(ev, events=[cut]), "TM305")
    assert len(f) == 1 and f[0].severity == "warning" and f[0].facts.lr == 2e-6
    later = Series.build("eval/loss", [0.3062, 0.30601, 0.30648, 0.2901], step=steps(4, 462, 121044))
    assert [g.severity for g in found(run_of(later, events=[cut]), "TM305")] == ["info"]


def test_a_flat_excerpt_late_in_training_is_not_a_plateau_warning():
    x = steps(12, 1, 1103)  # epochs 1103-1114 of a long run
    loss = Series.build("train/loss", 2.6 + np.random.default_rng(2).normal(0, 0.05, 12), epoch=x)
    assert not serious(run_of(loss))
    early = Series.build("train/loss", 2.6 + np.random.default_rng(2).normal(0, 0.01, 12), epoch=steps(12))
    assert [f.code for f in serious(run_of(early))] == ["TM302"]


@pytest.mark.rule("TM403")
def test_a_per_epoch_train_curve_that_keeps_reversing_is_oscillation():
    ep = steps(16)
    acc = [
        0.913,
        0.908,
        0.914,
        0.911,
        0.912,
        0.915,
        0.897,
        0.909,
        0.889,
        0.886,
        0.830,
        0.763,
        0.809,
        0.888,
        0.809,
        0.885,
    ]
    f = found(run_of(Series.build("train/acc", acc, epoch=ep)), "TM403")
    assert len(f) == 1 and f[0].symptom == "oscillation" and f[0].severity == "warning"
    assert f[0].at.epoch == 11.0 and len(f[0].facts.swings) >= 3
    smooth = 0.9 - 0.4 * np.exp(-ep / 4) + np.random.default_rng(3).normal(0, 0.004, 16)
    assert not found(run_of(Series.build("train/acc", smooth, epoch=ep)), "TM403")
    batches = Series.build("train/loss", np.abs(np.random.default_rng(4).normal(1, 0.6, 60)), step=steps(60))
    assert not found(run_of(batches), "TM403")  # per-batch losses swing by nature: not judged here


def test_eval_metric_swings_without_a_known_noise_level_are_info():
    ep = steps(25, start=0)
    rng = np.random.default_rng(5)
    trend = 0.2 + 0.6 * (1 - np.exp(-ep / 8))
    map50 = np.clip(trend + rng.normal(0, 0.12, 25), 0, 1)
    train = Series.build("train/loss", 2.0 * np.exp(-ep / 10) + 0.6, epoch=ep)
    f = found(
        run_of(train, Series.build("eval/map50", map50, epoch=ep), Series.build("eval/precision", map50, epoch=ep)),
        "TM401",
    )
    assert all(g.severity == "info" for g in f)


@pytest.mark.rule("TM702")
def test_an_eval_far_below_training_from_its_first_point_is_not_measuring_the_model():
    ep = steps(5, start=0)
    run = run_of(
        Series.build("train/acc", [0.893, 0.976, 0.983, 0.980, 0.982], epoch=ep),
        Series.build("train/loss", [0.357, 0.075, 0.053, 0.060, 0.057], epoch=ep),
        Series.build("eval/acc", [0.495, 0.161, 0.496, 0.469, 0.500], epoch=ep),
        Series.build("eval/loss", [3.0, 11.4, 4.25, 5.4, 4.33], epoch=ep),
    )
    f = found(run, "TM702")
    assert len(f) == 1 and f[0].symptom == "degenerate_eval" and f[0].at.epoch == 0.0
    assert not found(run, "TM501")  # an eval that never followed training cannot be said to overfit
    follows = run_of(
        Series.build("train/acc", [0.29, 0.36, 0.44, 0.49, 0.54], epoch=ep),
        Series.build("eval/acc", [0.17, 0.32, 0.45, 0.42, 0.56], epoch=ep),
    )
    assert not found(follows, "TM702")


@pytest.mark.rule("TM502")
def test_a_train_set_fitted_perfectly_while_the_eval_stalls_is_memorisation():
    ep = np.array([12, 95, 96, 97, 98, 99, 100], dtype=float)
    run = run_of(
        Series.build("train/loss", [0.1026, 0.0005, 0.0006, 0.0006, 0.0005, 0.0004, 0.0005], epoch=ep),
        Series.build("train/acc", [0.9667, 1, 1, 1, 1, 1, 1], epoch=ep),
        Series.build("eval/loss", [0.1384, 0.129, 0.1321, 0.1312, 0.1322, 0.1326, 0.1295], epoch=ep),
        Series.build("eval/acc", [0.9733, 0.96, 0.96, 0.96, 0.96, 0.96, 0.96], epoch=ep),
    )
    f = found(run, "TM502")
    assert len(f) == 1 and f[0].symptom == "overfitting" and f[0].facts.ratio > 100
    still_learning = run_of(
        Series.build("train/loss", [1.0, 0.3, 0.1, 0.05, 0.03, 0.02, 0.01], epoch=ep),
        Series.build("eval/loss", [1.1, 0.5, 0.4, 0.35, 0.33, 0.31, 0.29], epoch=ep),
    )
    assert not found(still_learning, "TM502")


def test_an_accuracy_falling_from_1_to_a_half_is_a_collapse_whatever_the_chance_level():
    ep = steps(50)
    acc = np.r_[np.ones(18), np.linspace(0.99, 0.97, 20), [0.9, 0.75, 0.6], np.full(9, 0.51)]
    f = found(run_of(Series.build("eval/acc", acc, epoch=ep)), "TM601")
    assert len(f) == 1 and f[0].facts.best == 1.0 and f[0].facts.low == 0.51


def test_heavy_tailed_batch_noise_of_a_converged_model_is_no_spike():
    rng = np.random.default_rng(6)
    loss = np.exp(rng.normal(np.log(0.01), 1.3, 170))  # per-step losses spread over decades
    assert not [
        f for f in found(run_of(Series.build("train/loss", loss, step=steps(170, 50))), "TM402") if f.severity != "info"
    ]
    one = np.full(60, 0.12) * np.exp(rng.normal(0, 0.2, 60))
    one[40] = 27.6  # one outlier batch, 230x its level
    f = found(run_of(Series.build("train/loss", one, step=steps(60))), "TM402")
    assert f and f[0].at.step == 41 and f[0].severity == "warning"


def test_a_language_model_loss_near_ln_k_is_not_stuck():
    x = steps(4, 400, 4399)
    run = run_of(
        Series.build("train/loss", [4.102, 4.051, 4.010, 3.974], step=x),
        Series.build("eval/loss", [4.013, 3.987, 3.941, 3.907], step=x),
    )
    assert not serious(run)
    assert math.isclose(math.log(56), 4.025, abs_tol=1e-3)  # the coincidence the old rule fell for


def test_an_lr_that_a_schedule_decays_to_zero_at_its_end_is_the_run_finishing():
    x = steps(40, 10)
    lr = np.r_[1e-4 * np.cos(np.linspace(0, np.pi / 2, 37)) ** 2, [0.0, 0.0, 0.0]]
    lr[lr < 5e-7] = 0.0
    loss = Series.build("train/loss", np.r_[np.linspace(2, 0.6, 36), np.full(4, 0.6)], step=x)
    f = found(run_of(loss, Series.build("train/lr", lr, step=x)), "TM304")
    assert f and all(g.severity == "info" for g in f)


@pytest.mark.rule("TM202")
def test_a_per_epoch_train_loss_rising_while_accuracy_falls_is_a_slow_divergence():
    ep = steps(9)
    loss = [1.5869, 1.2171, 1.1202, 1.0933, 1.1043, 1.1402, 1.1855, 1.2136, 1.2371]
    acc = [0.4241, 0.5706, 0.6111, 0.6293, 0.6293, 0.6204, 0.6111, 0.6026, 0.5952]
    f = found(run_of(Series.build("train/loss", loss, epoch=ep), Series.build("train/acc", acc, epoch=ep)), "TM202")
    assert len(f) == 1 and f[0].symptom == "divergence" and f[0].at.epoch == 4.0 and f[0].facts.rises == 5
    learning = [0.4241, 0.5706, 0.6111, 0.6293, 0.64, 0.65, 0.66, 0.67, 0.68]  # the loss rises, accuracy does not fall
    assert not found(
        run_of(Series.build("train/loss", loss, epoch=ep), Series.build("train/acc", learning, epoch=ep)), "TM202"
    )


@pytest.mark.rule("TM202")
def test_a_log_cut_inside_an_epoch_is_still_read_per_epoch():
    # a Keras log pasted while the sixth epoch was running: its bar's running mean stands at epoch 5.37
    ep = [1.0, 2.0, 3.0, 4.0, 5.0, 5.37]
    loss = [1.8887, 1.9328, 1.9986, 2.0482, 2.1057, 2.1578]
    acc = [0.4243, 0.4118, 0.3866, 0.3752, 0.3539, 0.3390]
    f = found(run_of(Series.build("train/loss", loss, epoch=ep), Series.build("train/acc", acc, epoch=ep)), "TM202")
    assert len(f) == 1 and f[0].at.epoch == 1.0 and f[0].facts.rises == 4  # the partial epoch is not counted
    mid = [1.0, 2.0, 2.5, 3.0, 4.0, 5.0]  # a fractional epoch inside the run: per-batch points, not per epoch
    assert not found(
        run_of(Series.build("train/loss", loss, epoch=mid), Series.build("train/acc", acc, epoch=mid)), "TM202"
    )


def test_a_dozen_noisy_batch_losses_with_one_low_batch_are_no_divergence():
    loss = [1.632, 1.212, 1.237, 0.841, 1.159, 2.141, 0.938, 0.053, 1.572, 1.891, 0.224, 1.302, 0.268]
    assert not found(run_of(Series.build("train/loss", loss, epoch=np.linspace(0.7, 0.8, 13))), "TM201")


@pytest.mark.rule("TM201")
def test_four_evaluations_that_climb_and_fall_once_are_a_curve_not_batch_noise():
    ev = Series.build("eval/loss", [1.44, 3.84, 8.63, 3.64, math.nan], step=steps(5, 20, 20))
    train = Series.build("train/loss", np.full(50, 1.4), step=steps(50, 2, 2))
    f = [x for x in found(run_of(train, ev), "TM201") if x.series == "eval/loss"]
    assert len(f) == 1 and f[0].at.step == 40 and f[0].facts.minimum == pytest.approx(1.44)


@pytest.mark.rule("TM201")
def test_a_loss_that_climbs_into_the_trainers_masked_nan_diverged_where_it_left_its_minimum():
    # lr far too high: the loss leaves 1.2 at step 14 and climbs; the Trainer then logs the NaN as exactly 0.0
    climb = np.r_[[1.4, 1.3, 1.25, 1.2], np.linspace(2.5, 9.0, 40), [163340.0, 1.9e22], np.zeros(9)]
    x = steps(climb.size, 2, 8)
    norm = np.r_[np.full(46, 0.6), np.full(9, np.nan)]
    f = found(run_of(Series.build("train/loss", climb, step=x), Series.build("train/grad_norm", norm, step=x)), "TM201")
    assert len(f) == 1 and f[0].at.step == 16 and f[0].facts.minimum == pytest.approx(1.2)
    assert f[0].evidence[-1].value == pytest.approx(1.9e22)  # the last real loss, not the masked 0.0
    assert "to 1.9e+22 (over 1000x)" in f[0].message.render("en")  # not "(1.58e+22x)"


def test_a_divergence_starts_where_the_loss_never_comes_back_not_at_an_earlier_bump():
    loss = [0.1, 0.09, 0.063, 0.1628, 0.0577, 5.4e19, 4.3e20, 2.1e21, 7.8e21]
    f = found(run_of(Series.build("train/loss", loss, step=steps(9, 1, 433))), "TM201")
    assert f and f[0].at.step == 438 and f[0].facts.minimum == pytest.approx(0.0577)


def test_a_jump_that_ends_in_a_hidden_nan_is_no_recovered_spike():
    loss = np.r_[np.linspace(4.7, 1.8, 40), [25.9, 163340.0, 1.9e22], np.zeros(9)]
    assert not found(run_of(Series.build("train/loss", loss, step=steps(52, 2))), "TM402")
