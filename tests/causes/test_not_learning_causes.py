"""A run at chance with little config: the lr decides whether lr_too_low or the trainability suspects lead."""

import math

import numpy as np
from seeds_synthetic import run_of

from trainmedic.engine import diagnose_run
from trainmedic.run import Series

STEPS = np.arange(5, 155, 5, dtype=float)
EVAL_STEPS = np.arange(25, 175, 25, dtype=float)


def at_chance(config):
    rng = np.random.default_rng(0)
    loss = math.log(4) + rng.normal(0, 0.002, len(STEPS))
    return run_of(
        Series.build("train/loss", loss, step=STEPS),
        Series.build("eval/loss", np.full(len(EVAL_STEPS), math.log(4)), step=EVAL_STEPS),
        Series.build("eval/acc", [0.28, 0.285, 0.285, 0.27, 0.29, 0.28], step=EVAL_STEPS),
        config={"num_classes": 4, **config},
    )


def diagnoses(run):
    return diagnose_run(run).to_dict()["diagnoses"]


def test_tiny_adam_lr_is_lr_too_low_with_a_raise_computed_from_the_run():
    d = diagnoses(at_chance({"lr": 1e-6, "optimizer": "adamw_torch"}))
    assert d[0]["cause"] == "lr_too_low"
    fix = [f for f in d[0]["fixes"] if f.get("param") == "lr"][0]
    assert fix["from"] == 1e-6 and fix["to"] == 1e-4


def test_ordinary_lr_at_chance_ranks_frozen_and_optimizer_suspects():
    d = diagnoses(at_chance({"lr": 2e-5, "optimizer": "adamw_torch"}))
    assert [x["cause"] for x in d[:2]] == ["frozen_backbone", "optimizer_misses_params"]
    assert d[0]["confidence"] < 0.6
    assert any("preflight" in (f.get("action") or "") for f in d[0]["fixes"])


def test_trainable_ratio_names_frozen_backbone_with_confidence():
    d = diagnoses(at_chance({"lr": 2e-5, "trainable_params": 132, "total_params": 24548}))
    assert d[0]["cause"] == "frozen_backbone" and d[0]["confidence"] >= 0.8
    assert "optimizer_misses_params" not in [x["cause"] for x in d]


def test_a_freeze_switch_in_the_config_names_frozen_backbone():
    run = at_chance({"lr": 2e-5, "optimizer": "adamw_torch"})
    run.config.set("frozen_modules", ["encoder"], source="launch.sh", line=7)
    d = diagnoses(run)
    assert d[0]["cause"] == "frozen_backbone" and d[0]["confidence"] >= 0.7
    assert {"param": "freeze_encoder", "from": True, "to": False} in [
        {k: f[k] for k in ("param", "from", "to")} for f in d[0]["fixes"] if f.get("param")
    ]


def test_an_lr_at_zero_names_the_schedule_as_the_cause_of_the_plateau():
    import numpy as np
    from seeds_synthetic import run_of

    from trainmedic.causes import infer
    from trainmedic.rules import check_all
    from trainmedic.run import Series

    x = np.arange(3135, 3175, 10, dtype=float)
    run = run_of(
        Series.build("train/loss", [0.5737, 0.5818, 0.5848, 0.5848], step=x),
        Series.build("train/lr", np.zeros(4), step=x),
    )
    top = infer(run, check_all(run))[0]
    assert top.cause == "lr_schedule_decayed" and any(
        "stepped once per epoch" in f.action.render() for f in top.fixes if f.action
    )
