"""Every console-log style we claim to read gives the series, steps and epochs a user would read off the log."""

from __future__ import annotations

import math

from readers_text_helpers import DATA, points

from trainmedic.readers import textlog
from trainmedic.readers.textlog import read


def test_prefixed_lines_numbers_events_and_header_config():
    run = read(DATA / "prefixed.log")
    loss = points(run.series["train/loss"])
    assert [p[0] for p in loss] == [10, 20, 30]
    assert loss[0][2] == 2.31  # the running mean in parentheses is not the value
    assert math.isnan(run.series["train/loss"].values[1]) and run.series["train/loss"].values[2] == math.inf
    assert list(run.series["train/lr"].values) == [1.2e-05, 1234.0, 6.7]
    assert run.series["train/grad_norm"].values[0] == -math.inf
    assert points(run.series["eval/f1"]) == [(30, None, 87.5)]  # `F1:` on an eval line is eval/f1
    assert "eval/acc" in run.series  # `Accuracy` -> acc
    kinds = [(e.kind, e.step) for e in run.events]
    assert ("warning", 30) in kinds and ("early_stop", 30) in kinds
    cfg = run.config
    assert (cfg.get("lr"), cfg.get("per_device_batch"), cfg.get("world_size"), cfg.get("precision")) == (
        3e-05,
        8,
        2,
        "bf16",
    )
    assert cfg.entry("max_len").line == 1 and cfg.get("recurrent_layers") == ["nn.LSTM"]
    assert "train/max_len" not in run.series  # settings are config, not a curve


def test_hf_trainer_dict_lines_and_checkpoint():
    run = read(DATA / "hf.log")
    assert points(run.series["train/loss"]) == [(None, 0.1, 0.5), (None, 0.2, 0.4)]
    assert math.isnan(run.series["train/grad_norm"].values[0])
    assert run.series["train/lr"].values[0] == 2e-05
    assert points(run.series["eval/loss"]) == [(None, 0.2, 0.45)]
    assert "eval/runtime" not in run.series
    (ev,) = run.events
    assert (ev.kind, ev.step, ev.data["path"]) == ("checkpoint", 200, "out/checkpoint-200")


def test_keras_epoch_lines_and_progress_bars():
    run = read(DATA / "keras.log")
    assert points(run.series["train/loss"]) == [(50, 0.5, 0.6), (100, 1.0, 0.5), (200, 2.0, 0.31)]
    assert points(run.series["eval/acc"]) == [(100, 1.0, 0.78), (200, 2.0, 0.87)]
    assert run.config.get("num_epochs") == 3


def test_fairseq_progress_summary_and_valid_lines():
    run = read(DATA / "fairseq.log")
    assert points(run.series["train/loss"]) == [(100, 0.1, 4.5), (1000, 1.0, 4.25)]
    assert points(run.series["eval/loss"]) == [(1000, 1.0, 3.9)]
    assert "train/grad_norm" in run.series  # gnorm


def test_megatron_iterations():
    run = read(DATA / "megatron.log")
    assert points(run.series["train/loss"]) == [(100, None, 6.9), (200, None, 6.1)]  # `lm loss`
    assert list(run.series["train/loss_scale"].values) == [65536.0, 32768.0]
    assert list(run.series["train/grad_norm"].values) == [2.1, 2.0]
    assert run.config.get("max_steps") == 500000
    assert not any("skipped" in n or "consumed" in n for n in run.series)


def test_mmcv_and_mmengine():
    run = read(DATA / "mmcv.log")
    assert points(run.series["train/loss"]) == [(50, 0.1, 0.53), (100, 0.2, 0.48)]
    assert "train/loss_cls" in run.series
    assert any(n.startswith("eval/") for n in run.series)  # Epoch(val) lines are evaluations
    assert not any("time" in n or "memory" in n for n in run.series)


def test_torchvision_metric_logger():
    run = read(DATA / "tv.log")
    loss = points(run.series["train/loss"])
    assert [(p[0], p[2]) for p in loss] == [(10, 2.2), (390, 1.9)]  # epoch [0] counts from 0
    assert 0 < loss[0][1] < 0.05
    assert run.series["eval/acc"].values[-1] == 31.13  # Acc@1 of the test summary
    assert len(run.series["train/loss"]) == 2  # `Test: [0/79]` partial evaluations are not train points


