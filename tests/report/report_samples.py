"""Reports built by hand (findings, diagnoses, fixes, series) so the renderers are tested on their own."""

from __future__ import annotations

import numpy as np

from trainmedic.findings import Diagnosis, Evidence, Finding, Fix
from trainmedic.i18n import Msg
from trainmedic.report.model import Report, RunSummary, Table
from trainmedic.run import Series


def nan_run_series(n_train: int = 35, nan_from: int = 2100) -> dict:
    """Seed 000's curves: train loss logged every 100 steps, NaN from step 2100; eval every 500 steps."""
    steps = np.arange(1, n_train + 1) * 100.0
    loss = 0.7 * np.exp(-steps / 800) + 0.05
    loss[steps >= nan_from] = np.nan
    grad = np.where(steps >= nan_from, np.nan, 1.0 + 0.1 * np.sin(steps))
    grad[steps == nan_from - 100] = np.inf
    lr = np.minimum(steps / 500, 1.0) * 2e-5
    esteps = np.arange(500, steps[-1] + 1, 500)
    f1 = np.array([0.81, 0.90, 0.92, 0.9322, 0.0233, 0.0233, 0.0233])[: len(esteps)]
    eloss = np.where(esteps >= 2500, np.nan, 0.3 - esteps / 20000)
    epoch = steps / 3125
    return {
        "train/loss": Series.build("train/loss", loss, step=steps, epoch=epoch, label="Train Loss"),
        "train/grad_norm": Series.build("train/grad_norm", grad, step=steps, epoch=epoch, label="grad_norm"),
        "train/lr": Series.build("train/lr", lr, step=steps, epoch=epoch, label="learning_rate"),
        "eval/loss": Series.build("eval/loss", eloss, step=esteps, epoch=esteps / 3125, label="eval_loss"),
        "eval/f1": Series.build("eval/f1", f1, step=esteps, epoch=esteps / 3125, label="eval_f1"),
    }


def failed_report() -> Report:
    """A failed run: NaN at step 2100, F1 collapse at 2500, wasted compute until 3500."""
    nonfinite = Finding(
        code="TM101",
        rule="nonfinite-loss",
        symptom="nonfinite",
        severity="error",
        message="Train loss became NaN at step 2100 and never recovered.",
        series="train/loss",
        series_label="Train Loss",
        at={"step": 2100, "epoch": 0.67},
        until={"step": 3500, "epoch": 1.12},
        evidence=[
            Evidence("train/loss", 0.0623, at={"step": 2000, "epoch": 0.64}, note="last finite value"),
            Evidence("train/loss", float("nan"), at={"step": 2100, "epoch": 0.67}),
        ],
    )
    collapse = Finding(
        code="TM108",
        rule="metric-collapse",
        symptom="metric_collapse",
        severity="error",
        message="eval F1 fell from 0.9322 to 0.0233 [one class predicted].",
        series="eval/f1",
        series_label="eval_f1",
        at={"step": 2500, "epoch": 0.8},
        evidence=[Evidence("eval/f1", 0.9322, at={"step": 2000}), Evidence("eval/f1", 0.0233, at={"step": 2500})],
    )
    wasted = Finding(
        code="TM112",
        rule="wasted-compute",
        symptom="wasted_compute",
        severity="warning",
        message="Early stopping waited 3 evaluations after the loss was already NaN.",
        series="eval/f1",
        at={"step": 2500},
        until={"step": 3500},
    )
    diag = Diagnosis(
        cause="recurrent_long_sequence",
        confidence=0.85,
        title="LSTM over 4096 tokens under bf16 without clipping",
        explanation="Backprop through time over 4096 steps multiplies the recurrent Jacobian 4096 times.",
        findings=["TM101", "TM108"],
        fixes=[
            Fix(why="clipping bounds the step the optimizer takes", param="max_grad_norm", from_=0.0, to=1.0),
            Fix(why="keeps bf16 for the encoder", action="run the LSTM in float32 (autocast disabled)"),
        ],
    )
    second = Diagnosis(
        cause="no_grad_clipping",
        confidence=0.6,
        title="No gradient clipping",
        explanation="max_grad_norm=0 turns clipping off.",
        findings=["TM101"],
        fixes=[Fix(why="same", param="max_grad_norm", from_=0.0, to=1.0)],
    )
    run = RunSummary(
        path="output/trainer_state.json",
        format="hf-trainer",
        series=["train/loss", "train/grad_norm", "train/lr", "eval/loss", "eval/f1"],
        points=119,
        config={"lr": 2e-05, "per_device_batch": 16, "precision": "bf16", "max_grad_norm": 0.0, "effective_batch": 64},
        config_sources={
            "lr": "bertTextRNN_FT.py:10",
            "per_device_batch": "bertTextRNN_FT.py:11",
            "precision": "bertTextRNN_FT.py:14",
            "max_grad_norm": "training_args.bin",
            "effective_batch": "derived from per_device_batch, grad_accum",
        },
    )
    return Report(
        conclusion="Train Loss became NaN at step 2100 (epoch 0.67), most likely because the LSTM runs over 4096 tokens "
        "under bf16 without clipping.",
        runs=[run],
        findings=[wasted, collapse, nonfinite],
        diagnoses=[diag, second],
        checkpoints={
            "last_healthy": "output/checkpoint-2000",
            "broken": ["output/checkpoint-2500"],
            "resume": "resume_from_checkpoint='output/checkpoint-2000'",
        },
        watch_next=["train/grad_norm: healthy 0.1-5; stop if it exceeds 10x its median"],
        notes=["trainer_state.json logs 0.0 for a window that was all NaN (logging_nan_inf_filter)."],
        series_data=nan_run_series(),
    )


def healthy_report() -> Report:
    steps = np.arange(1, 51) * 10.0
    return Report(
        conclusion=Msg("narrative.conclusion.healthy", {"points": 50, "series": 1}),
        runs=[
            RunSummary(
                path="metrics.csv",
                format="csv",
                series=["train/loss"],
                points=50,
                config={"lr": 3e-4},
                config_sources={"lr": "train.sh:3"},
            )
        ],
        series_data={"train/loss": Series.build("train/loss", 1 / np.sqrt(steps), step=steps)},
    )


def preflight_report() -> Report:
    info = Finding(
        code="TM301",
        rule="optimizer-misses-params",
        symptom="vanishing_gradient",
        severity="warning",
        message=Msg("preflight.finding.frozen_in_opt", {"tensors": 3}),
        series="",
    )
    return Report(
        kind="preflight",
        findings=[info],
        conclusion=Msg("preflight.conclusion.ok"),
        tables=[
            Table(
                title="Trainable parameters",
                key="parameters",
                columns=["Module", "Trainable", "Total", "Ratio"],
                rows=[["encoder", 0, 168181248, 0.0], ["classifier", 260356, 260356, 1.0]],
            )
        ],
    )
