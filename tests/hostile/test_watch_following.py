"""``trainmedic watch`` follows a live log that is truncated, rewritten or rotated under it, and says in one line
when the log is deleted, instead of missing the NaN that comes later or ending in a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import samples

from trainmedic.live.watch import watch


class _Watcher:
    def __init__(self, path, **kwargs) -> None:
        self.lines: list = []
        self.result: list = []
        kwargs.setdefault("interval", 0.05)
        kwargs.setdefault("idle_timeout", 20)
        self.thread = threading.Thread(target=self._run, args=(path,), kwargs=kwargs, daemon=True)
        self.thread.start()

    def _run(self, path, **kwargs) -> None:
        try:
            self.result.append(watch(path, out=self.lines.append, **kwargs))
        except Exception as exc:  # noqa: BLE001 - the test asserts on it
            self.result.append(exc)

    def wait(self, timeout: float = 30.0):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the watch did not end"
        return self.result[0]


def _write(path, records, mode="w") -> None:
    with open(path, mode) as fh:
        fh.write("".join(json.dumps(r) + "\n" for r in records))


def _healthy(first: int, last: int) -> list:
    return [samples.live_step(i) for i in range(first, last + 1)]


END = {"type": "event", "kind": "end", "step": 0, "message": "", "data": {}}


def _settle() -> None:
    time.sleep(0.6)  # a dozen polls: the watcher has read what is there


def test_log_truncated_in_place_is_read_again_and_the_nan_reported(tmp_path):
    log = tmp_path / "trainmedic-live.jsonl"
    _write(log, [samples.LIVE_HEADER] + _healthy(1, 40))
    w = _Watcher(log)
    _settle()
    _write(log, [samples.LIVE_HEADER] + _healthy(41, 45))  # truncated, then a few short lines
    _settle()
    _write(log, [samples.live_step(46, "nan"), samples.live_step(47, "nan"), END], mode="a")
    assert w.wait() == 1
    assert any("TM101" in line and "step 46" in line for line in w.lines), w.lines


def test_log_rewritten_past_the_old_position_between_polls_is_read_from_its_start(tmp_path):
    log = tmp_path / "trainmedic-live.jsonl"
    _write(log, [samples.LIVE_HEADER] + _healthy(1, 10))
    w = _Watcher(log, interval=0.3)
    _settle()
    # One open("w") and one write: the new content is longer than the old before the watcher polls again.
    _write(log, [samples.LIVE_HEADER] + _healthy(11, 40) + [samples.live_step(41, "nan"), END])
    assert w.wait() == 1
    assert any("TM101" in line and "step 41" in line for line in w.lines), w.lines


def test_rotated_log_is_drained_then_the_new_file_followed(tmp_path):
    log = tmp_path / "trainmedic-live.jsonl"
    _write(log, [samples.LIVE_HEADER] + _healthy(1, 40))
    w = _Watcher(log)
    _settle()
    rotated = tmp_path / "trainmedic-live.jsonl.1"
    os.rename(log, rotated)
    _write(rotated, [samples.live_step(41, "nan")], mode="a")  # the writer's last line, into the renamed file
    _write(log, [samples.LIVE_HEADER, samples.live_step(42, "nan"), END])
    assert w.wait() == 1
    assert any("TM101" in line and "step 41" in line for line in w.lines), w.lines


def test_log_deleted_under_watch_is_one_line_and_exit_2(tmp_path):
    log = tmp_path / "trainmedic-live.jsonl"
    _write(log, [samples.LIVE_HEADER] + _healthy(1, 20))
    proc = subprocess.Popen(
        [sys.executable, "-m", "trainmedic", "watch", str(log), "--interval", "0.05", "--idle-timeout", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.5)  # started and following
        log.unlink()
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 2, err
    assert err.count("\n") == 1 and "deleted while being watched" in err and "Traceback" not in err


def test_text_log_deleted_under_watch_is_one_line(tmp_path):
    log = tmp_path / "train.log"
    log.write_text("".join(f"step {i} loss {1.0 / i:.4f}\n" for i in range(1, 30)))
    w = _Watcher(log, idle_timeout=1)
    _settle()
    log.unlink()
    result = w.wait()
    assert "deleted while being watched" in str(result)
