"""A gradient norm that jumps and stays up while the loss stops falling names the step size, with the lr the run
logged when its config is not among the files."""

import trainmedic


def _run(tmp_path):
    rows = ["step,train_loss,grad_norm,lr"]
    for s in range(1, 121):
        lr = 5e-4 * min(1.0, s / 10)
        if s <= 80:
            loss, norm = 1.4 - 0.01 * s, 0.25 + 0.02 * ((s * 7) % 5)
        else:
            loss = 0.62 + 0.03 * ((s * 3) % 7)
            norm = 18.0 + ((s * 5) % 9)  # 70x its level, and it stays there
        rows.append(f"{s},{loss:.4f},{norm:.4f},{lr:.6g}")
    path = tmp_path / "metrics.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_gradient_explosion_that_stays_up_is_blamed_on_the_logged_lr(tmp_path):
    report = trainmedic.diagnose(_run(tmp_path))
    assert any(f.code == "TM801" and f.severity.value == "warning" for f in report.findings)
    top = report.diagnoses[0]
    assert top.cause == "lr_too_high"
    first = report.prescription.first
    assert (first.param, first.from_, first.to) == ("lr", 5e-4, 2.5e-4)
    assert "the peak of the logged learning rate" in top.explanation.render("en")
    assert "日志中学习率的峰值" in top.explanation.render("zh")


def test_the_trainers_dict_lines_say_the_run_is_the_trainers_and_the_fix_is_a_training_argument(tmp_path):
    lines = []
    for s in range(1, 121):
        loss = 1.4 - 0.01 * s if s <= 80 else 0.62 + 0.03 * ((s * 3) % 7)
        norm = 0.25 + 0.02 * ((s * 7) % 5) if s <= 80 else 18.0 + ((s * 5) % 9)
        lr = 5e-4 * min(1.0, s / 10)
        lines.append(
            f"{{'loss': {loss:.4f}, 'grad_norm': {norm:.4f}, 'learning_rate': {lr:.6g}, 'epoch': {s / 400:.2f}}}"
        )
    path = tmp_path / "train.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = trainmedic.diagnose(path)
    first = report.prescription.first
    assert (first.param, first.to) == ("lr", 2.5e-4)
    assert first.code == "TrainingArguments(learning_rate=0.00025)"
