"""Walking run folders, merging sources of one run without doubling points, sibling runs as references."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from shared_paths import ACCEPTANCE

from trainmedic.errors import InputError
from trainmedic.readers import load_run
from trainmedic.readers.discover import walk


def _case(*parts):
    path = ACCEPTANCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"acceptance artifacts not found at {path}")
    return path


def test_trainer_state_and_console_log_of_the_same_steps_are_not_doubled():
    run = load_run([_case("seed000_lstm_bf16_nan", "output_ft_rnn")])
    formats = [s.format for s in run.sources]
    assert formats[0] == "hf-trainer" and "text-log" in formats
    assert len(run.series["train/loss"]) == 35  # 35 logged steps, once, from trainer_state.json
    assert run.series["train/loss"].values[0] == 1.1817  # the structured value, not the log's rounding
    log = next(s for s in run.sources if s.format == "text-log")
    notes = [n.render("en") if hasattr(n, "render") else str(n) for n in log.notes]
    assert notes == ["5 series already in trainer_state.json: 91 points not doubled, 0 added from here"]


def test_points_only_one_source_has_are_added_on_the_step_axis(tmp_path):
    (tmp_path / "metrics.csv").write_text("epoch,global_step,val_loss\n1,100,2.0\n2,200,1.5\n3,300,1.2\n")
    (tmp_path / "history.jsonl").write_text(
        "\n".join(json.dumps({"epoch": e, "val_loss": v}) for e, v in ((1, 2.01), (2, 1.51), (4, 1.1)))
    )
    run = load_run([tmp_path])
    s = run.series["eval/loss"]
    assert s.epoch.tolist() == [1, 2, 3, 4] and s.values.tolist() == [2.0, 1.5, 1.2, 1.1]
    assert s.step.tolist() == [100, 200, 300, 400]  # placed with the primary's own steps per epoch
    note = next(n for src in run.sources if src.format == "jsonl" for n in src.notes).render("en")
    assert "2 points not doubled" in note and "1 added" in note


def test_sibling_baseline_is_read_as_a_reference():
    run = load_run([_case("seed002_batch_lr_mismatch", "v17_batch48")])
    assert [r.path.rsplit("/", 1)[-1] for r in run.references] == ["v17_baseline"]
    base = run.references[0]
    assert base.config.get("per_device_batch") == 16 and base.config.get("effective_batch") == 64
    assert base.series["eval/loss"].values.tolist() == [112.4, 104.9, 101.7, 100.2, 99.6]
    assert run.config.get("effective_batch") == 192
    assert not base.references  # references are not followed further


def test_unrelated_sibling_folders_are_not_references():
    run = load_run([_case("seed003_rnn_oscillation")])
    assert run.references == []


def test_files_given_explicitly_bring_no_references():
    run = load_run([_case("seed002_batch_lr_mismatch", "v17_batch48", "metrics.csv")])
    assert run.references == []


def test_references_are_bounded_and_need_a_shared_artifact(tmp_path):
    for i in range(6):
        d = tmp_path / f"exp_{i}"
        d.mkdir()
        (d / "metrics.csv").write_text("epoch,loss\n1,1.0\n2,0.5\n")
    (tmp_path / "exp_other").mkdir()
    (tmp_path / "exp_other" / "notes.md").write_text("nothing")
    run = load_run([tmp_path / "exp_0"])
    assert 1 <= len(run.references) <= 3
    assert all("exp_other" not in r.path for r in run.references)


def test_walk_skips_vcs_caches_and_weight_files(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "metrics.csv").write_text("step,loss\n1,1.0\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.csv").write_text("step,loss\n1,1.0\n")
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 1000)
    (tmp_path / "metrics.csv").write_text("step,loss\n1,1.0\n2,0.5\n")
    found = walk(tmp_path)
    assert [p.name for _, p in found] == ["metrics.csv"] and found[0][1].parent == tmp_path


def test_a_broken_file_is_skipped_with_a_note_whether_found_in_a_folder_or_named(tmp_path):
    (tmp_path / "good.csv").write_text("step,loss\n1,1.0\n2,0.5\n")
    (tmp_path / "bad.jsonl").write_text('{"note": "no numbers here"}\n')
    for run in (load_run([tmp_path]), load_run([tmp_path / "good.csv", tmp_path / "bad.jsonl"])):
        assert "train/loss" in run.series
        bad = [s for s in run.sources if s.path.endswith("bad.jsonl")]
        assert len(bad) == 1 and bad[0].skipped and "no numbers" in bad[0].notes[0].render()
    with pytest.raises(InputError, match="bad.jsonl"):
        load_run([tmp_path / "bad.jsonl"])


@pytest.mark.parametrize(
    "setup, reason",
    [
        (lambda d: None, "no training artifact"),
        (lambda d: (d / "readme.md").write_text("# notes\n"), "no training artifact"),
        (lambda d: (d / "model.safetensors").write_bytes(b"\x00" * 64), "no training artifact"),
    ],
)
def test_folders_with_nothing_readable_are_input_errors(tmp_path, setup, reason):
    setup(tmp_path)
    with pytest.raises(InputError, match=reason):
        load_run([tmp_path])


def test_missing_path_and_unknown_binary_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_run([tmp_path / "nope"])
    blob = tmp_path / "blob.dat"
    blob.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(InputError, match="binary"):
        load_run([blob])


def test_cli_on_an_empty_folder_says_one_line_and_exits_2(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "trainmedic", "diagnose", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip().count("\n") == 0 and "no training artifact" in p.stderr


def test_config_keeps_the_first_source_metric_files_then_launch_scripts_then_scripts(tmp_path):
    (tmp_path / "train.py").write_text(
        "from transformers import TrainingArguments\nargs = TrainingArguments(output_dir='o', learning_rate=1e-3)\n"
    )
    (tmp_path / "run.sh").write_text("#!/bin/bash\npython train.py --max_grad_norm 0.5 --lr 2e-4\n")
    (tmp_path / "history.csv").write_text("step,loss\n1,1.0\n2,0.5\n")
    run = load_run([tmp_path / "train.py", tmp_path / "history.csv", tmp_path / "run.sh"])
    assert run.config.get("max_grad_norm") == 0.5  # the launch script, not the library default of train.py
    assert run.config.entry("lr").source.endswith("run.sh")


def test_structured_sources_are_listed_before_a_console_log_found_first(tmp_path):
    (tmp_path / "a_train.log").write_text("".join(f"step {s} | loss: {1.0 / s:.4f}\n" for s in range(1, 6)))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "trainer_state.json").write_text(
        json.dumps({"global_step": 5, "log_history": [{"loss": 1.0 / s, "step": s} for s in range(1, 6)]})
    )
    run = load_run([tmp_path])
    assert [s.format for s in run.sources][:2] == ["hf-trainer", "text-log"]
    assert len(run.series["train/loss"]) == 5


def test_a_sibling_named_baseline_with_the_same_logs_is_a_reference(tmp_path):
    for name, lr in (("batch48", 3e-3), ("baseline", 3e-3), ("sweep", 1e-3)):
        d = tmp_path / name
        (d / "lightning_logs" / "version_0").mkdir(parents=True)
        (d / "console.log").write_text(f"lr: {lr}\n" + "".join(f"step {i} loss {1 / i}\n" for i in range(1, 6)))
    run = load_run([tmp_path / "batch48"])
    assert [r.path.rsplit("/", 1)[-1] for r in run.references] == ["baseline"]  # `sweep` shares no stem
    assert run.references[0].config.get("lr") == 3e-3


def test_a_checkpoint_logged_with_another_machines_path_is_the_folder_found_here(tmp_path):
    out = tmp_path / "output"
    (out / "checkpoint-40").mkdir(parents=True)
    state = {
        "global_step": 40,
        "log_history": [{"loss": 1.0, "step": 20, "epoch": 0.5}, {"loss": 0.9, "step": 40, "epoch": 1.0}],
    }
    (out / "checkpoint-40" / "trainer_state.json").write_text(json.dumps(state))
    (tmp_path / "console.log").write_text(
        "{'loss': 1.0, 'epoch': 0.5}\nSaving model checkpoint to /train/box/output/checkpoint-40\n"
        "{'loss': 0.9, 'epoch': 1.0}\n"
    )
    run = load_run([tmp_path])
    ckpts = [e.data["path"] for e in run.events_of("checkpoint")]
    assert len(ckpts) == 1 and ckpts[0].endswith("output/checkpoint-40") and not ckpts[0].startswith("/train")
