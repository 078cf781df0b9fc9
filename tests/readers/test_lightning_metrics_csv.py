"""Lightning CSVLogger output written by a real tiny Lightning run."""

from __future__ import annotations

import csv

import pytest

from trainmedic.readers import load_run
from trainmedic.readers.lightning import load_yaml


def _rows(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def test_sparse_metrics_csv_becomes_step_and_epoch_series(lightning_version, snapshot):
    before = snapshot(lightning_version)
    run = load_run([lightning_version])
    rows = _rows(lightning_version / "metrics.csv")
    step_rows = [r for r in rows if r["train_loss_step"]]
    loss = run.series["train/loss"]
    assert loss.label == "train_loss_step"
    assert loss.step.tolist() == [float(r["step"]) for r in step_rows]
    assert loss.values.tolist() == pytest.approx([float(r["train_loss_step"]) for r in step_rows])
    assert len(run.series["train/loss_epoch"]) == 3 and run.series["train/loss_epoch"].epoch.tolist() == [0, 1, 2]
    val = run.series["eval/loss"]
    assert len(val) == 3 and val.values.tolist() == pytest.approx([float(r["val_loss"]) for r in rows if r["val_loss"]])
    assert len(run.series["eval/acc"]) == 3
    assert run.sources[0].format == "lightning-csv"
    assert snapshot(lightning_version) == before


def test_hparams_yaml_fills_the_config(lightning_version):
    run = load_run([lightning_version / "metrics.csv"])
    assert run.config.get("lr") == 0.05 and run.config.get("per_device_batch") == 8
    assert run.config.entry("lr").source.endswith("hparams.yaml")


def test_lightning_logs_parent_folder_is_walked(lightning_version):
    run = load_run([lightning_version.parent])
    assert run.sources[0].format == "lightning-csv" and "train/loss" in run.series


def test_python_tags_in_hparams_are_read_as_plain_values(tmp_path):
    path = tmp_path / "hparams.yaml"
    path.write_text(
        "args: !!python/object:argparse.Namespace\n  lr: 0.001\n  batch_size: 32\n"
        "sched: !!python/name:torch.optim.lr_scheduler.StepLR ''\nprecision: bf16-mixed\n"
    )
    data = load_yaml(path)
    assert data["args"] == {"lr": 0.001, "batch_size": 32} and data["precision"] == "bf16-mixed"
    (tmp_path / "metrics.csv").write_text("epoch,step,train_loss_epoch,val_loss\n0,9,1.0,\n0,9,,1.2\n")
    run = load_run([tmp_path / "metrics.csv"])
    assert run.config.get("lr") == 0.001 and run.config.get("precision") == "bf16"
    assert run.series["train/loss"].values.tolist() == [1.0]  # only the per-epoch column: it is the loss


def test_hparams_output_activation_is_config(tmp_path):
    from trainmedic.readers.lightning import read_hparams
    from trainmedic.run import Run

    path = tmp_path / "hparams.yaml"
    path.write_text("batch_size: 32\nloss: CrossEntropyLoss\noutput_activation: softmax\n")
    run = Run()
    read_hparams(path, run)
    assert run.config.get("output_activation") == "softmax" and run.config.get("per_device_batch") == 32
