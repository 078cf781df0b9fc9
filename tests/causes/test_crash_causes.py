"""A run that crashed: the crash is an error finding (the verdict is failed however the curves looked), and an
exception that names a label outside the classes is bad_labels with the head's size and the label in the fixes."""

import numpy as np
from seeds_synthetic import run_of

from trainmedic.engine import diagnose_run
from trainmedic.run import Event, Series

STEPS = np.arange(1, 41, dtype=float)


def crashed(message: str, data: dict, config=None):
    loss = 1.4 - 0.006 * STEPS  # falling nicely until the crash
    run = run_of(Series.build("train/loss", loss, step=STEPS), config={"lr": 3e-3, **(config or {})})
    run.events.append(Event("error", step=41, epoch=1, message=message, data=data, source="console.log:51"))
    return diagnose_run(run).to_dict()


def test_target_out_of_bounds_is_bad_labels_with_the_head_size_raised():
    rep = crashed("IndexError: Target 4 is out of bounds.", {"exception": "IndexError"}, {"num_classes": 4})
    assert rep["verdict"] == "failed"
    (crash,) = [f for f in rep["findings"] if f["code"] == "TM950"]
    assert (crash["symptom"], crash["severity"], crash["at"]) == ("crash", "error", {"step": 41, "epoch": 1})
    top = rep["diagnoses"][0]
    assert top["cause"] == "bad_labels" and top["confidence"] >= 0.8 and top["findings"] == ["TM950"]
    assert {"param": "num_labels", "from": 4, "to": 5} in [
        {k: f[k] for k in ("param", "from", "to")} for f in top["fixes"] if f.get("param")
    ]
    assert "[0, 4)" in top["fixes"][0]["action"]


def test_cuda_class_assertion_is_bad_labels_without_numbers():
    rep = crashed(
        "Loss.cu:240: block: [0,0,0], thread: [5,0,0] Assertion `t >= 0 && t < n_classes` failed.",
        {"exception": "DeviceAssertion", "assertion": "t >= 0 && t < n_classes"},
    )
    assert rep["diagnoses"][0]["cause"] == "bad_labels"
    assert not any(f.get("param") for f in rep["diagnoses"][0]["fixes"])


def test_another_crash_fails_the_run_without_blaming_the_labels():
    rep = crashed("torch.OutOfMemoryError: CUDA out of memory.", {"exception": "OutOfMemoryError"})
    assert rep["verdict"] == "failed" and [f["symptom"] for f in rep["findings"]] == ["crash"]
    assert all(d["cause"] != "bad_labels" for d in rep["diagnoses"])
