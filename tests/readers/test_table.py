"""CSV/TSV/JSONL histories: wide and long, several models per file, and the ways real files are messy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shared_paths import ACCEPTANCE

from trainmedic.errors import InputError
from trainmedic.readers import load_run


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_seed003_history_groups_two_models():
    path = ACCEPTANCE / "seed003_rnn_oscillation" / "history.csv"
    if not path.is_file():
        pytest.skip(f"acceptance artifacts not found at {path}")
    run = load_run([path])
    assert set(run.series) == {"cnn2/train/loss", "cnn2/eval/acc", "rnn/train/loss", "rnn/eval/acc"}
    acc = run.series["rnn/eval/acc"]
    assert acc.label == "rnn_test_acc" and acc.axis == "epoch" and len(acc) == 50
    assert acc.values[:2].tolist() == [42.98, 47.1] and acc.epoch[0] == 1
    assert run.sources[0].format == "csv" and run.sources[0].points == 200


def test_seed002_metrics_use_global_step_and_epoch():
    path = ACCEPTANCE / "seed002_batch_lr_mismatch" / "v17_batch48" / "metrics.csv"
    if not path.is_file():
        pytest.skip(f"acceptance artifacts not found at {path}")
    run = load_run([path])
    loss = run.series["eval/loss"]
    assert loss.step.tolist() == [15000, 30000, 45000, 60000, 75000]
    assert loss.epoch.tolist() == [1, 2, 3, 4, 5]
    assert loss.values.tolist() == [110, 355, 1142, 1817, 2360]
    assert run.series["train/lr"].values[0] == 7.5e-5
    assert {"eval/f1", "eval/precision", "eval/recall", "eval/rare_f1", "train/loss"} <= set(run.series)


def test_messy_csv_blank_lines_percent_quotes_nan_bom_and_repeated_header(tmp_path):
    text = (
        '\ufeffstep,Train Loss,Val Acc,note\n\n1,"0.9",50%,start\n2,nan,55.5%,x\n\n'
        'step,Train Loss,Val Acc,note\n3,Infinity,"1,234",y\n4,0.5,,z\n'
    )
    run = load_run([_write(tmp_path, "log.csv", text)])
    loss = run.series["train/loss"]
    assert loss.step.tolist() == [1, 2, 3, 4]
    assert loss.values[0] == 0.9 and math.isnan(loss.values[1]) and math.isinf(loss.values[2])
    acc = run.series["eval/acc"]
    assert acc.values.tolist() == [50.0, 55.5, 1234.0] and acc.step.tolist() == [1, 2, 3]  # blank cell: no point
    assert acc.label == "Val Acc"
    assert not any("note" in name for name in run.series)


def test_tsv_and_semicolon_tables(tmp_path):
    for name, sep in (("h.tsv", "\t"), ("h.csv", ";")):
        run = load_run([_write(tmp_path, name, f"epoch{sep}loss{sep}val_loss\n1{sep}2.0{sep}2.5\n2{sep}1.0{sep}1.5\n")])
        assert run.series["eval/loss"].values.tolist() == [2.5, 1.5]


def test_long_format_with_step_metric_value(tmp_path):
    text = "step,metric,value\n1,loss,1.0\n1,val_acc,0.5\n2,loss,0.8\n3,loss,0.7\n3,val_acc,0.6\n"
    run = load_run([_write(tmp_path, "long.csv", text)])
    assert run.series["train/loss"].values.tolist() == [1.0, 0.8, 0.7]
    assert run.series["eval/acc"].step.tolist() == [1, 3]


def test_utf16_csv(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes("iteration,loss\n10,0.5\n20,0.4\n".encode("utf-16"))
    assert load_run([path]).series["train/loss"].step.tolist() == [10, 20]


def test_jsonl_nested_keys_step_and_cut_last_line(tmp_path):
    text = (
        '{"step": 1, "train": {"loss": 1.0}, "lr": 0.001}\n'
        '{"step": 2, "train": {"loss": NaN}, "val": {"acc": 0.7}}\n'
        '{"step": 3, "train": {"loss": 0.5}\n'
    )
    run = load_run([_write(tmp_path, "history.jsonl", text)])
    loss = run.series["train/loss"]
    assert loss.step.tolist() == [1, 2] and math.isnan(loss.values[1])
    assert run.series["eval/acc"].values.tolist() == [0.7]
    assert run.series["train/lr"].values.tolist() == [0.001]
    assert run.sources[0].format == "jsonl"


def test_large_table_streams_in_chunks(tmp_path):
    n = 120_000
    steps = np.arange(n)
    lines = "\n".join(f"{s},{1.0 / (s + 1):.6g}" for s in steps)
    run = load_run([_write(tmp_path, "big.csv", "global_step,loss\n" + lines + "\n")])
    assert len(run.series["train/loss"]) == n and run.series["train/loss"].step[-1] == n - 1


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\n\n  \n", "empty"),
        ("words.csv", b"a,b,c\nx,y,z\n", "no numbers"),
        ("noheader.csv", b"1,2,3\n4,5,6\n", "no header"),
        ("binary.csv", b"\x00\x01\x02\x03PK\x00\x00" * 50, "binary"),
        ("words.jsonl", b'{"a": "x"}\n{"b": "y"}\n', "no numbers"),
    ],
)
def test_unreadable_tables_are_input_errors(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=reason):
        load_run([path])
