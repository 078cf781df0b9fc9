"""Diverged runs log astronomically large values; every rule must judge them, not crash on them."""

from __future__ import annotations

import numpy as np

from trainmedic.engine import diagnose_run
from trainmedic.run import Run, Series


def test_rules_judge_a_loss_that_grew_to_1e308():
    run = Run()
    steps = np.arange(1, 41, dtype=float)
    loss = np.concatenate([np.linspace(2.3, 1.0, 20), np.logspace(1, 308, 19), [np.inf]])
    run.add_series(Series.build("train/loss", loss, step=steps))
    run.add_series(Series.build("eval/loss", loss[::4] * 1.1, step=steps[::4]))
    report = diagnose_run(run)
    assert report.verdict == "failed"
    assert {"divergence", "nonfinite"} <= {f.symptom for f in report.findings}
