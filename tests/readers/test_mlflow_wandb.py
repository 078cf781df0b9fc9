"""MLflow file stores written by mlflow's API, and W&B offline run folders written by wandb itself."""

from __future__ import annotations

import json

from trainmedic.readers import load_run
from trainmedic.readers.wandb import MAGIC


def test_mlruns_store_metrics_and_params(mlruns, snapshot):
    before = snapshot(mlruns)
    run = load_run([mlruns])
    loss = run.series["train/loss"]
    assert loss.step.tolist() == list(range(10)) and loss.values[0] == 1.0 and loss.label == "train_loss"
    assert run.series["eval/acc"].step.tolist() == [0, 3, 6, 9]
    cfg = run.config
    assert cfg.get("lr") == 0.001 and cfg.get("per_device_batch") == 32 and cfg.get("max_grad_norm") == 1.0
    assert cfg.get("optimizer") == "adam"
    assert run.sources[0].format == "mlflow"
    assert snapshot(mlruns) == before


def test_mlflow_run_folder_directly(mlruns):
    run_dir = next(p.parent for p in mlruns.rglob("metrics") if p.is_dir())
    assert len(load_run([run_dir]).series["train/loss"]) == 10


def test_wandb_offline_run_from_the_transaction_log(wandb_run, snapshot):
    before = snapshot(wandb_run)
    run = load_run([wandb_run])
    loss = run.series["train/loss"]
    assert loss.step.tolist() == list(range(8)) and loss.values[1] == 0.5
    assert loss.epoch.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert run.series["eval/acc"].step.tolist() == [3, 7]
    assert run.config.get("lr") == 0.01 and run.config.get("per_device_batch") == 16
    assert run.sources[0].format == "wandb"
    assert snapshot(wandb_run) == before


def test_wandb_folder_with_history_jsonl_and_config_yaml(tmp_path):
    run_dir = tmp_path / "wandb" / "offline-run-20240101_000000-abc"
    (run_dir / "files").mkdir(parents=True)
    rows = [{"_step": i, "_runtime": 1.0, "train/loss": 1.0 / (i + 1)} for i in range(5)]
    (run_dir / "files" / "wandb-history.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    (run_dir / "files" / "config.yaml").write_text("_wandb:\n  value: {}\nlr:\n  desc: null\n  value: 0.02\n")
    run = load_run([tmp_path / "wandb"])
    assert run.series["train/loss"].step.tolist() == [0, 1, 2, 3, 4]
    assert run.config.get("lr") == 0.02 and run.sources[0].format == "wandb"


def test_transaction_log_named_directly(wandb_run):
    log = next(wandb_run.glob("run-*.wandb"))
    assert log.read_bytes().startswith(MAGIC)
    assert len(load_run([log]).series["train/loss"]) == 8
