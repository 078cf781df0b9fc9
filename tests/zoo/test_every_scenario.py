"""Every zoo scenario shows its intended behaviour in the artifacts its framework wrote.

A session-scoped fixture (conftest.py) trains every scenario once (first seed only) into a temporary folder; each scenario then has
its own checker that reads the raw artifacts -- ``trainer_state.json`` for the Hugging Face Trainer, Lightning's
``metrics.csv``, TensorBoard event files, ``history.csv`` and ``console.log`` -- and asserts the fault (or, for the
healthy controls, the absence of one). Nothing here asks trainmedic: these tests check the test bed itself, so that a
scenario that silently stops producing its fault is caught.

Set ``TRAINMEDIC_ZOO_DIR`` to a folder already produced by ``python -m zoo.make`` to check it instead of generating
fresh artifacts.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
import sys
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("lightning")
pytest.importorskip("tensorboard")

from zoo.make import scenario_names  # noqa: E402

LN_K = math.log(4)  # the zoo's task has four classes


# --------------------------------------------------------------------------------------------- artifact readers
def _log_history(out: Path) -> list:
    """The Hugging Face Trainer's ``log_history`` from ``output/trainer_state.json``."""
    return json.loads((out / "output" / "trainer_state.json").read_text())["log_history"]


def _train(history: list) -> list:
    """``(step, loss, grad_norm)`` of the Trainer's training log entries."""
    return [(e["step"], e["loss"], e.get("grad_norm", 0.0)) for e in history if "loss" in e]


def _evals(history: list) -> list:
    """The Trainer's evaluation log entries."""
    return [e for e in history if "eval_loss" in e]


def _metrics_csv(path: Path, name: str) -> list:
    """``(step, value)`` of one column of a Lightning ``metrics.csv`` (rows where it is set)."""
    with open(path, newline="") as fh:
        return [(float(r["step"]), float(r[name])) for r in csv.DictReader(fh) if r.get(name) not in ("", None)]


def _lightning_metrics(out: Path) -> Path:
    return next(out.rglob("metrics.csv"))


def _tb_scalars(out: Path, tag: str) -> list:
    """``(step, value)`` of one TensorBoard scalar series, read with tensorboard's own EventAccumulator."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    files = sorted((out / "tb").glob("events.out.tfevents.*"))
    assert files, f"no TensorBoard event file under {out / 'tb'}"
    values = []
    for f in files:
        acc = EventAccumulator(str(f), size_guidance={"scalars": 0})
        acc.Reload()
        if tag in acc.Tags()["scalars"]:
            values += [(e.step, e.value) for e in acc.Scalars(tag)]
    assert values, f"no {tag!r} scalars in {out / 'tb'}"
    return sorted(values)


def _finite(values) -> bool:
    return all(math.isfinite(v) for v in values)


def _swings(values: list) -> float:
    """Mean absolute epoch-to-epoch change over the second half of a series."""
    tail = values[len(values) // 2 :]
    return sum(abs(b - a) for a, b in zip(tail, tail[1:])) / max(len(tail) - 1, 1)


# --------------------------------------------------------------------------------------------- checkers
def check_hf_healthy(out: Path, truth: dict) -> None:
    """Train and eval loss fall clearly, everything stays finite, eval accuracy ends far above chance."""
    history = _log_history(out)
    train, evals = _train(history), _evals(history)
    assert _finite(v for _, v, _ in train) and _finite(g for _, _, g in train)
    assert _finite(e["eval_loss"] for e in evals)
    assert min(v for _, v, _ in train[-5:]) < 0.5 * train[0][1]
    assert evals[-1]["eval_loss"] < 0.5 * evals[0]["eval_loss"]
    assert evals[-1]["eval_accuracy"] >= 0.9
    assert truth["healthy"] is True


def _check_stuck_at_chance(out: Path, truth: dict) -> None:
    history = _log_history(out)
    losses = [v for _, v, _ in _train(history)] + [e["eval_loss"] for e in _evals(history)]
    assert len(losses) >= 20
    assert all(abs(v - LN_K) / LN_K < 0.05 for v in losses), losses
    assert all(0.15 < e["eval_accuracy"] < 0.4 for e in _evals(history))
    assert truth["first_bad"]["step"] == _evals(history)[0]["step"]


def check_hf_frozen_backbone(out: Path, truth: dict) -> None:
    """Every train and eval loss stays within 5% of ln K; only the head (<1% of the weights) trains."""
    _check_stuck_at_chance(out, truth)
    assert truth["measured"]["trainable_params"] < 0.01 * truth["measured"]["total_params"]


def check_hf_optimizer_head_only(out: Path, truth: dict) -> None:
    """Every train and eval loss stays within 5% of ln K although the model's weights all require grad."""
    _check_stuck_at_chance(out, truth)
    assert truth["measured"]["params_in_optimizer"] < 0.01 * truth["measured"]["total_params"]


