"""A run that crashed: the traceback's exception line and a CUDA kernel's assertion become ``error`` events at the
step after the last one logged, and the lines of the traceback add nothing else."""

from __future__ import annotations

from readers_text_helpers import DATA

from trainmedic.readers.textlog import read


def test_traceback_and_device_assert_become_error_events_after_the_last_step():
    run = read(DATA / "crash.log")
    errors = run.events_of("error")
    assert [(e.data["exception"], e.step, e.epoch) for e in errors] == [
        ("DeviceAssertion", 3, 1.0),
        ("RuntimeError", 3, 1.0),
        ("ValueError", 3, 1.0),
        ("KeyError", 3, 1.0),
    ]
    assert errors[0].data["assertion"] == "t >= 0 && t < n_classes"  # printed by two threads, one event
    assert errors[1].message == "RuntimeError: CUDA error: device-side assert triggered"
    assert errors[1].data["device_assert"] is True
    assert errors[3].source.endswith("crash.log:25")
    # frames (`line 54`, `step=3`) are no settings or points; the log goes on after the traceback
    assert "line" not in run.config and [int(s) for s in run.series["train/loss"].step] == [1, 2, 3]


def test_label_out_of_range_traceback(tmp_path):
    log = tmp_path / "console.log"
    log.write_text(
        "Epoch 1 | Step 40 | Train Loss: 1.1688\n"
        "Traceback (most recent call last):\n"
        '  File "/work/train.py", line 54, in run\n'
        "    loss = cfg.loss_fn(logits.float(), y)\n"
        "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "IndexError: Target 4 is out of bounds.\n"
    )
    (ev,) = read(log).events
    assert (ev.kind, ev.step, ev.message) == ("error", 41, "IndexError: Target 4 is out of bounds.")
    assert ev.data == {"exception": "IndexError", "detail": "Target 4 is out of bounds."}


def test_an_exception_line_outside_a_traceback_is_no_crash(tmp_path):
    log = tmp_path / "console.log"
    log.write_text("step 1 loss 0.5\nValueError: 3 rows skipped while loading\nstep 2 loss 0.4\n")
    assert read(log).events_of("error") == []