def test_glog_prefix():
    run = read(DATA / "glog.log")
    assert points(run.series["train/loss"]) == [(100, None, 0.5), (200, None, 0.45)]


def test_tqdm_keeps_the_last_refresh_and_reads_the_glued_line():
    run = read(DATA / "tqdm.log")
    assert points(run.series["train/loss"]) == [(400, 1.0, 1.38)]
    assert points(run.series["eval/loss"]) == [(400, 1.0, 1.2)]


def test_interleaved_ranks_keep_rank0_without_doubles():
    run = read(DATA / "ranks.log")
    assert points(run.series["train/loss"]) == [(10, None, 0.8), (20, None, 0.6)]
    assert "rank 0" in run.sources[0].notes[0].render("en")


def test_markdown_table_quoted_and_csv_rows_with_blank_lines():
    run = read(DATA / "tables.log")
    assert points(run.series["eval/acc"]) == [(None, 1.0, 0.5), (None, 2.0, 0.6)]
    assert points(run.series["train/loss"]) == [(None, 1.0, 0.5), (None, 2.0, 0.4)]
    assert list(run.series["train/acc"].values) == [0.8, 0.85]


def test_batch_lines_and_epoch_summaries_stay_apart(tmp_path):
    p = tmp_path / "console.log"
    p.write_text(
        "Epoch 1/2 | Batch 50/100 | Loss: 1.5\nEpoch 1/2 | Batch 100/100 | Loss: 1.4\n"
        "Epoch 1: Loss=1.45, Acc=0.31\nEpoch 2/2 | Batch 50/100 | Loss: 1.2\nEpoch 2: Loss=1.2, Acc=0.5\n"
    )
    run = read(p)
    # every batch line is a point of the per-step series; the epoch summaries (the epoch's mean) are their own series,
    # placed at the end of their epoch so that both line up
    assert points(run.series["train/loss"]) == [(50, 0.5, 1.5), (100, 1.0, 1.4), (150, 1.5, 1.2)]
    assert points(run.series["train/loss_epoch"]) == [(100, 1.0, 1.45), (200, 2.0, 1.2)]
    assert points(run.series["train/acc"]) == [(100, 1.0, 0.31), (200, 2.0, 0.5)]


def test_sections_json_strings_ansi_and_duplicates(tmp_path):
    p = tmp_path / "run.out"
    p.write_text(
        "\x1b[32mEP1 train: loss=2.0 | val: loss=3.0 f1=0.5\x1b[0m\n"
        "EP1 train: loss=2.0 | val: loss=3.0 f1=0.5\n"
        '{"step": 5, "loss": "0.25", "eval_acc": "0.75"}\n'
        "saved ckpt/model.ep1\n"
    )
    run = read(p)
    assert points(run.series["eval/f1"]) == [(None, 1.0, 0.5)]  # printed twice, one point
    assert (5, None, 0.25) in points(run.series["train/loss"])  # numbers inside JSON strings
    assert run.series["eval/acc"].values[0] == 0.75
    ev = run.events[-1]
    assert (ev.kind, ev.epoch, ev.data["path"]) == ("checkpoint", 1.0, "ckpt/model.ep1")


def test_sniff_claims_logs_and_gives_way_to_structured_files(tmp_path):
    metrics = b"step 1 loss 0.5\nstep 2 loss 0.4\nstep 3 loss 0.3\n"
    assert textlog.sniff(tmp_path / "train.log", b"") > 0
    assert textlog.sniff(tmp_path / "stdout", metrics) > 0
    assert textlog.sniff(tmp_path / "notes", b"hello world\n") == 0
    assert textlog.sniff(tmp_path / "metrics.csv", b"epoch,loss\n1,0.5\n") == 0
    assert textlog.sniff(tmp_path / "trainer_state.json", b'{"log_history": []}') == 0
    assert textlog.sniff(tmp_path / "run.sh", b"python train.py --lr 1e-4\n") == 0
