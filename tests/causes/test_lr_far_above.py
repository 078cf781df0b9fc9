"""An lr far outside its optimizer's range is not halved but restarted from the optimizer's classic default."""

import numpy as np
from seeds_synthetic import run_of

from trainmedic.engine import diagnose_run
from trainmedic.run import Series

STEPS = np.arange(2, 62, 2, dtype=float)


def diverging(config):
    loss = np.concatenate([np.linspace(2.0, 1.2, 10), np.geomspace(1.5, 1e6, 19), [np.nan]])
    return run_of(Series.build("train/loss", loss, step=STEPS), config=config)


def lr_fix(config):
    d = diagnose_run(diverging(config)).to_dict()["diagnoses"]
    lr_high = next(x for x in d if x["cause"] == "lr_too_high")
    return next(f for f in lr_high["fixes"] if f.get("param") == "lr")


def test_sgd_at_lr_20_restarts_from_0_1():
    fix = lr_fix({"lr": 20.0, "optimizer": "sgd"})
    assert fix["from"] == 20.0 and fix["to"] == 0.1


def test_adam_at_an_ordinary_lr_is_halved():
    fix = lr_fix({"lr": 1e-4, "optimizer": "adamw"})
    assert fix["from"] == 1e-4 and fix["to"] == 5e-5
