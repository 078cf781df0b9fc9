"""Hugging Face Trainer artifacts: a real tiny run's output dir, the seed-000 checkpoints, real trainer states."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import numpy as np
import pytest
from shared_paths import ACCEPTANCE, REALWORLD

from trainmedic.errors import InputError
from trainmedic.readers import hf, load_run


def test_real_output_dir_series_match_the_log_history(hf_output, snapshot):
    before = snapshot(hf_output)
    run = load_run([hf_output])
    history = json.loads((hf_output / "trainer_state.json").read_text())["log_history"]
    train = [e for e in history if "loss" in e]
    assert list(run.series["train/loss"].values) == pytest.approx([e["loss"] for e in train])
    assert list(run.series["train/loss"].step) == [e["step"] for e in train]
    assert list(run.series["train/grad_norm"].epoch) == pytest.approx([e["epoch"] for e in train])
    assert len(run.series["train/lr"]) == len(train)
    for evalset in ("a", "b"):
        s = run.series[f"eval/{evalset}/loss"]
        assert list(s.step) == [e["step"] for e in history if f"eval_{evalset}_loss" in e]
        assert s.label == f"eval_{evalset}_loss"
    assert not any("runtime" in name or "train_loss" in name for name in run.series)
    assert snapshot(hf_output) == before  # nothing written into the user's folder


def test_real_output_dir_config_comes_from_state_training_args_and_model_config(hf_output):
    cfg = load_run([hf_output]).config
    assert cfg.get("lr") == 3e-4 and cfg.get("grad_accum") == 2 and cfg.get("per_device_batch") == 4
    assert cfg.get("max_grad_norm") == 0.0 and cfg.get("clipping") is False
    assert cfg.get("scheduler") == "cosine" and cfg.get("warmup_steps") == 2 and cfg.get("weight_decay") == 0.01
    assert cfg.get("precision") == "fp32" and cfg.get("seed") == 7 and cfg.get("world_size") == 1
    assert cfg.get("logging_nan_inf_filter") is True
    assert cfg.get("effective_batch") == 8
    assert cfg.get("model_family") == "bert" and cfg.get("num_classes") == 3
    assert cfg.get("max_position_embeddings") == 32
    assert cfg.get("early_stopping_patience") == 2 and cfg.get("logging_steps") == 2
    assert cfg.entry("lr").source.endswith("training_args.bin")


def test_real_output_dir_checkpoints_become_events(hf_output):
    run = load_run([hf_output])
    ckpts = run.events_of("checkpoint")
    assert [e.step for e in ckpts] == [4, 8, 12]
    assert ckpts[0].data["path"].endswith("checkpoint-4")


def test_checkpoint_folder_alone_is_readable(hf_output):
    run = load_run([hf_output / "checkpoint-8"])
    assert run.series["train/loss"].step.max() == 8
    assert run.sources[0].format == "hf-trainer"


def test_seed000_nan_tokens_newest_checkpoint_and_early_stop():
    out = ACCEPTANCE / "seed000_lstm_bf16_nan" / "output_ft_rnn"
    if not out.is_dir():
        pytest.skip(f"acceptance artifacts not found at {out}")
    run = hf.read_dir(out)
    grad = run.series["train/grad_norm"]
    assert np.isnan(grad.values[grad.step >= 2100]).all() and np.isfinite(grad.values[grad.step <= 2000]).all()
    loss = run.series["train/loss"]
    assert (loss.values[loss.step >= 2100] == 0.0).all()
    assert math.isnan(run.series["eval/loss"].values[-1]) and run.series["eval/f1"].values[-1] == 0.0233
    assert run.series["train/loss"].step.max() == 3500  # the newest of seven checkpoints
    assert "checkpoint-3500" in run.sources[0].notes[0]
    stop = run.events_of("early_stop")
    assert len(stop) == 1 and stop[0].step == 3500 and stop[0].data == {"patience": 3, "counter": 3}
    assert run.config.get("best_model_checkpoint") == "output_ft_rnn/checkpoint-2000"
    assert run.config.get("best_global_step") == 2000 and run.config.get("best_metric") == 0.9322
    assert [e.step for e in run.events_of("checkpoint")] == [500, 1000, 1500, 2000, 2500, 3000, 3500]


@pytest.mark.parametrize(
    "case", ["029_hf_trainer_state_lora_distilbert_imdb_healthy", "030_hf_trainer_state_multi_eval_overfit_30ep"]
)
def test_realworld_trainer_states(case):
    path = REALWORLD / case / "trainer_state.json"
    if not path.is_file():
        pytest.skip(f"real-world trainer states not found at {path}")
    run = load_run([path])
    history = json.loads(path.read_text())["log_history"]
    assert len(run.series["train/loss"]) == sum("loss" in e for e in history)
    if case.startswith("030"):
        for g in range(6):
            s = run.series[f"eval/g{g}/loss"]
            assert len(s) == 31 and s.step[0] == 0 and s.values[0] > s.values[1]  # the step-0 evaluation
        assert run.config.get("per_device_batch") == 4 and run.config.get("num_epochs") == 30
    else:
        assert list(run.series["eval/loss"].epoch) == [1.0, 2.0, 3.0]


def _state(entries, **top):
    return json.dumps(
        {"global_step": entries[-1]["step"] if entries else 0, "log_history": entries, **top}, indent=2, sort_keys=True
    )


def test_streaming_matches_json_load_on_a_large_state(tmp_path):
    entries = []
    for i in range(1, 20001):
        entries.append(
            {
                "epoch": i / 1000,
                "grad_norm": float("nan") if i % 997 == 0 else 1.0 + i % 5,
                "learning_rate": 1e-5,
                "loss": 1.0 / i,
                "step": i,
            }
        )
        if i % 250 == 0:
            entries.append({"epoch": i / 1000, "eval_loss": float("inf") if i == 5000 else 0.5, "step": i})
    path = tmp_path / "trainer_state.json"
    path.write_text(_state(entries))
    run = hf.read_file(path)
    assert len(run.series["train/loss"]) == 20000 and len(run.series["eval/loss"]) == 80
    assert run.series["train/loss"].values[-1] == 1.0 / 20000
    assert np.isnan(run.series["train/grad_norm"].values[996])
    assert np.isinf(run.series["eval/loss"].values[19])


def test_resumed_checkpoint_newer_than_top_level_state_adds_its_points(tmp_path):
    out = tmp_path / "out"
    (out / "checkpoint-40").mkdir(parents=True)
    first = [{"loss": 1.0, "step": 10}, {"loss": 0.9, "step": 20}]
    (out / "trainer_state.json").write_text(_state(first))
    (out / "checkpoint-40" / "trainer_state.json").write_text(
        _state(first + [{"loss": 0.5, "step": 30}, {"loss": 0.4, "step": 40}])
    )
    run = load_run([out])
    assert list(run.series["train/loss"].step) == [10, 20, 30, 40]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty"),
        ('{"log_history": [{"loss": 1.0, "step": 1}', "not valid JSON"),
        ('{"global_step": 3}', "no log_history"),
        ("[1, 2, 3]", "not valid JSON"),
        ('{"log_history": []}', "no numbers"),
        ('{"log_history": [{"step": 1, "note": "x"}]}', "no numbers"),
    ],
)
def test_broken_trainer_state_is_an_input_error(tmp_path, text, reason):
    path = tmp_path / "trainer_state.json"
    path.write_text(text)
    with pytest.raises(InputError, match=reason):
        load_run([path])


def test_state_holding_only_the_end_summary_is_a_healthy_run_with_nothing_to_judge(tmp_path):
    # logging_steps beyond the run's length: the Trainer logged nothing but its end-of-run summary.
    summary = {
        "epoch": 3.0,
        "num_input_tokens_seen": 2468931,
        "step": 768,
        "total_flos": 2.07e18,
        "train_loss": 0.9732094605763754,
        "train_runtime": 5980.69,
        "train_samples_per_second": 14.427,
        "train_steps_per_second": 0.128,
    }
    path = tmp_path / "trainer_state.json"
    path.write_text(
        json.dumps(
            {"global_step": 768, "epoch": 3.0, "logging_steps": 996, "max_steps": 768, "log_history": [summary]},
            indent=2,
        )
    )
    p = subprocess.run(
        [sys.executable, "-m", "trainmedic", "diagnose", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["verdict"] == "healthy" and not report["findings"]
    assert "no curve to judge" in report["conclusion"]  # not "no problem in 0 series"
    assert any("only the end-of-run summary" in n and "0.9732" in n for n in json.dumps(report).split('"'))
    run = load_run([path])
    assert not run.series and run.events_of("end")[0].step == 768


def test_cli_reports_the_hf_source_in_json(hf_output, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(hf_output, out, ignore=shutil.ignore_patterns("*.safetensors", "*.pt", "*.pth"))
    p = subprocess.run(
        [sys.executable, "-m", "trainmedic", "diagnose", str(out), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode in (0, 1), p.stderr
    runs = json.loads(p.stdout)["runs"]
    assert runs[0]["format"] == "hf-trainer" and "eval/a/loss" in runs[0]["series"]
    assert runs[0]["config"]["lr"] == 3e-4


def test_total_params_from_the_weights_header_match_the_model(hf_output):
    from transformers import BertForSequenceClassification

    run = load_run([hf_output])
    model = BertForSequenceClassification.from_pretrained(hf_output)
    assert run.config.get("total_params") == sum(p.numel() for p in model.parameters())
    assert run.config.entry("total_params").source.endswith("model.safetensors")
