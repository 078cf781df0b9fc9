"""Hostile and damaged input: reading is linear in the input with a bounded number of series, never hangs, and an
unusable number is dropped with a note instead of a traceback or a point sorted last. Each case runs the command a
user would, with a generous time limit (no timing assertion beyond finishing)."""

from __future__ import annotations

import json
import random
import string
import subprocess
import sys

from trainmedic.readers import load_run
from trainmedic.readers.textlog_buffer import MAX_SERIES

LIMIT_S = 120  # generous: these took minutes or never ended before reading was made linear


def _diagnose(*paths) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "trainmedic", "diagnose", *map(str, paths), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=LIMIT_S,
    )


def _random_text(n_bytes: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    words = [
        "loss",
        "acc",
        "lr",
        "epoch",
        "step",
        "val",
        "nan",
        "inf",
        "grad_norm",
        "=",
        ":",
        "|",
        ",",
        "[",
        "]",
        "(",
        "{",
        "'",
        "%",
        "/",
    ]
    out, size = [], 0
    while size < n_bytes:
        toks = [
            rng.choice(words)
            if rng.random() < 0.3
            else str(round(rng.uniform(-1e3, 1e3), rng.randint(0, 6)))
            if rng.random() < 0.5
            else "".join(rng.choice(string.ascii_letters + "_.-") for _ in range(rng.randint(1, 10)))
            for _ in range(rng.randint(1, 30))
        ]
        out.append(" ".join(toks))
        size += len(out[-1]) + 1
    return "\n".join(out)


def test_random_text_is_read_with_a_bounded_number_of_series(tmp_path):
    p = tmp_path / "random.log"
    p.write_text(_random_text(2_000_000))
    proc = _diagnose(p)
    assert proc.returncode in (0, 1, 2) and "Traceback" not in proc.stderr
    run = load_run([p])
    assert len(run.series) <= 2 * MAX_SERIES  # a per-step and a per-epoch series at most per name kept
    assert any("series were kept" in n.render() for n in run.sources[0].notes)


def test_a_100_mb_single_line_finishes(tmp_path):
    p = tmp_path / "one_line.log"
    chunk = _random_text(1_000_000, seed=1).replace("\n", " ")
    with open(p, "w") as fh:
        for _ in range(100):
            fh.write(chunk)
    proc = _diagnose(p)
    assert proc.returncode in (0, 1, 2) and "Traceback" not in proc.stderr


def test_overflowing_and_huge_steps_in_jsonl_are_dropped_with_a_note(tmp_path):
    p = tmp_path / "history.jsonl"
    rows = [
        '{"step": 1, "loss": 1.0}',
        '{"step": 2, "loss": 0.9}',
        '{"step": 1e400, "loss": 50.0}',
        '{"step": ' + "9" * 400 + ', "loss": 60.0}',
        '{"step": 3, "loss": 0.8}',
    ]
    p.write_text("\n".join(rows) + "\n")
    run = load_run([p])
    loss = run.series["train/loss"]
    assert loss.step.tolist() == [1, 2, 3] and loss.values.tolist() == [1.0, 0.9, 0.8]  # never sorted last
    assert any("not a usable number" in n.render() for n in run.sources[0].notes)
    assert _diagnose(p).returncode in (0, 1)


def test_a_5000_digit_integer_in_trainer_state_is_one_line(tmp_path):
    p = tmp_path / "trainer_state.json"
    p.write_text('{"log_history": [{"loss": 1.0, "step": 1}, {"loss": ' + "7" * 5000 + ', "step": 2}]}')
    proc = _diagnose(p)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_a_csv_with_400_model_groups_is_diagnosed(tmp_path):
    rng = random.Random(0)
    cols = ["epoch"] + [f"m{i}_{m}" for i in range(400) for m in ("train_loss", "test_acc")]
    lines = [",".join(cols)] + [
        ",".join([str(e)] + [f"{rng.uniform(0.1, 2):.4f}" for _ in cols[1:]]) for e in range(30)
    ]
    p = tmp_path / "groups.csv"
    p.write_text("\n".join(lines) + "\n")
    proc = _diagnose(p)
    assert proc.returncode in (0, 1), proc.stderr
    assert len(json.loads(proc.stdout)["runs"][0]["series"]) == 800
