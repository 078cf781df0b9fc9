"""Config files that expand (YAML anchors) or are merely wide (60k JSON keys) are read in bounded time."""

from __future__ import annotations

import samples
from budget import assert_clean, run_bounded

from trainmedic.readers import load_run
from trainmedic.readers.config import read_config


def _config_keys(path):
    cfg = read_config(path)
    return {k: (v.value, v.cite()) for k, v in cfg.items()}


def _series_and_notes(folder):
    run = load_run([folder])
    return sorted(run.series), dict(run.config.as_dict())


def test_billion_laughs_yaml_config_is_one_line_input_error(tmp_path):
    path = tmp_path / "train.yaml"
    path.write_text(samples.billion_laughs_yaml())
    assert path.stat().st_size < 600
    out = run_bounded(_config_keys, path, seconds=10, megabytes=100)
    assert_clean(out, "billion laughs")
    assert out.kind == "input_error" and "aliases expand to more than" in out.detail


def test_billion_laughs_hparams_beside_lightning_metrics_still_reads_the_metrics(tmp_path):
    (tmp_path / "metrics.csv").write_text("epoch,step,train_loss\n0,1,1.0\n0,2,0.9\n0,3,0.8\n")
    (tmp_path / "hparams.yaml").write_text(samples.billion_laughs_yaml("mapping"))
    out = run_bounded(_series_and_notes, tmp_path, seconds=20, megabytes=200)
    assert_clean(out, "hparams laughs")
    series, _config = out.value
    assert "train/loss" in series


def test_yaml_node_that_contains_itself_is_refused(tmp_path):
    path = tmp_path / "train.yaml"
    path.write_text("a: &a [1, *a]\nlr: 0.1\n")
    out = run_bounded(_config_keys, path, seconds=10, megabytes=100)
    assert_clean(out, "self-containing node")
    assert out.kind == "input_error" and "aliases expand" in out.detail


def test_anchors_reused_a_few_times_are_read_with_their_lines(tmp_path):
    path = tmp_path / "train.yaml"
    path.write_text("defaults: &d\n  lr: 0.001\n  batch_size: 16\ntrain:\n  <<: *d\n  warmup_steps: 100\n")
    keys = _config_keys(path)
    assert keys["lr"] == (0.001, f"{path}:2")
    assert keys["warmup_steps"][0] == 100


def test_json_config_with_60k_keys_is_linear_and_cites_lines(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(samples.wide_json_config(60_000))
    out = run_bounded(_config_keys, path, seconds=10, megabytes=300)
    assert_clean(out, "wide json")
    assert out.seconds < 10
    keys = out.value
    assert keys["lr"][0] == 0.0003 and keys["warmup_steps"][0] == 500
    assert str(keys["warmup_steps"][1]).endswith(":60003")
