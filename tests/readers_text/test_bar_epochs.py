"""Progress bars that name no epoch: each completed Keras bar is the end of an epoch (epoch-end lines pasted without
their `Epoch N/M` headers), while a completed bar printed again with the same numbers stays one point."""

from __future__ import annotations

from readers_text_helpers import points

from trainmedic.readers import load_run

BAR = "[==============================]"


def _read(tmp_path, text: str):
    p = tmp_path / "train.log"
    p.write_text(text, encoding="utf-8")
    return load_run([p])


def test_keras_epoch_end_lines_without_headers_are_epochs(tmp_path):
    rows = ((1.8887, 1.8804), (1.9328, 1.9089), (1.9986, 1.9611), (2.0482, 1.9454))
    text = "".join(
        f"370784/370784 {BAR} - 6700s - loss: {lo} - acc: 0.42 - val_loss: {v} - val_acc: 0.40\n" for lo, v in rows
    )
    text += "137856/370784 [==========>...................] - ETA: 4147s - loss: 2.1578 - acc: 0.3390\n"
    run = _read(tmp_path, text)
    loss = run.series["train/loss"]
    assert loss.values.tolist() == [1.8887, 1.9328, 1.9986, 2.0482, 2.1578]
    assert loss.step.tolist() == [370784 * k for k in (1, 2, 3, 4)] + [4 * 370784 + 137856]
    assert loss.epoch.tolist()[:4] == [1.0, 2.0, 3.0, 4.0] and round(loss.epoch[4], 3) == 4.372
    assert points(run.series["eval/loss"])[3] == (4 * 370784, 4.0, 1.9454)


def test_an_epochs_last_print_adding_its_validation_is_the_same_epoch(tmp_path):
    """tf.keras writing to a file prints the last batch's bar, then the same bar with the validation metrics."""
    text = "".join(
        f"100/100 {BAR} - 2s 20ms/step - loss: {lo} - accuracy: {a}\n"
        f"100/100 {BAR} - 2s 20ms/step - loss: {lo} - accuracy: {a} - val_loss: {v}\n"
        for lo, a, v in ((0.9, 0.6, 0.95), (0.7, 0.7, 0.8), (0.5, 0.8, 0.7))
    )
    run = _read(tmp_path, text)
    assert points(run.series["train/loss"]) == [(100, 1.0, 0.9), (200, 2.0, 0.7), (300, 3.0, 0.5)]
    assert run.series["eval/loss"].step.tolist() == [100, 200, 300]


def test_a_completed_tqdm_bar_redrawn_is_one_point(tmp_path):
    """A bar drawn again after a line written above it (tqdm.write) holds the same numbers: the same position."""
    text = (
        "100%|##########| 50/50 [00:05<00:00, 9.8it/s, loss=0.41]\nsaving the model\n"
        "100%|##########| 50/50 [00:05<00:00, 9.8it/s, loss=0.41]\n"
        "100%|##########| 50/50 [00:05<00:00, 9.9it/s, loss=0.35]\n"
    )
    loss = _read(tmp_path, text).series["train/loss"]
    assert loss.step.tolist() == [50, 100] and loss.values.tolist() == [0.41, 0.35]
