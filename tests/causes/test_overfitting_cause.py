"""The overfitting cause: its numbers come from the finding that found it, and keeping the best model is written in
the run's framework."""

import trainmedic

EPOCHS = 30


def _curves():
    train = [2.0 * 0.8**e for e in range(EPOCHS)]
    val = [1.0 - 0.05 * e if e <= 8 else 0.6 + 0.04 * (e - 8) for e in range(EPOCHS)]
    return train, val


def _lightning(tmp_path):
    train, val = _curves()
    rows = ["epoch,step,train_loss,val_loss"]
    for e in range(EPOCHS):
        rows.append(f"{e},{(e + 1) * 100 - 1},{train[e]:.5f},")
        rows.append(f"{e},{(e + 1) * 100 - 1},,{val[e]:.5f}")
    d = tmp_path / "lightning_logs" / "version_0"
    d.mkdir(parents=True)
    (d / "metrics.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return d / "metrics.csv"


def _keras_memorising(tmp_path):
    # the train loss goes to ~0 while the val loss, far above it, stops improving
    lines = []
    for e in range(1, EPOCHS + 1):
        loss = 1.2 * 0.7**e
        val = max(0.40, 1.0 - 0.1 * e) + (0.001 * (e % 3) if e > 6 else 0.0)
        lines += [
            f"Epoch {e}/{EPOCHS}",
            f"1500/1500 [==============================] - 3s 2ms/step - loss: {loss:.6f} - accuracy: "
            f"{min(0.999, 0.6 + 0.02 * e):.4f} - val_loss: {val:.4f} - val_accuracy: {0.90 if e <= 8 else 0.89:.4f}",
        ]
    path = tmp_path / "keras.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cause(report):
    return next(d for d in report.diagnoses if d.cause == "overfitting_capacity")


def test_a_lightning_run_is_told_to_keep_the_best_model_with_lightnings_callbacks(tmp_path):
    report = trainmedic.diagnose(_lightning(tmp_path))
    fix = _cause(report).fixes[0].action.render("en")
    assert "ModelCheckpoint(monitor='val_loss', mode='min')" in fix and "load_best_model_at_end" not in fix
    assert "minimum 0.6" in _cause(report).fixes[0].why.render("en")  # the val loss's own minimum, at epoch 8


def test_memorisation_names_the_numbers_it_found_and_no_trainer_argument_of_another_framework(tmp_path):
    report = trainmedic.diagnose(_keras_memorising(tmp_path))
    assert any(f.code == "TM502" for f in report.findings)
    text = report.to_text(width=100)
    assert "?" not in _cause(report).explanation.render("en") and "minimum ?" not in text
    assert "load_best_model_at_end" not in text
    # Keras' own progress bars say who wrote the log: the fix is Keras code
    assert "EarlyStopping(monitor='val_loss', patience=3, restore_best_weights=True)" in text
    assert "has not improved since" in _cause(report).explanation.render("en")
    assert "val_loss stops improving from step" in report.to_dict()["conclusion"]  # it stalls: it need not rise
    zh = trainmedic.diagnose(_keras_memorising(tmp_path), lang="zh").to_text(width=100)
    assert "最小值 ?" not in zh and "自" in zh
