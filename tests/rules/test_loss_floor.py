"""A train loss stuck on a floor while the accuracy is perfect: TM302's floor variant and loss_output_mismatch."""

import math

import numpy as np
import pytest
from seeds_synthetic import run_of

from trainmedic.engine import diagnose_run
from trainmedic.rules import check_all
from trainmedic.run import Series

STEPS = np.arange(4, 304, 5, dtype=float)
EVAL_STEPS = np.array([62, 125, 188, 251, 314], dtype=float)


def floored(floor, config=None):
    loss = floor + (math.log(4) - floor) * np.exp(-(STEPS - STEPS[0]) / 50.0)
    return run_of(
        Series.build("train/loss", loss, step=STEPS),
        Series.build("eval/acc", [0.66, 0.95, 0.998, 1.0, 1.0], step=EVAL_STEPS),
        config=config or {},
    )


@pytest.mark.rule("TM302")
def test_double_softmax_floor_is_found_and_named():
    run = floored(math.log(1 + 3 / math.e), {"lr": 0.003})
    f = [f for f in check_all(run) if f.code == "TM302"]
    assert f and f[0].facts.kind == "floor" and f[0].facts.k == 4
    d = diagnose_run(run).to_dict()["diagnoses"]
    assert d[0]["cause"] == "loss_output_mismatch" and d[0]["confidence"] >= 0.75


def test_loss_that_keeps_falling_with_perfect_accuracy_has_no_floor():
    assert not [f for f in check_all(floored(0.0)) if f.code == "TM302"]


def test_label_smoothing_floor_is_intended():
    assert not [f for f in check_all(floored(0.5, {"label_smoothing": 0.1})) if f.code == "TM302"]
