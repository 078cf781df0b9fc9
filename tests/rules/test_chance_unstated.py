"""A run at chance when nothing states the class count: a loss pinned at ln K names K by itself (TM307), and an
accuracy frozen at one class's share while every loss is flat says the model answers one class (TM308). Each beside
the healthy twins they must leave alone: a loss passing through ln 10, a plateau that is no ln K, a fine-tune that
starts near ln 2 and falls, a slow fall through ln 22, a frozen accuracy while the train loss falls."""

import math

import pytest

import trainmedic
from trainmedic import cli


def caffe_log(tmp_path, batch_losses, smoothed=None, every=20):
    lines = []
    for i, loss in enumerate(batch_losses):
        it = i * every
        shown = loss if smoothed is None else smoothed[i]
        lines += [
            f"I0515 11:05:31.873651 37636 solver.cpp:239] Iteration {it} (1.02 iter/s, 19.4s/{every} iters), "
            f"loss = {shown}",
            f"I0515 11:05:31.873690 37636 solver.cpp:258]     Train net output #0: loss = {loss} (* 1 = {loss} loss)",
            f"I0515 11:05:31.873761 37636 sgd_solver.cpp:112] Iteration {it}, lr = 0.01",
        ]
    path = tmp_path / "caffe.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def step_log(tmp_path, losses, start=1, name="train.log"):
    lines = [f"2024-03-02 10:00:{i % 60:02d},001:INFO: step {start + i} loss {v}" for i, v in enumerate(losses)]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def keras_log(tmp_path, rows, samples=880, val=220):
    lines = [f"Train on {samples} samples, validate on {val} samples"]
    for e, (loss, acc, val_loss, val_acc) in enumerate(rows, start=1):
        lines += [
            f"Epoch {e}/{len(rows) + 1}",
            f"{samples}/{samples} [==============================] - 540s - loss: {loss:.4f} - acc: {acc:.4f} - "
            f"val_loss: {val_loss:.4f} - val_acc: {val_acc:.4f}",
        ]
    path = tmp_path / "keras.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def findings(path, code):
    report = trainmedic.diagnose(path)
    return report, [f for f in report.findings if f.code == code]


@pytest.mark.rule("TM307")
def test_a_caffe_loss_pinned_at_ln_1000_names_1000_classes(tmp_path):
    path = caffe_log(tmp_path, [6.91161, 6.90776, 6.90776, 6.90776], smoothed=[6.91161, 6.90501, 6.90635, 6.90681])
    report, found = findings(path, "TM307")
    assert len(found) == 1
    f = found[0]
    assert f.severity.value == "warning" and f.symptom == "stuck_at_chance"
    assert f.at.step == 20 and f.until.step == 60
    assert f.facts.k == 1000 and f.facts.k_source == "loss_level"
    text = f.message.render("en")
    assert "ln 1000" in text and "1000 classes" in text
    assert "1000 个类别" in f.message.render("zh")
    assert report.verdict == "warning"
    assert cli.main(["diagnose", str(path), "--format", "json", "--fail-on", "warning"]) == 1


@pytest.mark.rule("TM307")
def test_a_per_epoch_loss_that_settles_on_ln_10_is_at_chance(tmp_path):
    path = step_log(tmp_path, [2.3297, 2.30749, 2.30413, 2.30376, 2.30371])
    _, found = findings(path, "TM307")
    assert len(found) == 1 and found[0].severity.value == "warning"
    assert found[0].facts.k == 10 and found[0].at.step == 2


@pytest.mark.rule("TM307")
def test_a_noisy_binary_loss_around_ln_2_without_a_trend_is_said_at_info_level(tmp_path):
    losses = [0.845, 0.706, 0.718, 0.772, 0.732, 0.763, 0.690, 0.703, 0.746, 0.950, 0.717]
    losses += [0.712, 0.700, 0.717, 0.715, 0.694, 0.706, 0.672, 0.714, 0.746, 0.697, 0.704]
    path = step_log(tmp_path, losses, start=5)
    report, found = findings(path, "TM307")
    assert len(found) == 1
    f = found[0]
    assert f.severity.value == "info" and f.facts.k == 2 and f.at.step == 5
    assert "ln 2" in f.message.render("en") and "too noisy" in f.message.render("en")
    assert report.verdict == "healthy"


