"""The live log is buffered, yet a run killed outright (SIGKILL: no handler, no flush) leaves a log that holds
every guard action and loses at most the last FLUSH_RECORDS - 1 healthy steps, or the steps of the last
FLUSH_SECONDS; and `trainmedic diagnose` reads what is left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("torch")

from trainmedic.live.records import FLUSH_RECORDS  # noqa: E402
from trainmedic.readers import load_run  # noqa: E402

NAN_STEP = 30  # the optimizer step whose batch holds a NaN: skipped, and the log flushed at once
FAST_STEPS = 250  # healthy steps, as fast as the loop goes
SLOW_SECONDS = 0.3  # then a pause longer than the flush interval the script sets ...
LATE_STEPS = 5  # ... and a few more steps before the kill

SCRIPT = textwrap.dedent(
    """
    import os, signal, sys, time
    import torch
    import trainmedic
    from trainmedic.live import records

    records.FLUSH_SECONDS = {interval}
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    loss_fn = lambda m, b: torch.nn.functional.cross_entropy(m(b[0]), b[1])
    monitor = trainmedic.Monitor(model, opt, policy="skip", loss_fn=loss_fn, log_path=sys.argv[1], announce=False)
    x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))
    for step in range(1, {stop} + 1):
        batch = (x.clone(), y)
        if step == {nan_step}:
            batch[0][3, 2] = float("nan")
        loss = loss_fn(model, batch)
        loss.backward()
        monitor.step(loss, batch)
        opt.zero_grad()
        if step == {fast}:
            time.sleep({pause})
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _killed(tmp_path: Path, stop: int) -> list:
    """The records of the log of a run killed right after step ``stop``."""
    log = tmp_path / f"live-{stop}.jsonl"
    script = SCRIPT.format(interval=SLOW_SECONDS / 2, fast=FAST_STEPS, stop=stop, nan_step=NAN_STEP, pause=SLOW_SECONDS)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", script, str(log)], env=env, capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    records = [json.loads(line) for line in log.read_text().splitlines()]  # no line cut in half
    assert records[0]["type"] == "header"
    return records


def test_a_run_killed_right_after_the_guard_acted_has_that_action_on_disk(tmp_path):
    records = _killed(tmp_path, NAN_STEP)
    steps = [r["step"] for r in records if r["type"] == "step"]
    assert steps == list(range(1, NAN_STEP + 1))  # the skipped step and every step before it
    assert [r["step"] for r in records if r.get("kind") == "skip"] == [NAN_STEP]


def test_a_killed_run_loses_at_most_a_bounded_tail_of_healthy_steps(tmp_path):
    records = _killed(tmp_path, FAST_STEPS + LATE_STEPS)
    steps = [r["step"] for r in records if r["type"] == "step"]
    assert steps == list(range(1, len(steps) + 1))  # nothing lost in the middle
    assert [r["step"] for r in records if r.get("kind") == "skip"] == [NAN_STEP]
    last = FAST_STEPS + LATE_STEPS
    # The pause made the first step after it flush everything before (the time bound) ...
    assert steps[-1] >= FAST_STEPS + 1
    # ... and the count bound holds in any case.
    assert last - steps[-1] < FLUSH_RECORDS
    run = load_run([tmp_path / f"live-{last}.jsonl"])  # what is left reads as a run
    assert run.series["train/loss"].step[-1] == steps[-1]
