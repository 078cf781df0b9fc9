"""A run that held while warmup ramped the lr up and broke within a few logging intervals of the peak is
warmup_peak_instability, even when an evaluation had caught it degrading earlier in the ramp."""

import numpy as np
from seeds_synthetic import run_of

from trainmedic.engine import diagnose_run
from trainmedic.run import Series

STEPS = np.arange(5, 205, 5, dtype=float)
EVAL_STEPS = np.arange(25, 225, 25, dtype=float)
WARMUP, PEAK = 100, 6.0


def warmup_run():
    lr = np.minimum(STEPS / WARMUP, 1.0) * PEAK
    loss = np.where(STEPS < 100, 1.4 - STEPS * 0.002, np.nan)
    loss[STEPS == 100] = 9.0
    grad = np.where(STEPS < 100, 0.5, np.nan)
    grad[STEPS == 100] = 1.0
    grad[STEPS == 105] = 80.0  # the explosion, one interval after the peak
    ev = np.array([1.20, 1.25, 2.6, 3.5, 5.0, np.nan, np.nan, np.nan])  # degrading from step 50 on
    return run_of(
        Series.build("train/loss", loss, step=STEPS),
        Series.build("train/lr", lr, step=STEPS),
        Series.build("train/grad_norm", grad, step=STEPS),
        Series.build("eval/loss", ev, step=EVAL_STEPS),
        config={"lr": PEAK, "warmup_steps": WARMUP, "max_grad_norm": 0.0},
    )


def test_failure_near_the_lr_peak_is_warmup_peak_instability():
    d = {x["cause"]: x for x in diagnose_run(warmup_run()).to_dict()["diagnoses"]}
    w = d["warmup_peak_instability"]
    assert "100 warmup steps" in w["explanation"] and "100% of its 6 peak" in w["explanation"]
    assert "still rising" in w["explanation"]  # the evaluation saw it degrading before the peak
    assert list(d).index("warmup_peak_instability") < 3
