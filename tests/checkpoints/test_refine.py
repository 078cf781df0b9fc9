"""Weight-based triage refines the log-based checkpoint advice without contradicting it."""

from __future__ import annotations

from trainmedic.checkpoints import refine


def test_finite_weights_do_not_make_a_checkpoint_saved_after_the_failure_healthy():
    logs = {"broken": ["out/checkpoint-25", "out/checkpoint-50"], "last_healthy": None, "resume": "restart"}
    weights = {"broken": [], "last_healthy": "out/checkpoint-50", "resume": "resume from checkpoint-50"}
    merged = refine(logs, weights)
    assert merged["last_healthy"] is None
    assert merged["resume"] == "restart"
    assert merged["broken"] == ["out/checkpoint-25", "out/checkpoint-50"]


def test_nan_weights_move_the_last_healthy_checkpoint_back():
    logs = {"broken": ["out/checkpoint-30"], "last_healthy": "out/checkpoint-20", "resume": "from 20"}
    weights = {
        "broken": ["out/checkpoint-20", "out/checkpoint-30"],
        "last_healthy": "out/checkpoint-10",
        "resume": "from 10",
    }
    merged = refine(logs, weights)
    assert merged["last_healthy"] == "out/checkpoint-10"
    assert "out/checkpoint-20" in merged["broken"]


def test_checkpoint_folders_without_weights_are_named_as_such(tmp_path):
    import subprocess
    import sys

    (tmp_path / "out" / "checkpoint-20").mkdir(parents=True)
    (tmp_path / "out" / "checkpoint-20" / "trainer_state.json").write_text('{"global_step": 20, "log_history": []}')
    p = subprocess.run(
        [sys.executable, "-m", "trainmedic", "checkpoints", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 2
    assert "hold no weights" in p.stderr and len(p.stderr.strip().splitlines()) == 1