def check_hf_lr_too_low(out: Path, truth: dict) -> None:
    """The logged learning rate is tiny and the loss barely moves from ln K."""
    history = _log_history(out)
    train, evals = _train(history), _evals(history)
    lrs = [e["learning_rate"] for e in history if "learning_rate" in e]
    assert lrs and max(lrs) <= 1e-5
    assert all(abs(v - LN_K) / LN_K < 0.01 for _, v, _ in train)
    eval_losses = [e["eval_loss"] for e in evals]
    assert max(eval_losses) - min(eval_losses) < 1e-3, eval_losses
    assert "--learning_rate 1e-06" in (out / "launch.sh").read_text()


def check_hf_nan_lr(out: Path, truth: dict) -> None:
    """Finite before the truth step, non-finite there, then the Trainer's 0.0 loss with a NaN grad_norm."""
    step = truth["first_bad"]["step"]
    history = _log_history(out)
    before = [e for e in history if e["step"] < step and "loss" in e]
    assert before and all(math.isfinite(e["loss"]) and math.isfinite(e["grad_norm"]) for e in before)
    at = [e for e in history if e["step"] == step]
    assert any(
        not math.isfinite(e.get("grad_norm", 0.0)) or not math.isfinite(e.get("loss", e.get("eval_loss", 0)))
        for e in at
    )
    after = [e for e in history if e["step"] > step and "loss" in e]
    assert after and all(e["loss"] == 0.0 and math.isnan(e["grad_norm"]) for e in after)
    ckpts = sorted(int(p.name.split("-")[1]) for p in (out / "output").glob("checkpoint-*"))
    assert truth["last_healthy_checkpoint"] == f"output/checkpoint-{max(s for s in ckpts if s < step)}"
    assert "--learning_rate 20.0" in (out / "launch.sh").read_text()


def check_hf_warmup_divergence(out: Path, truth: dict) -> None:
    """Train loss doubles at the truth step during warmup, eval loss climbs past warmup's end, then turns NaN."""
    history = _log_history(out)
    step, warmup = truth["first_bad"]["step"], truth["measured"]["warmup_steps"]
    train = _train(history)
    low = min(v for s, v, _ in train if s < step)
    at = [v for s, v, _ in train if s == step]
    assert at and at[0] > 2 * low, (at, low)
    assert all(v <= 2 * low for s, v, _ in train if s < step)
    evals = _evals(history)
    early = [e["eval_loss"] for e in evals if e["step"] < warmup]
    late = [e["eval_loss"] for e in evals if e["step"] >= warmup]
    assert _finite(early)
    assert late and (not math.isfinite(late[0]) or late[0] > 5 * min(early)), (early, late)
    assert math.isnan(evals[-1]["eval_loss"])
    # once the weights are NaN the Trainer logs 0.0 with a NaN grad_norm
    assert train[-1][1] == 0.0 and math.isnan(train[-1][2])


