"""An eval loss that rises while the eval set's task metric still improves (TM501 at info level), read from a
``trainer_state.json`` written the way the HF Trainer saves it, beside a twin whose metric got worse (a warning)."""

import json

import pytest

import trainmedic


def _whisper_state(tmp_path, evals, metric="eval_wer"):
    """A speech-recognition fine-tune: a train loss every 25 steps falling towards 0 and an evaluation every 1000
    steps with its eval loss and ``metric``."""
    history = []
    for step in range(25, 5001, 25):
        history.append({"epoch": round(step / 409, 2), "learning_rate": 1e-5, "loss": round(0.9 / (1 + step / 60), 4)})
        history[-1]["step"] = step
        if step in evals:
            loss, value = evals[step]
            history.append({"epoch": round(step / 409, 2), "eval_loss": loss, metric: value, "step": step})
    state = {"global_step": 5000, "log_history": history, "max_steps": 5000}
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return trainmedic.diagnose(str(path))


LOSSES = [0.3075, 0.3558, 0.4214, 0.4519, 0.4679]


@pytest.mark.rule("TM501")
def test_eval_loss_up_while_wer_falls_is_info_naming_the_metric(tmp_path):
    wer = [34.63, 33.13, 32.59, 32.01, 31.87]
    report = _whisper_state(tmp_path, dict(zip(range(1000, 5001, 1000), zip(LOSSES, wer))))
    (f,) = [f for f in report.findings if f.code == "TM501"]
    assert (f.severity, f.at.step) == ("info", 2000)
    text = f.message.render("en")
    assert "eval_wer went on improving (34.63 at the minimum, 31.87 at the end)" in text
    assert report.verdict == "healthy"


@pytest.mark.rule("TM501")
def test_eval_loss_up_while_wer_also_worsens_stays_a_warning(tmp_path):
    wer = [34.63, 35.40, 36.90, 37.50, 38.20]
    report = _whisper_state(tmp_path, dict(zip(range(1000, 5001, 1000), zip(LOSSES, wer))))
    (f,) = [f for f in report.findings if f.code == "TM501"]
    assert f.severity == "warning"
    assert "went on improving" not in f.message.render("en")
    assert report.verdict == "warning"


@pytest.mark.rule("TM501")
def test_a_wer_that_peaked_and_fell_back_a_little_is_overfitting_again(tmp_path):
    wer = [0.7888, 0.7478, 0.7432, 0.7443, 0.7449]
    report = _whisper_state(tmp_path, dict(zip(range(1000, 5001, 1000), zip(LOSSES, wer))))
    (f,) = [f for f in report.findings if f.code == "TM501"]
    assert (f.severity, f.at.step) == ("warning", 2000)
    assert report.verdict == "warning"


@pytest.mark.rule("TM501")
def test_eval_accuracy_that_rises_with_the_eval_loss_is_the_same_story(tmp_path):
    acc = [0.861, 0.872, 0.874, 0.879, 0.880]
    report = _whisper_state(tmp_path, dict(zip(range(1000, 5001, 1000), zip(LOSSES, acc))), metric="eval_accuracy")
    (f,) = [f for f in report.findings if f.code == "TM501"]
    assert f.severity == "info"
    assert "eval_accuracy went on improving" in f.message.render("en")
    assert "模型对答错的样本变得过于自信" in f.message.render("zh")
