"""Evidence from few evaluations: overfitting in two or three of them (TM501), metrics exactly 0 at every one of them
(TM701), and a loss that climbs as the gradient norm explodes (TM201). Each is read from a log written the way the
framework prints it, beside a healthy twin that must stay quiet."""

import numpy as np
import pytest

import trainmedic


def _diagnose(tmp_path, text, name="train.log"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return trainmedic.diagnose(str(path))


def _of(report, code):
    return [f for f in report.findings if f.code == code]


def _nanogpt(evals, iters_before=8, seed=0):
    """A nanoGPT-style fine-tuning log: per-iteration losses (noisy) and `step N: train loss A, val loss B` lines."""
    rng = np.random.default_rng(seed)
    lines = []
    for step, train, val in evals:
        for it in range(step - iters_before, step):
            lines.append(f"iter {it}: loss {max(0.05, train * (1 + rng.normal(0, 0.35))):.4f}, time 745.50ms")
        lines.append(f"step {step}: train loss {train:.4f}, val loss {val:.4f}")
        lines.append("saving checkpoint to out-finetune")
    return "\n".join(lines) + "\n"


@pytest.mark.rule("TM501")
def test_two_evaluations_val_up_train_down_and_a_large_gap_are_overfitting(tmp_path):
    report = _diagnose(tmp_path, _nanogpt([(600, 1.2031, 2.9512), (900, 0.7120, 3.0950)]))
    (f,) = _of(report, "TM501")
    assert (f.at.step, f.severity, f.symptom) == (900, "warning", "overfitting")
    assert f.facts.rise == pytest.approx(3.095 / 2.9512, rel=1e-3)
    assert "2 evaluations" in f.message.render("en")
    assert report.verdict == "warning"


def test_a_val_loss_that_wobbles_up_with_a_small_gap_is_at_most_info(tmp_path):
    report = _diagnose(tmp_path, _nanogpt([(600, 1.4200, 1.5120), (900, 1.3950, 1.5310)]))
    assert all(f.severity == "info" for f in _of(report, "TM501"))
    assert report.verdict == "healthy"


def test_a_val_loss_a_constant_factor_above_train_with_both_falling_is_healthy(tmp_path):
    report = _diagnose(tmp_path, _nanogpt([(600, 1.0, 3.0), (900, 0.9, 2.7), (1200, 0.8, 2.4)]))
    assert _of(report, "TM501") == []
    assert report.verdict == "healthy"


def _yolov6(epochs, box_loss, cls_loss, maps):
    """A YOLOv6-style console log: a progress line per epoch, then `Epoch: N | mAP@0.5: x | mAP@0.50:0.95: y`."""
    out = []
    for e, box, cls in zip(epochs, box_loss, cls_loss):
        out.append("     Epoch  iou_loss  dfl_loss  cls_loss")
        out.append(f"     {e}/99    {box:.4g}    {box:.4g}   {cls:.4g}: 100%|##########| 212/212 [00:31<00:00,")
        if e in maps:
            out.append("Inferencing model in val datasets.: 100%|#####| 20/20 [00:02<00:00,  9.80it/s]")
            out.append("Evaluating mAP by pycocotools.")
            m = maps[e]
            out.append(f"Epoch: {e} | mAP@0.5: {m} | mAP@0.50:0.95: {round(m * 0.55, 4)}")
        out.append("")
    return "\n".join(out) + "\n"


@pytest.mark.rule("TM701")
def test_map_exactly_zero_at_every_evaluation_with_box_losses_exactly_zero_is_an_error(tmp_path):
    epochs = list(range(20, 32))
    cls = list(np.linspace(0.0231, 0.0174, len(epochs)))
    report = _diagnose(tmp_path, _yolov6(epochs, [0.0] * len(epochs), cls, {e: 0.0 for e in epochs[2::3]}))
    (f,) = _of(report, "TM701")
    assert (f.at.epoch, f.severity, f.symptom) == (22, "error", "degenerate_eval")
    assert f.facts.kind == "zero"
    assert "iou_loss" in f.message.render("en")
    assert report.diagnoses[0].cause == "bad_labels"


def test_map_zero_at_many_evaluations_while_every_loss_moves_is_a_warning(tmp_path):
    epochs = list(range(1, 13))
    box = list(np.linspace(1.9, 1.1, len(epochs)))
    cls = list(np.linspace(2.4, 1.3, len(epochs)))
    report = _diagnose(tmp_path, _yolov6(epochs, box, cls, {e: 0.0 for e in epochs[1::2]}))
    (f,) = _of(report, "TM701")
    assert (f.at.epoch, f.severity) == (2, "warning")


def test_a_detector_at_map_zero_for_its_first_evaluations_then_rising_is_healthy(tmp_path):
    epochs = list(range(0, 10))
    box = list(np.linspace(2.6, 1.2, len(epochs)))
    cls = list(np.linspace(3.1, 1.0, len(epochs)))
    maps = {0: 0.0, 1: 0.0, 2: 0.0031, 3: 0.0214, 4: 0.058, 5: 0.101, 6: 0.152, 7: 0.19, 8: 0.23, 9: 0.26}
    report = _diagnose(tmp_path, _yolov6(epochs, box, cls, maps))
    assert _of(report, "TM701") == []
    assert report.verdict == "healthy"


def _hf_lines(rows):
    """Hugging Face Trainer dict lines: loss, grad_norm, learning_rate, epoch."""
    return "".join(
        f"{{'loss': {loss}, 'grad_norm': {g}, 'learning_rate': 0.0003, 'epoch': {e}}}\n" for loss, g, e in rows
    )


def _climbing_with_explosion(loss_after, grad_after):
    before = [(1.7412, 0.41, 0.01), (0.9133, 0.33, 0.03), (0.6120, 0.29, 0.05), (0.5311, 0.31, 0.07)]
    before += [(0.5102, 0.28, 0.09), (0.5206, 0.30, 0.11)]
    return before + [(loss, g, round(0.13 + 0.02 * i, 2)) for i, (loss, g) in enumerate(zip(loss_after, grad_after))]


@pytest.mark.rule("TM201")
def test_a_loss_that_climbs_as_the_gradient_norm_explodes_and_stays_is_divergence(tmp_path):
    rows = _climbing_with_explosion(
        [0.6912, 0.7533, 0.9841, 0.7102, 0.8875, 0.9320, 0.8041], [1.9, 19.7, 14.2, 26.1, 8.8, 17.5, 21.3]
    )
    report = _diagnose(tmp_path, _hf_lines(rows))
    (d,) = _of(report, "TM201")
    assert (d.at.epoch, d.severity, d.symptom) == (0.13, "warning", "divergence")
    assert "grad_norm" in d.message.render("en")
    assert _of(report, "TM801")


def test_an_explosion_while_the_loss_keeps_falling_is_no_divergence(tmp_path):
    rows = _climbing_with_explosion(
        [0.4911, 0.4720, 0.4533, 0.4402, 0.4310, 0.4188, 0.4071], [1.9, 19.7, 14.2, 26.1, 8.8, 17.5, 21.3]
    )
    assert _of(_diagnose(tmp_path, _hf_lines(rows)), "TM201") == []


def test_a_gradient_spike_with_one_high_loss_is_no_divergence(tmp_path):
    rows = _climbing_with_explosion(
        [0.5012, 0.9931, 0.5120, 0.4983, 0.5057, 0.4902, 0.4966], [0.31, 24.5, 0.35, 0.29, 0.30, 0.33, 0.28]
    )
    report = _diagnose(tmp_path, _hf_lines(rows))
    assert _of(report, "TM201") == [] and _of(report, "TM801") == []
