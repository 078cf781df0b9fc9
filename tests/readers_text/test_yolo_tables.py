"""Detectors' epoch tables: YOLO's console header and rows described by a tqdm bar (v5 to v8, refreshes and cut bars
included), the `Epoch: 50 | mAP@0.5: ...` evaluation lines, a headerless results.txt, and compact pipe tables
(`epoch|mem|...` over `-|-|-` with `0/299` epoch cells) in a log and in a Markdown document."""

from __future__ import annotations

import pytest
from readers_text_helpers import points

from trainmedic.readers import load_run


def _read(tmp_path, text: str, name: str = "train.log"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return load_run([p])


def _bar(b: int, n: int) -> str:
    return f"{100 * b // n:3d}%|{'█' * (10 * b // n):10s}| {b}/{n} [00:0{b}<00:0{n - b},  2.18it/s]"


def test_yolov5_console_rows_under_their_header(tmp_path):
    out = []
    for e, box, obj, cls in ((0, 0.04506, 0.06813, 0.02316), (1, 0.04335, 0.06645, 0.02087)):
        out.append("\n      Epoch   gpu_mem       box       obj       cls    labels  img_size")
        refreshes = [
            f"\r{e:>10}/99     3.33G {box + 0.001 * (8 - b):>9.4g} {obj:>9.4g} {cls:>9.4g}        75       "
            f"640: {_bar(b, 8)}"
            for b in range(9)
        ]
        out.append("".join(refreshes))  # every refresh of the epoch's bar on one physical line
        out.append(
            "               Class     Images     Labels          P          R     mAP@.5 mAP@.5:.95: " + _bar(4, 4)
        )
        out.append(f"                 all        128        929      0.652      0.573      0.{627 + e}      0.417")
    run = _read(tmp_path, "\n".join(out) + "\n")
    assert points(run.series["train/box_loss"]) == [(None, 1.0, 0.04506), (None, 2.0, 0.04335)]  # the last refresh
    assert run.series["train/obj_loss"].values.tolist() == [0.06813, 0.06645]
    assert run.series["train/cls_loss"].label == "cls"
    assert set(run.series) == {"train/box_loss", "train/obj_loss", "train/cls_loss"}  # no memory, label count, size


def test_yolov6_rows_with_cut_bars_and_map_lines(tmp_path):
    text = ""
    for e, cls in ((43, 0.01125), (44, 0.01102), (45, 0.01084)):
        text += (
            f"\n     Epoch  iou_loss  dfl_loss  cls_loss\n     {e}/99         0         0   {cls}: 100%|██████████| "
            f"106/106 [00:16<00:00,\nInferencing model in train datasets.: {_bar(11, 11)}\n\n"
            f"Evaluating mAP by pycocotools.\nEpoch: {e} | mAP@0.5: 0.0 | mAP@0.50:0.95: 0.0\n"
        )
    run = _read(tmp_path, text)
    assert points(run.series["train/cls_loss"]) == [(None, 43.0, 0.01125), (None, 44.0, 0.01102), (None, 45.0, 0.01084)]
    assert run.series["train/iou_loss"].values.tolist() == [0.0, 0.0, 0.0]
    assert points(run.series["eval/map50"]) == [(None, 43.0, 0.0), (None, 44.0, 0.0), (None, 45.0, 0.0)]
    assert run.series["eval/map50_95"].epoch.tolist() == [43.0, 44.0, 45.0]


def test_yolov8_rows_count_epochs_from_one(tmp_path):
    text = "".join(
        f"      Epoch    GPU_mem   box_loss   cls_loss   dfl_loss  Instances       Size\n"
        f"      {e}/100      2.61G      {box}      1.452      1.171        193        640: {_bar(8, 8)}\n"
        for e, box in ((1, 1.215), (2, 1.187))
    )
    run = _read(tmp_path, text)
    assert points(run.series["train/box_loss"]) == [(None, 1.0, 1.215), (None, 2.0, 1.187)]
    assert "train/dfl_loss" in run.series and not any("instances" in n or "size" in n for n in run.series)


def test_yolo_results_txt_without_a_header(tmp_path):
    text = (
        "      0/99     3.33G   0.04506   0.06813   0.02316    0.1364        75       640    0.6517    0.5728    "
        "0.6271    0.4172   0.03912   0.04467   0.01226\n"
        "      1/99     3.52G   0.04335   0.06645   0.02087    0.1307        97       640    0.6611    0.5801    "
        "0.6392    0.4301   0.03811   0.04402   0.01185\n"
    )
    run = _read(tmp_path, text, "results.txt")
    assert points(run.series["train/loss"]) == [(None, 1.0, 0.1364), (None, 2.0, 0.1307)]  # the total of the parts
    assert run.series["eval/map50"].values.tolist() == [0.6271, 0.6392]
    assert run.series["eval/box_loss"].values.tolist() == [0.03912, 0.03811]
    assert run.series["eval/precision"].values[0] == 0.6517 and run.series["eval/recall"].values[1] == 0.5801
    assert len(run.series) == 10  # nothing from the memory, the label count, the size, or the ambiguous 12th column


COMPACT = (
    "epoch|mem|box|obj|cls|total|targets|img_size|map\n-|-|-|-|-|-|-|-|-\n"
    "0/299|7.17G| 3.28| 2.15|0.816| 6.25|    5|  576|0.623|\n"
    "1/299|7.35G| 3.46| 1.92|0.969| 6.35|    5|  512|0.647|\n"
    "2/299|7.19G| 3.84| 1.85| 1.33| 7.02|    5|  384|0.629|\n"
)


@pytest.mark.parametrize(
    "name, text",
    [
        ("results.txt", COMPACT),
        ("question.md", "# mAP falls during training?\n\nMy results.txt:\n\n" + COMPACT + "\nIs this normal?\n"),
    ],
)
def test_compact_pipe_tables_with_epoch_counts(tmp_path, name, text):
    run = _read(tmp_path, text, name)
    assert points(run.series["train/loss"]) == [(None, 1.0, 6.25), (None, 2.0, 6.35), (None, 3.0, 7.02)]
    assert points(run.series["eval/map"])[1] == (None, 2.0, 0.647)  # mAP is measured on held-out data
    assert run.series["train/box_loss"].values.tolist() == [3.28, 3.46, 3.84]
    assert not any("mem" in n or "targets" in n or "img_size" in n for n in run.series)
