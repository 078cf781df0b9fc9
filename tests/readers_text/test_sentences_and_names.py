"""Metrics printed as sentences (BigDL's `Loss is Infinity.`), names glued to `loss` (`genloss`, `closs`), the words
a log writes for non-finite numbers wherever a number stands, and detection mAP at IoU thresholds (`mAP@0.5`)."""

from __future__ import annotations

import math

import pytest
from readers_text_helpers import points

from trainmedic.names import normalise
from trainmedic.readers import load_run


def _read(tmp_path, text: str, name: str = "train.log"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return load_run([p])


def _bigdl(epoch: int, seen: int, iteration: int, loss: str, lr: float) -> str:
    return (
        f"2017-08-20 16:11:38 INFO  DistriOptimizer$:295 - [Epoch {epoch} {seen}/1281167][Iteration {iteration}]"
        f"[Wall Clock 1973.834772s] Train 1792 in 4.387814632seconds. Throughput is 408.40378 records/second. "
        f"Loss is {loss}. Current learning rate is {lr}. Current weight decay is 1.0E-4. Current momentum is 0.9.\n"
    )


def test_bigdl_sentences_give_the_loss_the_lr_and_the_iteration(tmp_path):
    text = "".join(
        _bigdl(64, 736512 + 1792 * i, 45457 + i, loss, 0.0462 - i * 1e-6)
        for i, loss in enumerate(("1.2645824", "1.308916", "Infinity", "1.2483193", "NaN"))
    )
    run = _read(tmp_path, text)
    loss = run.series["train/loss"]
    assert loss.step.tolist() == [45457, 45458, 45459, 45460, 45461]  # the iteration, not the records seen
    assert loss.values[:2].tolist() == [1.2645824, 1.308916] and loss.values[2] == math.inf
    assert math.isnan(loss.values[4]) and loss.label == "Loss"
    assert loss.epoch[0] == pytest.approx(63 + 736512 / 1281167)  # records seen of epoch 64
    assert run.series["train/lr"].values[0] == pytest.approx(0.0462)
    assert set(run.series) == {"train/loss", "train/lr"}  # throughput, weight decay and momentum are no curves


def test_sentence_fields_stop_at_a_full_stop(tmp_path):
    """`records/second. Loss is 1.3` holds the loss; the words before the full stop are not part of its name."""
    run = _read(
        tmp_path, "".join(f"Iteration {i}: throughput is 40{i} records/second. Loss is 1.{i}.\n" for i in range(1, 5))
    )
    assert run.series["train/loss"].values.tolist() == [1.1, 1.2, 1.3, 1.4]


def test_names_glued_to_loss_are_losses(tmp_path):
    text = (
        "epoch 430: genloss 166910.765625 latloss 58514.851562\n"
        "epoch 431: genloss 131478.968750 latloss 59600.101562\n"
        "epoch 432: genloss nan latloss nan\n"
    )
    run = _read(tmp_path, text)
    gen = run.series["train/gen_loss"]
    assert gen.label == "genloss" and gen.epoch.tolist() == [430, 431, 432]
    assert gen.values[0] == 166910.765625 and math.isnan(gen.values[2])
    assert math.isnan(run.series["train/lat_loss"].values[2])


@pytest.mark.parametrize(
    "written, name",
    [
        ("genloss", "train/gen_loss"),
        ("closs", "train/c_loss"),
        ("gloss", "train/g_loss"),
        ("d_loss", "train/d_loss"),
        ("BCEloss", "train/bce_loss"),
        ("valloss", "eval/loss"),
        ("ValLoss", "eval/loss"),
        ("IDLoss", "train/id_loss"),
        ("loss", "train/loss"),
        ("lossless", "train/lossless"),
        ("Current learning rate", "train/lr"),
        ("mAP@0.5", "train/map50"),
        ("mAP@.5:.95", "train/map50_95"),
        ("metrics/mAP_0.5:0.95", "train/map50_95"),
        ("mAP@0.75", "train/map75"),
        ("mAP50-95(B)", "train/map50_95"),
    ],
)
def test_metric_names(written, name):
    assert normalise(written) == name


@pytest.mark.parametrize(
    "line",
    [
        "step {s} | loss: {v}",
        "step {s} loss={v}",
        "Step {s} Loss {v}",
        "{{'loss': {v}, 'step': {s}}}",
        "step {s} | Train Loss: {v} | acc: 0.5",
    ],
)
@pytest.mark.parametrize(
    "word, value",
    [
        ("Infinity", math.inf),
        ("-Infinity", -math.inf),
        ("NaN", math.nan),
        ("inf", math.inf),
        ("nan", math.nan),
        ("-inf", -math.inf),
        ("1.#INF", math.inf),
        ("-1.#IND", math.nan),
        ("1.#QNAN", math.nan),
    ],
)
def test_non_finite_words_wherever_a_number_stands(tmp_path, line, word, value):
    text = "".join(line.format(s=s, v=v) + "\n" for s, v in ((1, "0.9"), (2, word), (3, "0.8")))
    loss = _read(tmp_path, text).series["train/loss"]
    assert loss.step.tolist() == [1, 2, 3] and loss.values[0] == 0.9 and loss.values[2] == 0.8
    assert (math.isnan(loss.values[1]) and math.isnan(value)) or loss.values[1] == value


def test_non_finite_words_in_keras_bars_and_tables(tmp_path):
    bars = _read(
        tmp_path,
        "Epoch 1/2\n10/10 [==============================] - 1s - loss: 0.6 - val_loss: Infinity\n"
        "Epoch 2/2\n10/10 [==============================] - 1s - loss: NaN - val_loss: -Infinity\n",
    )
    assert bars.series["eval/loss"].values.tolist() == [math.inf, -math.inf]
    assert math.isnan(bars.series["train/loss"].values[1])
    table = _read(
        tmp_path,
        "epoch | train_loss | val_loss\n-- | -- | --\n1 | 0.5 | inf\n2 | nan | 0.4\n3 | -Infinity | 0.3\n",
        "table.log",
    )
    assert table.series["eval/loss"].values[0] == math.inf and table.series["train/loss"].values[2] == -math.inf
    assert math.isnan(table.series["train/loss"].values[1])


def test_detection_map_at_iou_thresholds_is_an_evaluation(tmp_path):
    text = "".join(
        f"Epoch: {e} | mAP@0.5: {m} | mAP@0.50:0.95: {m / 2}\n" for e, m in ((50, 0.0), (66, 0.25), (67, 0.5))
    )
    run = _read(tmp_path, text)
    assert points(run.series["eval/map50"]) == [(None, 50.0, 0.0), (None, 66.0, 0.25), (None, 67.0, 0.5)]
    assert run.series["eval/map50_95"].values.tolist() == [0.0, 0.125, 0.25]  # not 0.95, the range's upper end
