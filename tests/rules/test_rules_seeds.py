"""Each rule fires where the seed reports say the failure is, with the evidence, and stays quiet on healthy runs."""

import math

import numpy as np
import pytest
from seeds_synthetic import healthy, run_of, seed000, seed001, seed002, seed003, seed004

from trainmedic.rules import check_all, get_rule
from trainmedic.run import Series


def by_code(findings, code):
    return [f for f in findings if f.code == code]


@pytest.mark.rule("TM102")
def test_hidden_nan_starts_at_first_zero_loss_with_nan_witness():
    fs = check_all(seed000())
    hidden = by_code(fs, "TM102")
    assert len(hidden) == 1 and hidden[0].severity == "error"
    assert hidden[0].at.step == 2100
    assert hidden[0].until.step == 3500
    assert any(math.isnan(e.value) for e in hidden[0].evidence)
    assert "0.0" in hidden[0].message.render()


@pytest.mark.rule("TM101")
def test_nonfinite_reports_first_series_and_rise_before_nan():
    fs = check_all(seed004())
    nf = by_code(fs, "TM101")[0]
    assert nf.at.as_dict() == {"epoch": 2.0} and nf.series == "eval/loss" and nf.severity == "error"
    assert nf.facts.rise_before[0] == ("train/loss", 0.4974, 0.7663)


@pytest.mark.rule("TM601")
def test_metric_collapse_reported_where_decline_begins():
    f0 = by_code(check_all(seed000()), "TM601")[0]
    assert f0.at.step == 2500 and f0.series == "eval/f1"
    f2 = by_code(check_all(seed002()), "TM601")[0]
    assert f2.at.epoch == 2.0
    assert f2.facts.pattern == "precision_high_recall_low"
    assert "recall" in f2.message.render()


@pytest.mark.rule("TM201")
def test_eval_divergence_while_train_flat_is_divergence_not_overfitting():
    fs = check_all(seed002())
    div = by_code(fs, "TM201")
    assert len(div) == 1 and div[0].series == "eval/loss" and div[0].at.epoch == 2.0
    assert div[0].facts.ratio > 20
    assert not by_code(fs, "TM501")


@pytest.mark.rule("TM301")
def test_stuck_at_chance_established_at_first_epoch_accuracy():
    f = by_code(check_all(seed001()), "TM301")[0]
    assert f.at.epoch == 1.0 and f.facts.k == 4
    assert abs(f.facts.ln_k - math.log(4)) < 1e-9


@pytest.mark.rule("TM301")
def test_k_comes_from_an_accuracy_at_1_over_k_never_from_the_loss_alone():
    steps = np.arange(1, 41) * 10
    rng = np.random.default_rng(0)
    loss = Series.build("train/loss", math.log(10) + rng.normal(0, 0.005, 40), step=steps)
    # A language model's loss can sit at 2.30 for a while: that is no "10-class model" by itself.
    assert not by_code(check_all(run_of(loss)), "TM301")
    acc = Series.build("eval/acc", 0.1 + rng.normal(0, 0.004, 8), step=steps[4::5])
    f = by_code(check_all(run_of(loss, acc)), "TM301")
    assert f and f[0].facts.k == 10 and f[0].facts.k_source == "accuracy" and f[0].facts.inferred_k


@pytest.mark.rule("TM401")
def test_oscillation_flags_rnn_not_cnn():
    osc = by_code(check_all(seed003()), "TM401")
    assert [f.series for f in osc] == ["rnn/eval/acc"]
    assert osc[0].facts.train_roughness is not None


@pytest.mark.rule("TM701")
def test_degenerate_eval_exact_zero_then_one():
    f = by_code(check_all(seed004()), "TM701")[0]
    assert f.at.as_dict() == {"epoch": 1.0} and f.facts.both


@pytest.mark.rule("TM901")
def test_wasted_compute_counts_steps_and_evaluations_after_hidden_nan():
    f = by_code(check_all(seed000()), "TM901")[0]
    assert f.at.step == 2100
    assert f.facts.wasted == 1400 and f.facts.evaluations == (2500.0, 3000.0, 3500.0)
    assert f.facts.early_stopped
    text = f.message.render()
    assert "1400 steps" in text and "2500 to 3500" in text and "patience 3" in text


@pytest.mark.rule("TM501")
def test_overfitting_onset_after_eval_minimum_and_bump_that_recovers_is_not():
    ep = np.arange(1, 11, dtype=float)
    train = Series.build("train/loss", 1.1 * np.exp(-ep / 3), epoch=ep)
    up = Series.build("eval/loss", [1.0, 0.8, 0.82, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5], epoch=ep)
    f = by_code(check_all(run_of(train, up)), "TM501")
    assert f and f[0].at.epoch == 3.0
    bump = Series.build("eval/loss", [0.395, 0.415, 0.389], epoch=[1.0, 2.0, 3.0])
    assert not by_code(check_all(run_of(train, bump)), "TM501")


@pytest.mark.rule("TM402", "TM801")
def test_spike_that_recovers_and_gradient_explosion_before_nan():
    steps = np.arange(1, 61, dtype=float)
    loss = np.full(60, 0.5)
    loss[30] = 5.0
    grad = np.r_[np.full(40, 1.0), [30.0, math.nan, math.nan]]
    fs = check_all(
        run_of(Series.build("train/loss", loss, step=steps), Series.build("train/grad_norm", grad, step=steps[:43]))
    )
    sp = by_code(fs, "TM402")
    assert sp and sp[0].at.step == 31 and sp[0].severity == "warning"
    ex = by_code(fs, "TM801")
    assert ex and ex[0].at.step == 41 and ex[0].severity == "error"


@pytest.mark.parametrize("seed", range(12))
def test_healthy_noisy_runs_have_no_warning(seed):
    fs = [f for f in check_all(healthy(seed)) if f.severity != "info"]
    assert fs == []


def test_transient_grad_norm_overflow_is_only_info():
    steps = np.arange(1, 31, dtype=float)
    grad = np.ones(30)
    grad[10] = math.inf  # the fp16 loss scaler skipped one step
    fs = check_all(
        run_of(
            Series.build("train/grad_norm", grad, step=steps),
            Series.build("train/loss", np.linspace(1, 0.5, 30), step=steps),
        )
    )
    assert [f.severity for f in by_code(fs, "TM101")] == ["info"]


def test_every_rule_is_documented():
    from trainmedic.rules.docs import explain, list_rules

    table = list_rules()
    for code in ("TM101", "TM102", "TM201", "TM301", "TM401", "TM501", "TM601", "TM701", "TM801", "TM901"):
        r = get_rule(code)
        assert r is not None and code in table
        text = explain(code)
        assert "rule." not in text  # every catalog key resolved
        assert explain(code, "zh") != text
    assert explain("TM999") is None
