"""The seed runs' logs and scripts give the series, events and config the diagnosis needs."""

from __future__ import annotations

import math

from readers_text_helpers import cli, points

from trainmedic.readers.config import read_config
from trainmedic.readers.textlog import read


def test_seed000_training_log(acceptance):
    run = read(acceptance / "seed000_lstm_bf16_nan" / "output_ft_rnn" / "training_detailed.log")
    loss = points(run.series["train/loss"])
    assert loss[0] == (100, 0.03, 1.2243) and loss[-1][0] == 3500
    assert all(v == 0.0 for s, _, v in loss if s >= 2100) and loss[19][2] == 0.2159
    ev_loss = run.series["eval/loss"]
    assert math.isnan(ev_loss.values[list(ev_loss.step).index(2500)])
    assert run.series["eval/f1"].values[3] == 0.9322 and "eval/acc" in run.series and "train/lr" in run.series
    assert [e.kind for e in run.events] == ["early_stop"] and run.events[0].step == 3500
    cfg = run.config.as_dict()
    assert {k: cfg[k] for k in ("max_len", "precision", "per_device_batch", "world_size", "lr")} == {
        "max_len": 4096,
        "precision": "bf16",
        "per_device_batch": 16,
        "world_size": 5,
        "lr": 2e-05,
    }


def test_seed000_script(acceptance):
    cfg = read_config(acceptance / "seed000_lstm_bf16_nan" / "bertTextRNN_FT.py")
    want = {
        "precision": "bf16",
        "max_len": 4096,
        "max_grad_norm": 0.0,
        "per_device_batch": 16,
        "world_size": 5,
        "early_stopping_patience": 3,
        "num_classes": 14,
        "warmup_steps": 500,
        "lr": 2e-05,
    }
    assert {k: cfg.get(k) for k in want} == want
    assert "nn.LSTM" in cfg.get("recurrent_layers")
    assert cfg.entry("max_grad_norm").line == 40 and cfg.entry("world_size").line == 2


def test_seed001_console_and_script(acceptance):
    case = acceptance / "seed001_frozen_stuck"
    run = read(case / "console.log")
    loss = points(run.series["train/loss"])
    assert loss[0] == (50, 0.125, 1.3955) and (400, 1.0, 1.4099) in loss and len(loss) == 40  # every batch line
    # the epoch summary is a series of its own beside the batch lines, at the end of its epoch
    assert points(run.series["train/loss_epoch"])[0] == (400, 1.0, 1.4018)
    assert points(run.series["train/acc"])[0] == (400, 1.0, 0.2319)
    cfg = run.config
    assert (cfg.get("trainable_params"), cfg.get("total_params"), cfg.get("freeze_layers")) == (260356, 168441604, 9)
    assert (cfg.get("lr"), cfg.get("per_device_batch"), cfg.get("precision")) == (2e-05, 128, "fp16")
    script = read_config(case / "BERT_main.py")
    assert (script.get("num_classes"), script.get("optimizer_params")) == (4, "model.classifier.parameters()")
    assert (script.get("freeze_layers"), script.get("precision"), script.get("lr")) == (9, "fp16", 2e-05)


def test_seed002_log_and_script(acceptance):
    case = acceptance / "seed002_batch_lr_mismatch" / "v17_batch48"
    run = read(case / "train.log")
    assert points(run.series["eval/loss"])[-1] == (None, 5.0, 2360.0)
    for name in ("train/loss", "eval/f1", "eval/precision", "eval/recall", "eval/rare_f1"):
        assert len(run.series[name]) == 5
    ckpts = [(e.epoch, e.data["path"]) for e in run.events if e.kind == "checkpoint"]
    assert ckpts == [(float(n), f"output_v17_memfix/rag_bert.model.ep{n}") for n in range(1, 6)]
    assert (run.config.get("lr"), run.config.get("per_device_batch"), run.config.get("grad_accum")) == (7.5e-05, 48, 4)
    script = read_config(case / "run_v17_batch48.sh")
    assert (script.get("per_device_batch"), script.get("grad_accum"), script.get("lr")) == (48, 4, 7.5e-05)
    assert (script.get("warmup_steps"), script.get("loss")) == (15000, "focal")
    assert script.get("output_path") == "output_v17_memfix/rag_bert.model"


def test_seed003_models(acceptance):
    cfg = read_config(acceptance / "seed003_rnn_oscillation" / "models.py")
    assert (cfg.get("lr"), cfg.get("per_device_batch"), cfg.get("optimizer")) == (0.001, 64, "Adam")
    assert cfg.get("recurrent_layers") == ["nn.RNN"] and cfg.get("clipping") is False


def test_seed004_log_and_script(acceptance):
    case = acceptance / "seed004_nan_degenerate_val"
    run = read(case / "train.log")
    assert points(run.series["train/loss"])[:2] == [(None, 1.0, 0.4974), (None, 2.0, 0.7663)]
    assert math.isnan(run.series["eval/loss"].values[1]) and list(run.series["eval/acc"].values) == [0.0, 1.0, 1.0]
    cfg = run.config
    assert (cfg.get("precision"), cfg.get("world_size"), cfg.get("per_device_batch")) == ("fp16", 2, 4)
    assert (cfg.get("lr"), cfg.get("max_grad_norm")) == (1e-4, 0.0)
    assert any(e.kind == "warning" and "accelerate launch" in e.message for e in run.events)
    script = read_config(case / "run_multi_gpu.sh")
    assert (script.get("world_size"), script.get("precision"), script.get("num_epochs")) == (2, "fp16", 50)


def test_seed004_through_the_cli(acceptance):
    case = acceptance / "seed004_nan_degenerate_val"
    p = cli("diagnose", str(case / "train.log"), str(case / "run_multi_gpu.sh"), "--format", "json")
    assert p.returncode in (0, 1), p.stderr
    assert '"text-log"' in p.stdout and '"eval/acc"' in p.stdout
