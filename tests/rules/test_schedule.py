"""TM210 places the first failure on the lr schedule, as context that never changes the verdict."""

import numpy as np
import pytest
from seeds_synthetic import run_of

from trainmedic.engine import diagnose_run
from trainmedic.run import Series

STEPS = np.arange(10, 410, 10, dtype=float)


def _run(loss, warmup=100):
    lr = np.where(STEPS <= warmup, 1e-4 * STEPS / warmup, 1e-4 * (1 - (STEPS - warmup) / 400))
    return run_of(
        Series.build("train/loss", loss, step=STEPS),
        Series.build("train/lr", lr, step=STEPS),
        config={"warmup_steps": warmup, "lr": 1e-4},
    )


@pytest.mark.rule("TM210")
def test_a_nan_right_after_warmup_is_timed_against_the_lr_peak():
    loss = np.concatenate([np.linspace(2.0, 1.0, 12), [np.nan] * 28])  # NaN from step 130, warmup ends at 100
    report = diagnose_run(_run(loss))
    timing = [f for f in report.findings if f.code == "TM210"]
    assert len(timing) == 1 and timing[0].severity == "info"
    assert timing[0].facts.delta_steps == 30 and timing[0].facts.ramp
    assert "30 steps after the lr peaked" in timing[0].message.render("en")
    assert report.verdict == "failed"  # from the NaN, not from the timing


def test_a_healthy_run_gets_no_timing_finding():
    loss = np.linspace(2.0, 0.5, len(STEPS)) + np.random.default_rng(0).normal(0, 0.01, len(STEPS))
    report = diagnose_run(_run(loss))
    assert not [f for f in report.findings if f.code == "TM210"]
    assert report.verdict == "healthy"
