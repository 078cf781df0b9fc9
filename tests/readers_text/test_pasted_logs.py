"""Logs as people paste them into issues: the command line first, then the output; hand-written prints that put the
training numbers first and the test numbers after them on one line."""

from __future__ import annotations

from trainmedic.readers import load_run


def test_a_log_pasted_after_its_command_line_is_read_as_a_log(tmp_path):
    p = tmp_path / "log.txt"
    p.write_text(
        "$ torchrun --standalone --nproc_per_node=8 train.py\n...\n"
        + "".join(f"iter {i}: loss {4.0 - i / 1000:.4f}, time 561.94ms\n" for i in range(1631, 1645))
    )
    run = load_run([p])
    assert len(run.series["train/loss"]) == 14
    assert run.config.get("launcher") == "torchrun" and run.config.get("world_size") == 8


def test_a_saved_launch_command_alone_is_configuration(tmp_path):
    p = tmp_path / "cmd.txt"
    p.write_text("python train.py \\\n  --lr 7.5e-5 \\\n  --per_device_train_batch_size 48\n")
    metrics = tmp_path / "m.csv"
    metrics.write_text("step,loss\n1,2.0\n2,1.9\n3,1.8\n")
    run = load_run([metrics, p])
    assert run.config.get("lr") == 7.5e-5 and run.config.get("per_device_batch") == 48


def test_train_numbers_before_the_test_numbers_on_one_line_stay_training(tmp_path):
    p = tmp_path / "log.txt"
    p.write_text(
        "".join(
            f"Epoch: [{e}/100], Loss: {2.33 - e / 100:.4f}, Accuracy: {10 + e / 10:.4f}, "
            f"Test Loss: {2.31 - e / 200:.4f}, Test Accuracy: 10.0\n"
            for e in range(1, 6)
        )
    )
    run = load_run([p])
    assert {"train/loss", "train/acc", "eval/loss", "eval/acc"} <= set(run.series)
    assert run.series["train/loss"].values[0] == 2.32 and run.series["eval/loss"].values[0] == 2.305
    q = tmp_path / "other.txt"
    q.write_text(
        "".join(
            f"Epoch={e},Loss:{0.7 - e / 10:.4f},Accuracy:{0.5 + e / 20:.4f},Valid Loss:0.5,Valid Accuracy:0.7\n"
            for e in range(1, 4)
        )
    )
    run = load_run([q])
    assert run.series["train/loss"].values[0] == 0.6 and run.series["eval/acc"].values[0] == 0.7
