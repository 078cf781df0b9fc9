"""Every input is classified and accounted for: what holds no metrics never ends the diagnosis, what cannot be used
is named with the reason, and reading fails (exit 2, one line) only when nothing gives metrics."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from trainmedic.errors import InputError
from trainmedic.readers import load_run
from trainmedic.run import InputKind

HF_LOG = "".join(
    str({"loss": 2.0 - i / 10, "learning_rate": 3e-05, "epoch": round(i / 30, 2)}) + "\n" for i in range(12)
)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "trainmedic", "diagnose", *args], capture_output=True, text=True, timeout=120
    )


def _by_name(run) -> dict:
    return {os.path.basename(s.path): s for s in run.sources}


def test_launch_command_readme_and_checkpoint_beside_a_log(tmp_path):
    (tmp_path / "console.log").write_text(HF_LOG)
    (tmp_path / "cmd.txt").write_text(
        "CUDA_VISIBLE_DEVICES=0,1 torchrun --nproc_per_node 2 train.py \\\n"
        "  --learning_rate 3e-5 --per_device_train_batch_size 8 --bf16 --warmup_steps 100\n"
    )
    (tmp_path / "README.md").write_text("# My run\n\nThe loss became NaN at step 5, see the plot.\n")
    (tmp_path / "model.pt").write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    run = load_run([tmp_path / n for n in ("console.log", "cmd.txt", "README.md", "model.pt")])
    sources = _by_name(run)
    assert {n: s.role for n, s in sources.items()} == {
        "console.log": InputKind.METRICS,
        "cmd.txt": InputKind.CONFIG,
        "README.md": InputKind.DOCUMENT,
        "model.pt": InputKind.CHECKPOINT,
    }
    assert sources["README.md"].skipped and "document" in sources["README.md"].notes[0].render()
    assert (run.config.get("lr"), run.config.get("world_size"), run.config.get("precision")) == (3e-05, 2, "bf16")
    assert run.config.entry("lr").cite().endswith("cmd.txt:2")
    assert len(run.series["train/loss"]) == 12


def test_the_report_lists_every_input_with_its_kind_and_notes(tmp_path):
    (tmp_path / "console.log").write_text(HF_LOG)
    (tmp_path / "README.md").write_text("Just prose about the loss, which became NaN.\n")
    p = _cli(str(tmp_path / "console.log"), str(tmp_path / "README.md"), "--format", "json")
    assert p.returncode in (0, 1), p.stderr
    report = json.loads(p.stdout)
    kinds = {os.path.basename(r["path"]): r["role"] for r in report["runs"]}
    assert kinds == {"console.log": "metrics", "README.md": "document"}
    assert any("README.md" in n and "document" in n for n in report["notes"])
    assert not any(f["symptom"] == "nonfinite" for f in report["findings"])


def test_markdown_is_never_a_log_but_its_pasted_history_table_is_read(tmp_path):
    prose = tmp_path / "notes.md"
    prose.write_text(
        "# Notes\n\nAt epoch 3 the loss was nan and accuracy: 0.5 or so.\n\n```bash\npython train.py\n```\n"
    )
    p = _cli(str(prose))
    assert p.returncode == 2 and "document" in p.stderr and p.stderr.count("\n") == 1
    table = tmp_path / "issue.md"
    table.write_text(
        "My Keras history:\n\n| epoch | loss | val_loss |\n|---|---|---|\n| 1 | 0.9 | 0.8 |\n"
        "| 2 | 0.7 | 0.8 |\n| 3 | 0.5 | 0.9 |\n\nWhy does val_loss rise?\n"
    )
    run = load_run([table])
    assert run.series["eval/loss"].values.tolist() == [0.8, 0.8, 0.9] and run.sources[0].format == "markdown"


def test_a_lightning_console_of_progress_bars_only_is_read(tmp_path):
    log = tmp_path / "lightning.log"
    log.write_text(
        "".join(
            f"Epoch 0:  14%|█▍        | {b}/704 [00:44<04:29,  2.24it/s, v_num=11, train_loss={v}]\n"
            for b, v in ((100, 4.6), (101, 4.6), (102, 4.599))
        )
    )
    run = load_run([log])
    assert len(run.series["train/loss"]) == 3


def test_nothing_readable_among_several_paths_is_one_line_naming_each(tmp_path):
    (tmp_path / "cmd.txt").write_text("python train.py --lr 0.1\n")
    (tmp_path / "README.md").write_text("prose only\n")
    p = _cli(str(tmp_path / "cmd.txt"), str(tmp_path / "README.md"))
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert "README.md" in p.stderr and "no metrics" in p.stderr


def test_a_broken_file_inside_a_folder_is_noted_in_the_report(tmp_path):
    (tmp_path / "metrics.csv").write_text("step,loss\n1,1.0\n2,0.9\n3,0.8\n")
    (tmp_path / "broken.jsonl").write_text('{"step": 1, "loss"\n')
    report = json.loads(_cli(str(tmp_path), "--format", "json").stdout)
    assert any("broken.jsonl" in n for n in report["notes"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_fifo_named_directly_never_blocks(tmp_path):
    fifo = tmp_path / "pipe.log"
    os.mkfifo(fifo)
    p = _cli(str(fifo))
    assert p.returncode == 2 and "not a regular file" in p.stderr
    (tmp_path / "metrics.csv").write_text("step,loss\n1,1.0\n2,0.9\n")
    run = load_run([fifo, tmp_path / "metrics.csv"])
    assert _by_name(run)["pipe.log"].skipped and "train/loss" in run.series


def test_symlink_loops_inside_a_folder_and_named(tmp_path):
    (tmp_path / "metrics.csv").write_text("step,loss\n1,1.0\n2,0.9\n")
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    os.symlink(tmp_path, tmp_path / "parent_link")
    run = load_run([tmp_path])
    assert "train/loss" in run.series
    with pytest.raises(InputError, match="links back to itself|leads back to itself"):
        load_run([tmp_path / "loop"])


def test_framework_config_files_give_the_run_config(tmp_path):
    from trainmedic.readers.config import read_config

    ultra = tmp_path / "args.yaml"
    ultra.write_text(
        "task: detect\nmodel: yolov8s.yaml\nepochs: 25\npatience: 50\nbatch: 16\nlr0: 0.01\n"
        "optimizer: SGD\namp: true\nwarmup_epochs: 3.0\n"
    )
    cfg = read_config(ultra)
    assert (cfg.get("lr"), cfg.get("per_device_batch"), cfg.get("num_epochs"), cfg.get("precision")) == (
        0.01,
        16,
        25,
        "fp16",
    )
    assert cfg.entry("lr").line == 6
    d2 = tmp_path / "config.yaml"
    d2.write_text(
        "MODEL:\n  ROI_HEADS:\n    NUM_CLASSES: 1\nSOLVER:\n  BASE_LR: 0.00025\n  IMS_PER_BATCH: 2\n"
        "  MAX_ITER: 300\n  WARMUP_ITERS: 100\n  CHECKPOINT_PERIOD: 100\nTEST:\n  EVAL_PERIOD: 50\n"
    )
    cfg = read_config(d2)
    assert (cfg.get("num_classes"), cfg.get("lr"), cfg.get("effective_batch"), cfg.get("max_steps")) == (
        1,
        0.00025,
        2,
        300,
    )
    assert (cfg.get("warmup_steps"), cfg.get("save_steps"), cfg.get("eval_steps")) == (100, 100, 50)
    lf = tmp_path / "sft.yaml"
    lf.write_text(
        "per_device_train_batch_size: 1\ngradient_accumulation_steps: 8\nlearning_rate: 1.0e-5\n"
        "num_train_epochs: 7\nlr_scheduler_type: cosine\nbf16: true\nlogging_steps: 10\ncutoff_len: 4096\n"
    )
    cfg = read_config(lf)
    assert (cfg.get("grad_accum"), cfg.get("scheduler"), cfg.get("max_len"), cfg.get("logging_steps")) == (
        8,
        "cosine",
        4096,
        10,
    )
