"""A run at chance whose per-batch train loss is one number on every batch: the model ignores its input (dead units),
which a frozen backbone or a subset optimizer would not explain; and the unfreeze advice fits the run's framework."""

import math

import numpy as np
from seeds_synthetic import run_of

import trainmedic
from trainmedic.engine import diagnose_run
from trainmedic.run import Series

STEPS = np.arange(5, 155, 5, dtype=float)
EVAL_STEPS = np.arange(25, 175, 25, dtype=float)

CAFFE_LOG = """\
I0515 11:05:31.873651 37636 solver.cpp:239] Iteration 0 (-nan iter/s, 26.7698s/20 iters), loss = 6.91161
I0515 11:05:31.873690 37636 solver.cpp:258]     Train net output #0: loss = 6.91161 (* 1 = 6.91161 loss)
I0515 11:05:31.873761 37636 sgd_solver.cpp:112] Iteration 0, lr = 0.01
I0515 11:05:51.320263 37636 solver.cpp:239] Iteration 20 (1.02848 iter/s, 19.4461s/20 iters), loss = 6.90501
I0515 11:05:51.320302 37636 solver.cpp:258]     Train net output #0: loss = 6.90776 (* 1 = 6.90776 loss)
I0515 11:05:51.320356 37636 sgd_solver.cpp:112] Iteration 20, lr = 0.01
I0515 11:06:10.302816 37636 solver.cpp:239] Iteration 40 (1.05363 iter/s, 18.9821s/20 iters), loss = 6.90635
I0515 11:06:10.303040 37636 solver.cpp:258]     Train net output #0: loss = 6.90776 (* 1 = 6.90776 loss)
I0515 11:06:10.303094 37636 sgd_solver.cpp:112] Iteration 40, lr = 0.01
I0515 11:06:29.102516 37636 solver.cpp:239] Iteration 60 (1.06385 iter/s, 18.7996s/20 iters), loss = 6.90693
I0515 11:06:29.102556 37636 solver.cpp:258]     Train net output #0: loss = 6.90776 (* 1 = 6.90776 loss)
I0515 11:06:29.102610 37636 sgd_solver.cpp:112] Iteration 60, lr = 0.01
"""


def at_chance(train_loss, config):
    return run_of(
        Series.build("train/loss", train_loss, step=STEPS),
        Series.build("eval/loss", np.full(len(EVAL_STEPS), math.log(4)), step=EVAL_STEPS),
        Series.build("eval/acc", [0.28, 0.285, 0.285, 0.27, 0.29, 0.28], step=EVAL_STEPS),
        config={"num_classes": 4, **config},
    )


def noisy():
    return math.log(4) + np.random.default_rng(0).normal(0, 0.002, len(STEPS))


def diagnoses(run, lang="en"):
    return diagnose_run(run).to_dict(lang)["diagnoses"]


def fix_texts(d) -> str:
    return " ".join(f"{f.get('action') or ''} {f.get('why') or ''}" for x in d for f in x["fixes"])


def test_a_loss_identical_on_every_batch_points_at_dead_units_before_frozen_layers():
    d = diagnoses(at_chance(np.full(len(STEPS), math.log(4)), {"lr": 0.1, "optimizer": "sgd"}))
    causes = [x["cause"] for x in d]
    assert causes[0] == "dead_units", causes
    assert causes.index("frozen_backbone") > 0 and d[causes.index("frozen_backbone")]["confidence"] < d[0]["confidence"]
    lr_fix = [f for f in d[0]["fixes"] if f.get("param") == "lr"][0]
    assert (lr_fix["from"], lr_fix["to"]) == (0.1, 0.01)  # restart at a tenth of the lr that killed the units
    assert "preflight" in d[0]["fixes"][0]["action"]
    assert "1.38629 on every one of the 30 logged batches" in d[0]["explanation"]
    assert "死亡单元" in diagnoses(at_chance(np.full(len(STEPS), math.log(4)), {"lr": 0.1}), "zh")[0]["title"]


def test_a_loss_that_moves_between_batches_keeps_the_frozen_and_optimizer_suspects_first():
    d = diagnoses(at_chance(noisy(), {"lr": 0.1, "optimizer": "sgd"}))
    causes = [x["cause"] for x in d]
    assert causes[:2] == ["frozen_backbone", "optimizer_misses_params"]
    assert "dead_units" not in causes  # the eval loss is constant too, but it is the same examples every time


def test_unfreeze_advice_fits_the_framework():
    plain = fix_texts(diagnoses(at_chance(noisy(), {"lr": 0.1, "optimizer": "sgd"})))
    assert "make every layer trainable" in plain and "BERT" not in plain and "2e-05" not in plain
    hf = fix_texts(diagnoses(at_chance(noisy(), {"lr": 3e-5, "optimizer": "adamw_torch", "framework": "hf"})))
    assert "unfreeze the encoder" in hf and "2e-05" in hf


def test_a_caffe_run_pinned_at_ln_1000_gets_dead_units_and_a_tenth_of_its_logged_lr(tmp_path):
    (tmp_path / "train.log").write_text(CAFFE_LOG)
    report = trainmedic.diagnose(str(tmp_path / "train.log")).to_dict()
    top = report["diagnoses"][0]
    assert top["cause"] == "dead_units"
    assert "6.90776 on every one of the 3 logged batches" in top["explanation"] and "ln(1000)" in top["explanation"]
    assert {(f.get("param"), f.get("from"), f.get("to")) for f in top["fixes"]} >= {("lr", 0.01, 0.001)}
    assert "BERT" not in fix_texts(report["diagnoses"])


def pytorch_example_log(loss_after_first: str) -> str:
    """The PyTorch example's print format: four train lines per epoch and a test summary."""
    lines = []
    for epoch in range(1, 5):
        for seen, pct in ((0, 0), (12800, 26), (25600, 51), (38400, 77)):
            loss = "2.289754" if (epoch, seen) == (1, 12800) else loss_after_first
            lines.append(f"Train Epoch: {epoch} [{seen}/50000 ({pct}%)]\tLoss: {loss}\tLR: 0.1")
        lines += ["", "Test set: Average loss: 2.9473, Accuracy: 1000/10000 (10.00%)", ""]
    return "\n".join(lines) + "\n"


def test_batches_within_epochs_pinned_at_ln_10_to_six_decimals_are_dead_units(tmp_path):
    (tmp_path / "log.txt").write_text(pytorch_example_log("2.302585"))
    top = trainmedic.diagnose(str(tmp_path / "log.txt")).to_dict()["diagnoses"][0]
    assert top["cause"] == "dead_units" and "ln(10)" in top["explanation"]
    assert {(f.get("param"), f.get("from"), f.get("to")) for f in top["fixes"]} >= {("lr", 0.1, 0.01)}


def test_a_flat_loss_off_ln_k_is_not_read_as_a_uniform_output():
    # 4.600 at every step of a 100-class run (a progress bar's running mean, three decimals): ln 100 = 4.605.
    d = diagnoses(at_chance(np.full(len(STEPS), 4.6), {"lr": 0.1, "optimizer": "sgd", "num_classes": 100}))
    assert "dead_units" not in [x["cause"] for x in d]
