"""``trainmedic watch``: a NaN written to a growing log is reported within a second, alerts run, the run's end ends
the watch with the right exit code, a missing path is an input error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from trainmedic.cli import main

HEADER = {"format": "trainmedic-live", "version": 1, "type": "header", "policy": "observe", "config": {"lr": 0.001}}


def _line(rec: dict) -> str:
    return json.dumps(rec) + "\n"


def _step(i: int, loss) -> dict:
    return {"type": "step", "step": i, "loss": loss, "grad_norm": 1.0, "lr": [0.001], "action": "step"}


def test_watch_reports_a_nan_within_a_second_and_exits_at_the_end(tmp_path):
    log = tmp_path / "live.jsonl"
    alerts = tmp_path / "alerts.txt"
    with open(log, "w") as fh:
        fh.write(_line(HEADER))
        for i in range(1, 21):
            fh.write(_line(_step(i, 1.0 / i)))
    cmd = [sys.executable, "-m", "trainmedic", "watch", str(log), "--interval", "0.1", "--fail-on", "error",
           "--on-alert", f'echo "$TRAINMEDIC_CODE $TRAINMEDIC_SEVERITY $TRAINMEDIC_STEP" >> {alerts}']
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        time.sleep(1.5)  # the watcher is up and has read the healthy history
        assert proc.poll() is None
        with open(log, "a") as fh:
            fh.write(_line(_step(21, "nan")))
            fh.flush()
        written = time.monotonic()
        line = proc.stdout.readline()
        assert time.monotonic() - written < 1.0, "the NaN took more than a second to be reported"
        assert "TM101" in line and "step 21" in line
        with open(log, "a") as fh:
            for i in range(22, 25):
                fh.write(_line(_step(i, "nan")))
            fh.write(_line({"type": "event", "kind": "end", "step": 24, "message": "", "data": {}}))
        rc = proc.wait(timeout=20)
    finally:
        proc.kill()
    assert rc == 1  # an error-level finding (NaN to the end)
    assert "TM101 error 21" in alerts.read_text()


def test_watch_reports_a_finding_once_and_honours_fail_on(tmp_path, capsys):
    log = tmp_path / "run.log"
    log.write_text("".join(f"step {i} loss {1.0 / i:.4f}\n" for i in range(1, 40)) + "step 40 loss nan\n"
                   "step 41 loss nan\nTraining finished\n")
    rc = main(["watch", str(log), "--interval", "0.05", "--idle-timeout", "5"])
    out = capsys.readouterr().out
    assert rc == 1
    assert out.count("TM101") == 1
    assert "training finished" in out


def test_watch_missing_path_is_an_input_error(tmp_path, capsys):
    started = time.monotonic()
    assert main(["watch", str(tmp_path / "not-yet.jsonl"), "--interval", "0.05", "--idle-timeout", "0.3"]) == 2
    assert time.monotonic() - started < 5
    assert "no such file" in capsys.readouterr().err
