"""A run whose files do not give the learning rate: the lr cause is named without inventing a value."""

import trainmedic


def _rising(tmp_path):
    rows = ["epoch,train_loss,train_acc"]
    loss = [1.52, 1.21, 1.10, 1.12, 1.16, 1.21, 1.25, 1.30]
    acc = [0.45, 0.57, 0.62, 0.61, 0.60, 0.59, 0.58, 0.56]
    rows += [f"{e},{v},{a}" for e, (v, a) in enumerate(zip(loss, acc), start=1)]
    path = tmp_path / "metrics.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_an_unknown_lr_is_left_unsaid_and_the_first_change_still_lowers_it(tmp_path):
    report = trainmedic.diagnose(_rising(tmp_path))
    top = report.diagnoses[0]
    assert top.cause == "lr_too_high"
    text = report.to_text(width=100)
    conclusion = report.to_dict()["conclusion"]
    assert "?" not in conclusion and "(?)" not in text and "rate ? " not in text
    first = report.prescription.first
    assert first.param is None and "lower the learning rate 2x" in first.action.render("en")
    zh = trainmedic.diagnose(_rising(tmp_path), lang="zh").to_text(width=100)
    assert "学习率过高" in zh and "（?）" not in zh and "学习率 ? " not in zh
