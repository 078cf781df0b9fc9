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
    cmd = [
        sys.executable,
        "-m",
        "trainmedic",
        "watch",
        str(log),
        "--interval",
        "0.1",
        "--fail-on",
        "error",
        "--on-alert",
        f'echo "$TRAINMEDIC_CODE $TRAINMEDIC_SEVERITY $TRAINMEDIC_STEP" >> {alerts}',
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
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
    log.write_text(
        "".join(f"step {i} loss {1.0 / i:.4f}\n" for i in range(1, 40)) + "step 40 loss nan\n"
        "step 41 loss nan\nTraining finished\n"
    )
    rc = main(["watch", str(log), "--interval", "0.05", "--idle-timeout", "5"])
    out = capsys.readouterr().out
    assert rc == 1
    assert out.count("TM101") == 1
    assert "training finished" in out


def test_watch_writes_where_and_how_bad_as_the_report_does_in_both_languages(capsys):
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "hf_nan_lr"
    main(["watch", str(example), "--interval", "0.05", "--idle-timeout", "2"])
    out = capsys.readouterr().out
    assert "[step 24 (epoch 0.19)] error TM201" in out  # the report's number format, not "epoch 0.192"
    assert "[step 100] error TM101 nonfinite-values: eval/loss became nan at step 100." in out  # the step said once
    main(["watch", str(example), "--interval", "0.05", "--idle-timeout", "2", "--lang", "zh"])
    out = capsys.readouterr().out
    assert "[第 24 步（第 0.19 轮）] 错误 TM201" in out and "] error " not in out


def test_watch_missing_path_is_an_input_error(tmp_path, capsys):
    started = time.monotonic()
    assert main(["watch", str(tmp_path / "not-yet.jsonl"), "--interval", "0.05", "--idle-timeout", "0.3"]) == 2
    assert time.monotonic() - started < 5
    assert "no such file" in capsys.readouterr().err


def _grow(log, records, chunks, pause=0.15):
    """Append ``records`` to ``log`` in ``chunks`` pieces, as a training run writes its log."""
    per = max(1, len(records) // chunks)
    for i in range(0, len(records), per):
        with open(log, "a") as fh:
            fh.write("".join(_line(r) for r in records[i : i + per]))
        time.sleep(pause)


def _watch_in_thread(log, lines, **kw):
    import threading

    from trainmedic.live.watch import watch

    box = {}
    th = threading.Thread(target=lambda: box.setdefault("rc", watch(log, interval=0.05, out=lines.append, **kw)))
    th.start()
    return th, box


def _watch_a_run(tmp_path, records, *, chunks, idle_timeout, pause=0.15) -> tuple:
    """Write ``records`` to a live log in ``chunks`` while ``watch`` follows it, then its end event: (the lines
    ``watch`` printed, its exit code, the log)."""
    log = tmp_path / "live.jsonl"
    log.write_text(_line(HEADER))
    lines: list = []
    th, box = _watch_in_thread(log, lines, idle_timeout=idle_timeout)
    _grow(log, records, chunks=chunks, pause=pause)
    with open(log, "a") as fh:
        fh.write(_line({"type": "event", "kind": "end", "step": len(records), "message": "", "data": {}}))
    th.join(timeout=30)
    return lines, box.get("rc"), log


def test_watch_alarms_are_kept_by_the_final_diagnosis_and_healthy_noise_raises_none(tmp_path):
    import math

    import numpy as np

    from trainmedic import diagnose

    rng = np.random.default_rng(0)
    n = 400
    loss = 2.0 * np.exp(-np.arange(n) / 150) + 0.3 + 0.03 * rng.standard_normal(n)
    loss[:4] = [1.0, 1.6, 2.3, 3.1]  # four early points that look like a divergence and are not one
    norm = np.exp(0.3 * rng.standard_normal(n))
    norm[250] *= 500  # an RNN's gradient burst
    records = [
        {
            "type": "step",
            "step": i + 1,
            "loss": float(loss[i]),
            "grad_norm": float(norm[i]),
            "lr": [1e-3],
            "action": "step",
        }
        for i in range(n)
    ]
    records[-3:] = [dict(r, loss="nan", grad_norm="nan") for r in records[-3:]]  # and a NaN at the end
    lines, rc, log = _watch_a_run(tmp_path, records, chunks=8, idle_timeout=3)
    end = next(i for i, x in enumerate(lines) if "the run ended" in x)
    during = lines[:end]
    assert any("TM404" in x and "step 251" in x for x in during), lines
    assert not any("TM201" in x for x in during)  # no alarm on four points
    final = diagnose(log)
    kept = {(f.code, f.series): f for f in final.findings}
    for x in during:
        code = x.split("] ")[1].split()[1]
        step = int(x[len("[step ") :].split("]")[0])
        f = next(f for (c, _), f in kept.items() if c == code)
        until = f.until.step if f.until is not None else f.at.step
        assert f.at.step <= step <= until, (x, f)
    assert rc == 1 and math.isnan(final.series_data["train/loss"].values[-1])


def test_a_poll_reads_only_the_new_points(tmp_path, monkeypatch):
    from trainmedic.live import stream
    from trainmedic.livelog import RunBuilder

    built, fed = [], []
    original_run, original_feed = RunBuilder.run, stream.StreamAlarms.feed
    monkeypatch.setattr(RunBuilder, "run", lambda self, **kw: built.append(1) or original_run(self, **kw))
    monkeypatch.setattr(
        stream.StreamAlarms, "feed", lambda self, *a, **k: fed.append(a[0]) or original_feed(self, *a, **k)
    )
    records = [_step(i, 1.0 / i) for i in range(1, 301)]
    _, rc, _ = _watch_a_run(tmp_path, records, chunks=10, idle_timeout=2, pause=0.1)
    assert rc == 0
    assert len(built) == 1  # the Run is built once, for the final diagnosis, not at every poll
    assert fed.count("train/loss") == 300 and fed.count("train/grad_norm") == 300  # each point judged once


def test_watch_raises_loss_spikes_and_gradient_explosions_with_the_rules_own_detectors(tmp_path):
    import numpy as np

    from trainmedic import diagnose

    rng = np.random.default_rng(1)
    n = 300
    loss = 1.5 * np.exp(-np.arange(n) / 120) + 0.4 + 0.02 * rng.standard_normal(n)
    loss[120] *= 12  # one bad batch
    norm = np.exp(0.2 * rng.standard_normal(n))
    norm[260:] *= 40  # the gradient norm runs away and stays up
    records = [
        {
            "type": "step",
            "step": i + 1,
            "loss": float(loss[i]),
            "grad_norm": float(norm[i]),
            "lr": [1e-3],
            "action": "step",
        }
        for i in range(n)
    ]
    lines, _, log = _watch_a_run(tmp_path, records, chunks=6, idle_timeout=3)
    end = next(i for i, x in enumerate(lines) if "the run ended" in x)
    during = lines[:end]
    assert any("TM402" in x and "step 121" in x for x in during), lines
    assert any("TM801" in x and "step 261" in x for x in during), lines
    final = {(f.code, f.at.step) for f in diagnose(log).findings}
    assert ("TM402", 121) in final and ("TM801", 261) in final


def test_watch_ends_when_the_trainer_state_says_stop_and_reads_it_once(tmp_path, capsys, monkeypatch):
    import builtins
    import io
    from pathlib import Path

    from trainmedic.live.follow import ended_by
    from trainmedic.readers import load_run

    out_dir = tmp_path / "output"
    out_dir.mkdir()
    history = [{"loss": 2.0 / i, "learning_rate": 1e-4, "epoch": i / 50, "step": 10 * i} for i in range(1, 41)]
    state = {
        "global_step": 400,
        "epoch": 0.8,
        "log_history": history,
        "stateful_callbacks": {"TrainerControl": {"args": {"should_training_stop": True}, "attributes": {}}},
    }
    (out_dir / "trainer_state.json").write_text(json.dumps(state))
    rc = main(["watch", str(out_dir), "--interval", "0.05", "--idle-timeout", "20"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "trainer_state.json: should_training_stop" in out  # ended by the state itself, not by the idle timeout
    # The stop is known from what the reader read: telling that the run ended opens nothing again.
    run = load_run([out_dir])
    opened = []
    for module in (builtins, io):  # every way a file is opened: open(), Path.open() and read_text()
        original = module.open

        def counted(file, *a, _original=original, **k):
            opened.append(Path(str(file)).name if isinstance(file, (str, os.PathLike)) else "")
            return _original(file, *a, **k)

        monkeypatch.setattr(module, "open", counted)
    assert ended_by(run, out_dir) == "trainer_state.json: should_training_stop"
    assert "trainer_state.json" not in opened