def check_hf_single_class_eval(out: Path, truth: dict) -> None:
    """The eval set holds one class: once the model learns it, accuracy and macro F1 are pinned at exactly 1.0."""
    from zoo.common import keyword_data
    from zoo.scenarios import hf_single_class_eval as scenario

    evals = _evals(_log_history(out))
    tail = evals[len(evals) // 2 :]
    assert len(tail) >= 2
    assert all(e["eval_accuracy"] == 1.0 and e["eval_f1"] == 1.0 for e in tail), tail
    train = _train(_log_history(out))
    assert train[-1][1] > 0.05  # training is still imperfect while the eval says "perfect"
    data = keyword_data(200, seed=truth["seed"] + 100, classes=scenario.EVAL_CLASSES)
    assert len(set(data.labels.tolist())) == 1
    assert truth["first_bad"]["step"] == evals[0]["step"]


def check_hf_overfitting(out: Path, truth: dict) -> None:
    """Train loss collapses while eval loss rises from its minimum (at the truth step) to several times it."""
    history = _log_history(out)
    train, evals = _train(history), _evals(history)
    assert train[-1][1] < 0.05 * train[0][1]
    best = min(evals, key=lambda e: e["eval_loss"])
    assert best["step"] == truth["first_bad"]["step"]
    assert evals[-1]["eval_loss"] > 2 * best["eval_loss"]
    after = [e["eval_loss"] for e in evals if e["step"] > best["step"]]
    assert after and min(after) >= best["eval_loss"]


def check_lightning_healthy(out: Path, truth: dict) -> None:
    """metrics.csv: train and val loss fall clearly and stay finite, val accuracy ends near 1."""
    path = _lightning_metrics(out)
    train = [v for _, v in _metrics_csv(path, "train_loss")]
    val = [v for _, v in _metrics_csv(path, "val_loss")]
    acc = [v for _, v in _metrics_csv(path, "val_acc")]
    assert _finite(train) and _finite(val)
    assert min(train[-5:]) < 0.3 * train[0]
    assert val[-1] < 0.5 * val[0]
    assert acc[-1] >= 0.9
    assert truth["healthy"] is True


def check_lightning_batch_x3(out: Path, truth: dict) -> None:
    """The batch-48 run's val loss blows up after its minimum while the baseline's keeps falling."""
    big_path = next((out / "batch48").rglob("metrics.csv"))
    big = _metrics_csv(big_path, "val_loss")
    base = [v for _, v in _metrics_csv(next((out / "baseline").rglob("metrics.csv")), "val_loss")]
    assert _finite(base) and base[-1] <= min(base) * 1.5 and base[-1] < 0.5 * base[0], base
    values = [v for _, v in big]
    assert (not math.isfinite(values[-1])) or values[-1] > 1.5 * min(values), values
    step = truth["first_bad"]["step"]
    at = [v for s, v in big if s == step]
    earlier = [v for s, v in big if s < step]
    assert at and (not math.isfinite(at[0]) or (earlier and at[0] > 1.5 * min(earlier))), (step, big)
    hparams = next((out / "batch48").rglob("hparams.yaml")).read_text()
    assert "loss_reduction: sum" in hparams and "batch_size: 48" in hparams


def check_lightning_double_softmax(out: Path, truth: dict) -> None:
    """Train loss never goes below the double-softmax floor ln(e + K - 1) - 1 although val accuracy reaches ~1."""
    floor = math.log(math.e + 3) - 1  # loss of a perfectly confident softmax fed to CrossEntropyLoss
    path = _lightning_metrics(out)
    train = [v for _, v in _metrics_csv(path, "train_loss")]
    val = [v for _, v in _metrics_csv(path, "val_loss")]
    acc = [v for _, v in _metrics_csv(path, "val_acc")]
    assert _finite(train) and _finite(val)
    assert min(train) >= floor - 1e-3, (min(train), floor)
    assert min(val) >= floor - 1e-3
    assert min(train[-5:]) < floor + 0.1  # it does reach the floor: the plateau is the loss, not the model
    assert acc[-1] >= 0.95
    assert abs(truth["measured"]["loss_floor"] - floor) < 1e-6


def check_lightning_nan_inputs(out: Path, truth: dict) -> None:
    """metrics.csv: train loss finite before the truth step and NaN from it on; val loss NaN."""
    path = _lightning_metrics(out)
    rows = _metrics_csv(path, "train_loss")
    step = truth["first_bad"]["step"]
    assert [s for s, _ in rows if s < step] and all(math.isfinite(v) for s, v in rows if s < step)
    assert [s for s, _ in rows if s >= step] and all(math.isnan(v) for s, v in rows if s >= step)
    assert all(math.isnan(v) for _, v in _metrics_csv(path, "val_loss"))


def check_torch_healthy(out: Path, truth: dict) -> None:
    """TensorBoard: train and eval loss fall clearly and stay finite, eval accuracy ends near 1."""
    train = [v for _, v in _tb_scalars(out, "train/loss")]
    val = [v for _, v in _tb_scalars(out, "eval/loss")]
    acc = [v for _, v in _tb_scalars(out, "eval/accuracy")]
    assert _finite(train) and _finite(val)
    assert max(train[-5:]) < 0.2 * train[0]
    assert val[-1] < 0.2 * val[0]
    assert acc[-1] >= 0.95
    assert "Val Acc" in (out / "console.log").read_text()
    assert truth["healthy"] is True


def _check_nonfinite_at_truth_step(out: Path, truth: dict) -> list:
    step = truth["first_bad"]["step"]
    rows = _tb_scalars(out, "train/loss")
    assert [s for s, _ in rows if s < step] and _finite(v for s, v in rows if s < step)
    at = [v for s, v in rows if s == step]
    assert at and not math.isfinite(at[0]), (step, at)
    assert not _finite(v for s, v in rows if s >= step)
    assert not math.isfinite(_tb_scalars(out, "eval/loss")[-1][1])
    assert f"Step {step} | Train Loss: nan" in (out / "console.log").read_text()
    return rows


def check_torch_fp16_overflow(out: Path, truth: dict) -> None:
    """TensorBoard: huge finite losses (unnormalised inputs in fp16), then non-finite from the truth step."""
    rows = _check_nonfinite_at_truth_step(out, truth)
    assert rows[0][1] > 100 * LN_K
    assert "precision='fp16'" in (out / "console.log").read_text()


def check_torch_lstm_bf16_nan(out: Path, truth: dict) -> None:
    """TensorBoard: finite near-chance losses, then non-finite from the truth step on."""
    _check_nonfinite_at_truth_step(out, truth)


def check_torch_label_out_of_range(out: Path, truth: dict) -> None:
    """console.log ends in an IndexError traceback right after the last logged step (the step before the truth)."""
    text = (out / "console.log").read_text()
    assert "Traceback (most recent call last)" in text
    assert "IndexError: Target 4 is out of bounds." in text
    assert text.index("Traceback") > text.rindex("Train Loss:")
    steps = [int(line.split("| Step ")[1].split(" ")[0]) for line in text.splitlines() if "| Step " in line]
    assert steps and max(steps) == truth["first_bad"]["step"] - 1
    assert not (out / "tb").exists() or not any((out / "tb").iterdir())


def check_torch_loss_spike(out: Path, truth: dict) -> None:
    """TensorBoard: the loss jumps >10x its recent median at the truth step and is back down a few steps later."""
    rows = dict(_tb_scalars(out, "train/loss"))
    step = truth["first_bad"]["step"]
    before = statistics.median(rows[s] for s in range(step - 30, step))
    assert rows[step] > 10 * before, (rows[step], before)
    assert _finite(rows.values())
    later = [rows[s] for s in range(step + 10, step + 40) if s in rows]
    assert later and statistics.median(later) < 2 * before + 0.05
    assert _tb_scalars(out, "eval/accuracy")[-1][1] >= 0.95


def check_torch_rnn_oscillation(out: Path, truth: dict) -> None:
    """history.csv: the RNN's test accuracy swings epoch to epoch far more than the CNN's, which settles."""
    with open(out / "history.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rnn = [float(r["rnn_test_acc"]) for r in rows]
    cnn = [float(r["cnn_test_acc"]) for r in rows]
    assert len(rnn) >= 8
    rnn_swing, cnn_swing = _swings(rnn), _swings(cnn)
    # measured at seed 0: about 6.4 points for the RNN against 0.0 for the CNN
    assert rnn_swing >= 3.0 and rnn_swing >= cnn_swing + 3.0, (rnn_swing, cnn_swing)
    assert min(cnn[len(cnn) // 2 :]) >= 95.0
    tb = [v for _, v in _tb_scalars(out, "rnn/eval/accuracy")]
    assert max(abs(b - a) for a, b in zip(tb, tb[1:])) >= 0.05


CHECKERS: dict = {
    "hf_frozen_backbone": check_hf_frozen_backbone,
    "hf_healthy": check_hf_healthy,
    "hf_lr_too_low": check_hf_lr_too_low,
    "hf_nan_lr": check_hf_nan_lr,
    "hf_optimizer_head_only": check_hf_optimizer_head_only,
    "hf_overfitting": check_hf_overfitting,
    "hf_single_class_eval": check_hf_single_class_eval,
    "hf_warmup_divergence": check_hf_warmup_divergence,
    "lightning_batch_x3": check_lightning_batch_x3,
    "lightning_double_softmax": check_lightning_double_softmax,
    "lightning_healthy": check_lightning_healthy,
    "lightning_nan_inputs": check_lightning_nan_inputs,
    "torch_fp16_overflow": check_torch_fp16_overflow,
    "torch_healthy": check_torch_healthy,
    "torch_label_out_of_range": check_torch_label_out_of_range,
    "torch_loss_spike": check_torch_loss_spike,
    "torch_lstm_bf16_nan": check_torch_lstm_bf16_nan,
    "torch_rnn_oscillation": check_torch_rnn_oscillation,
}


# --------------------------------------------------------------------------------------------- tests


def test_every_scenario_has_a_checker():
    """A new scenario must come with an artifact-level check of its fault."""
    assert sorted(CHECKERS) == scenario_names()


@pytest.mark.parametrize("name", scenario_names())
def test_scenario_shows_its_behaviour_in_its_artifacts(name: str, zoo_dir: Path):
    """The scenario's artifacts show what its truth.json says happened."""
    out = zoo_dir / name
    truth = json.loads((out / "truth.json").read_text())
    assert truth["scenario"] == name
    assert truth["healthy"] or truth["cause"]
    checker: Callable = CHECKERS.get(name)
    assert checker is not None, f"no checker for {name}"
    checker(out, truth)
