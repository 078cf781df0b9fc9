"""Causes a log alone can support: a loss that rebounds as gradients accumulate (missing zero_grad), and half
precision as a suspect for a NaN when the run does not say its precision (a strong one before any update)."""

import numpy as np
from seeds_synthetic import run_of

from trainmedic.causes import infer
from trainmedic.rules import check_all
from trainmedic.run import Series


def causes(run):
    return [d.cause for d in infer(run, check_all(run))]


def test_a_loss_that_falls_then_climbs_smoothly_back_is_a_missing_zero_grad():
    loss = [1.0298, 0.8179, 0.4704, 0.1962, 0.0619, 0.0885, 0.2776, 0.5321, 0.7532, 0.8696]
    top3 = causes(run_of(Series.build("train/loss", loss)))[:3]
    assert "missing_zero_grad" in top3 and "lr_too_high" in top3
    exploding = [1.0, 0.6, 0.3, 0.1, 0.09, 0.5, 4.0, 60.0, 900.0, 2e4]  # an explosion is the step size, not zero_grad
    assert "missing_zero_grad" not in causes(run_of(Series.build("train/loss", exploding)))


def test_half_precision_is_a_suspect_for_a_nan_when_the_precision_is_unknown():
    x = np.arange(0, 400, 100, dtype=float)
    at_init = run_of(
        Series.build("train/loss", [np.nan] * 4, step=x), Series.build("train/lr", [0, 2e-8, 4e-8, 6e-8], step=x)
    )
    found = infer(at_init, check_all(at_init))
    assert found[0].cause == "mixed_precision_overflow" and found[0].facts["before_updates"]
    assert "lr_too_high" not in [d.cause for d in found]  # nothing was updated yet: not the step size
    fp32 = run_of(Series.build("train/loss", [np.nan] * 4, step=x), config={"precision": "fp32"})
    assert "mixed_precision_overflow" not in causes(fp32)