def test_a_loss_passing_through_ln_10_on_its_way_down_is_healthy(tmp_path):
    losses = [2.91, 2.62, 2.41, 2.3026, 2.19, 1.98, 1.71, 1.52, 1.33, 1.21, 1.12, 1.05]
    report, found = findings(step_log(tmp_path, losses), "TM307")
    assert not found and report.verdict == "healthy"
    # ending right at ln 10 after such a fall is still no pin: the loss was far above it
    report, found = findings(step_log(tmp_path, [2.91, 2.62, 2.41, 2.3031, 2.3026, 2.3024], name="b.log"), "TM307")
    assert not found


def test_a_plateau_that_is_no_ln_k_is_healthy(tmp_path):
    flat = [1.2512, 1.2498, 1.2505, 1.2491, 1.2503, 1.2497, 1.2509, 1.2494]  # exp() = 3.49: between ln 3 and ln 4
    report, found = findings(step_log(tmp_path, flat), "TM307")
    assert not found and report.verdict == "healthy"


def test_a_fine_tune_that_starts_near_ln_2_and_falls_is_healthy(tmp_path):
    start = [0.701, 0.694, 0.712, 0.689, 0.703, 0.698, 0.706, 0.692, 0.699, 0.695]
    fall = [0.69 - 0.02 * i + 0.01 * ((i * 7) % 3) for i in range(1, 26)]
    report, found = findings(step_log(tmp_path, start + fall), "TM307")
    assert not found and report.verdict == "healthy"


def test_a_slow_steady_fall_through_ln_22_is_not_a_pin(tmp_path):
    ln22 = math.log(22)
    tail = [round(ln22 + 0.003 - 0.0011 * i, 5) for i in range(8)]  # 0.0011 per epoch, through ln 22 at epoch 3
    report, found = findings(step_log(tmp_path, tail), "TM307")
    assert not found and report.verdict == "healthy"


def test_a_loss_printed_too_coarsely_to_tell_k_from_k_plus_1_names_no_k(tmp_path):
    _, found = findings(step_log(tmp_path, [3.4, 3.4, 3.4, 3.4]), "TM307")  # 3.4 is ln 29.96, or ln 28.5-31.5
    assert not found


FOUR_IMBALANCED = [
    (1.3444, 0.4500, 1.2752, 0.4455),
    (1.2624, 0.4750, 1.2802, 0.4455),
    (1.2637, 0.4750, 1.2712, 0.4455),
    (1.2484, 0.4750, 1.2623, 0.4455),
]


@pytest.mark.rule("TM308")
def test_an_accuracy_frozen_at_the_majority_share_while_nothing_moves_is_one_class_answered(tmp_path):
    report, found = findings(keras_log(tmp_path, FOUR_IMBALANCED), "TM308")
    assert len(found) == 1
    f = found[0]
    assert f.severity.value == "warning" and f.symptom == "stuck_at_chance"
    assert f.at.epoch == 1 and f.until.epoch == 4
    assert f.facts.share == pytest.approx(0.4455) and f.facts.evaluations == 4
    assert f.facts.floor == pytest.approx(-math.log(0.4455), abs=1e-3)
    assert "answers one class" in f.message.render("en")
    assert report.verdict == "warning"


def test_a_frozen_accuracy_while_the_train_loss_falls_is_not_one_class_answered(tmp_path):
    rows = [(0.5103, 0.8631, 2.7296, 0.5676), (0.2492, 0.9315, 6.5856, 0.5676), (0.2925, 0.9324, 6.6323, 0.5676)]
    rows += [(0.3018, 0.9120, 6.6323, 0.5676), (0.1650, 0.9463, 6.6284, 0.5676), (0.1100, 0.9584, 6.6323, 0.5676)]
    report, found = findings(keras_log(tmp_path, rows), "TM308")
    assert not found
    assert "TM701" in {f.code for f in report.findings}  # the eval side's matter


def test_a_converged_run_whose_accuracy_repeats_below_the_constant_floor_is_healthy(tmp_path):
    rows = [(0.0612, 0.9811, 0.0701, 0.9790), (0.0598, 0.9815, 0.0699, 0.9790)]
    rows += [(0.0605, 0.9813, 0.0702, 0.9790), (0.0601, 0.9816, 0.0700, 0.9790)]
    report, found = findings(keras_log(tmp_path, rows), "TM308")  # a constant answer scores at least 0.103
    assert not found


def test_an_accuracy_printed_with_two_decimals_repeats_by_rounding(tmp_path):
    lines = [
        f"epoch {e}: loss={loss} val_loss={loss + 0.01} val_acc=0.45" for e, loss in enumerate([1.26, 1.25, 1.26, 1.25])
    ]
    path = tmp_path / "train.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, found = findings(path, "TM308")
    assert not found
