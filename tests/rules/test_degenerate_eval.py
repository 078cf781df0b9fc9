"""TM701 needs evidence that the accuracy is not the model's: a solved task scoring 1.0 is not degenerate."""

import numpy as np
from seeds_synthetic import run_of

from trainmedic.rules import check_all
from trainmedic.run import Series

STEPS = np.arange(5, 205, 5, dtype=float)
EVAL_STEPS = np.arange(25, 225, 25, dtype=float)


def tm701(run):
    return [f for f in check_all(run) if f.code == "TM701"]


def solved_run(eval_loss_scale=1.0, acc_last=1.0):
    train = np.maximum(1.386 * np.exp(-STEPS / 40.0), 0.01)
    at = np.interp(EVAL_STEPS, STEPS, train)
    acc = np.array([0.3, 0.6, 0.9, 0.99, acc_last, acc_last, acc_last, acc_last])
    return run_of(
        Series.build("train/loss", train, step=STEPS),
        Series.build("eval/loss", at * eval_loss_scale, step=EVAL_STEPS),
        Series.build("eval/acc", acc, step=EVAL_STEPS),
    )


def test_solved_task_at_exactly_one_is_healthy():
    assert tm701(solved_run()) == []


def test_perfect_score_with_eval_loss_far_below_train_loss_is_degenerate():
    f = tm701(solved_run(eval_loss_scale=0.4))
    assert f and f[0].at.step == 125 and f[0].facts.eval_below_train < 0.6


def test_exact_zero_with_a_loss_below_ln2_is_not_the_model():
    run = run_of(
        Series.build("train/loss", np.linspace(1.0, 0.3, 8), step=EVAL_STEPS),
        Series.build("eval/loss", np.linspace(0.9, 0.2, 8), step=EVAL_STEPS),
        Series.build("eval/acc", [0.5, 0.6, 0.7, 0.0, 0.8, 0.85, 0.9, 0.9], step=EVAL_STEPS),
    )
    f = tm701(run)
    assert f and f[0].at.step == 100 and f[0].facts.impossible_loss


def test_constant_accuracy_of_a_nan_model_is_left_to_the_nonfinite_rule():
    train = np.r_[np.linspace(60, 70, 4), np.full(4, np.nan)]
    run = run_of(
        Series.build("train/loss", train, step=EVAL_STEPS),
        Series.build("eval/loss", np.r_[[60, 61, 62, 63], np.full(4, np.nan)], step=EVAL_STEPS),
        Series.build("eval/acc", [0.3, 0.4, 0.275, 0.275, 0.275, 0.275, 0.275, 0.275], step=EVAL_STEPS),
    )
    assert tm701(run) == []


def test_constant_accuracy_while_training_moves_is_frozen():
    run = run_of(
        Series.build("train/loss", np.linspace(1.4, 0.4, 8), step=EVAL_STEPS),
        Series.build("eval/loss", np.linspace(1.4, 0.5, 8), step=EVAL_STEPS),
        Series.build("eval/acc", [0.3, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5, 0.6], step=EVAL_STEPS),
    )
    f = tm701(run)
    assert f and f[0].facts.kind == "frozen" and f[0].at.step == 75
