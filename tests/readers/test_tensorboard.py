"""TensorBoard event files written by torch.utils.tensorboard.SummaryWriter."""

from __future__ import annotations

import math

import pytest

from trainmedic.errors import InputError
from trainmedic.readers import load_run


def test_scalars_tags_and_add_scalars_subfolders(tb_logdir, snapshot):
    before = snapshot(tb_logdir)
    run = load_run([tb_logdir])
    loss = run.series["train/loss"]
    assert loss.label == "Loss/train" and loss.step.tolist() == list(range(1, 22))
    assert loss.values[1] == pytest.approx(1.0) and math.isnan(loss.values[-1])
    assert run.series["eval/acc"].step.tolist() == [5, 10, 15, 20]
    assert run.series["train/grad_norm"].values[0] == 2.0
    val = run.series["eval/loss"]  # add_scalars("loss", {"val": ...}) lives in the loss_val/ sub-folder
    assert val.label == "loss/val" and val.values[0] == pytest.approx(0.5)
    assert run.sources[0].format == "tensorboard" and len(run.sources) == 1
    assert snapshot(tb_logdir) == before


def test_single_event_file(tb_logdir):
    event = next(p for p in tb_logdir.iterdir() if "tfevents" in p.name)
    run = load_run([event])
    assert len(run.series["train/loss"]) == 21


def test_damaged_event_file_named_explicitly_is_an_input_error(tmp_path, tb_logdir):
    event = next(p for p in tb_logdir.iterdir() if "tfevents" in p.name)
    bad = tmp_path / event.name
    data = event.read_bytes()
    bad.write_bytes(data[:40] + b"\xff" * 64)
    try:
        run = load_run([bad])
    except InputError as exc:
        assert bad.name in str(exc)
    else:  # the loader stops at the damage: whatever it returns must be the intact prefix
        assert all(len(s) <= 21 for s in run.series.values())


def test_event_file_without_scalars_is_an_input_error(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(tmp_path)) as w:
        w.add_text("note", "hello", 0)
    with pytest.raises(InputError, match="no numbers"):
        load_run([next(tmp_path.glob("*tfevents*"))])
