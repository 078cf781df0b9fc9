"""Synthetic Runs shaped like the ones the readers produce for the five seed cases and for healthy noisy runs.

Each builder is a few lines of numbers taken from the seed reports, so that rules and causes can be tested without
the readers.
"""

from __future__ import annotations

import math

import numpy as np

from trainmedic.run import Event, Run, Series


def run_of(*series: Series, config: dict | None = None, events: list | None = None) -> Run:
    run = Run(path="synthetic")
    for s in series:
        run.add_series(s)
    for k, v in (config or {}).items():
        run.config.set(k, v, source="train.py", line=1)
    run.config.derive()
    run.events.extend(events or [])
    return run


def seed000() -> Run:
    """LSTM head under bf16: HF trainer_state with the NaN hidden as loss 0.0 from step 2100."""
    steps = np.arange(100, 3600, 100)
    epoch = steps / 3120.0
    loss = [
        1.18,
        1.08,
        0.93,
        0.84,
        0.71,
        0.67,
        0.60,
        0.52,
        0.45,
        0.44,
        0.35,
        0.37,
        0.30,
        0.26,
        0.26,
        0.23,
        0.21,
        0.20,
        0.22,
        0.20,
    ]
    loss += [0.0] * (len(steps) - len(loss))
    grad = [3.9, 1.7, 2.5, 3.7, 0.9, 2.4, 0.8, 3.5, 4.3, 0.9, 2.8, 2.2, 2.4, 1.6, 2.6, 1.7, 2.5, 2.6, 8.6, 4.5]
    grad += [math.nan] * (len(steps) - len(grad))
    es = np.arange(500, 3600, 500)
    ee = es / 3120.0
    return run_of(
        Series.build("train/loss", loss, step=steps, epoch=epoch, label="loss"),
        Series.build("train/grad_norm", grad, step=steps, epoch=epoch, label="grad_norm"),
        Series.build("train/lr", np.linspace(2e-5, 1.3e-5, len(steps)), step=steps, epoch=epoch),
        Series.build(
            "eval/loss",
            [0.4121, 0.3077, 0.2650, 0.2484, math.nan, math.nan, math.nan],
            step=es,
            epoch=ee,
            label="eval_loss",
        ),
        Series.build(
            "eval/f1", [0.8714, 0.9057, 0.9218, 0.9322, 0.0233, 0.0233, 0.0233], step=es, epoch=ee, label="eval_f1"
        ),
        Series.build(
            "eval/acc",
            [0.8803, 0.911, 0.9254, 0.9347, 0.0714, 0.0714, 0.0714],
            step=es,
            epoch=ee,
            label="eval_accuracy",
        ),
        config={
            "precision": "bf16",
            "max_len": 4096,
            "recurrent_layers": ["nn.LSTM"],
            "max_grad_norm": 0.0,
            "per_device_batch": 16,
            "world_size": 5,
            "warmup_steps": 500,
            "num_classes": 14,
            "lr": 2e-5,
            "logging_steps": 100,
            "eval_steps": 500,
            "early_stopping_patience": 3,
        },
        events=[
            Event("checkpoint", step=float(s), epoch=float(s) / 3120.0, data={"path": f"output_ft_rnn/checkpoint-{s}"})
            for s in es
        ],
    )


def seed001() -> Run:
    """Frozen BERT: per-batch loss at ln 4, epoch accuracy at 1/4."""
    rng = np.random.default_rng(1)
    steps = np.arange(50, 2001, 50)
    batch_loss = math.log(4) + rng.normal(0, 0.008, len(steps))
    ep_steps = np.arange(400, 2001, 400)
    ep_loss = [1.4018, 1.3921, 1.3889, 1.3871, 1.3854]
    return run_of(
        Series.build(
            "train/loss",
            np.concatenate([batch_loss, ep_loss]),
            step=np.concatenate([steps, ep_steps]),
            epoch=np.concatenate([steps / 400.0, ep_steps / 400.0]),
        ),
        Series.build("train/acc", [0.2319, 0.2487, 0.2551, 0.2602, 0.2660], step=ep_steps, epoch=ep_steps / 400.0),
        config={
            "trainable_params": 260356,
            "total_params": 168441604,
            "num_classes": 4,
            "lr": 2e-5,
            "per_device_batch": 128,
            "precision": "fp16",
            "freeze_layers": 9,
            "optimizer_params": "model.classifier.parameters()",
        },
    )


def seed002(with_baseline: bool = True) -> Run:
    """Batch 16 -> 48 at the same lr under a summed focal loss."""
    ep = np.arange(1, 6, dtype=float)
    st = ep * 15000

    def b(name, vals, x=st):
        return Series.build(name, vals, step=x, epoch=ep)

    run = run_of(
        b("train/loss", [182.0, 134.0, 133.0, 133.0, 133.0]),
        b("eval/loss", [110.0, 355.0, 1142.0, 1817.0, 2360.0]),
        b("eval/f1", [0.95, 0.86, 0.44, 0.22, 0.17]),
        b("eval/precision", [0.946, 0.902, 0.781, 0.724, 0.69]),
        b("eval/recall", [0.955, 0.822, 0.306, 0.130, 0.097]),
        b("eval/rare_f1", [0.92, 0.781, 0.452, 0.318, 0.26]),
        b("eval/common_f1", [0.951, 0.866, 0.437, 0.205, 0.16]),
        b("train/lr", [7.5e-5, 5.625e-5, 3.75e-5, 1.875e-5, 0.0]),
        config={
            "per_device_batch": 48,
            "grad_accum": 4,
            "lr": 7.5e-5,
            "warmup_steps": 15000,
            "loss": "focal",
            "output_path": "output_v17_memfix/rag_bert.model",
        },
        events=[
            Event(
                "checkpoint", step=15000.0 * e, epoch=float(e), data={"path": f"output_v17_memfix/rag_bert.model.ep{e}"}
            )
            for e in range(1, 6)
        ],
    )
    if with_baseline:
        bst = ep * 45000
        run.references.append(
            run_of(
                b("train/loss", [188.2, 121.6, 112.3, 106.8, 103.1], bst),
                b("eval/loss", [112.4, 104.9, 101.7, 100.2, 99.6], bst),
                b("eval/f1", [0.951, 0.958, 0.962, 0.964, 0.965], bst),
                config={"per_device_batch": 16, "grad_accum": 4, "lr": 7.5e-5, "warmup_steps": 15000, "loss": "focal"},
            )
        )
    return run


RNN_ACC = [
    42.98,
    47.1,
    49.02,
    51.61,
    53.93,
    55.38,
    57.85,
    58.15,
    58.83,
    60.45,
    61.4,
    62.37,
    61.37,
    62.55,
    63.09,
    63.45,
    64.42,
    64.16,
    63.52,
    66.82,
    66.3,
    62.62,
    67.99,
    68.2,
    62.97,
    62.04,
    61.95,
    66.92,
    62.85,
    62.76,
    62.84,
    67.39,
    67.1,
    67.1,
    66.34,
    61.4,
    61.78,
    61.15,
    66.37,
    65.3,
    61.69,
    67.7,
    64.47,
    62.22,
    61.9,
    60.91,
    62.0,
    67.07,
    59.97,
    65.83,
]
CNN_ACC = [
    48.3,
    50.66,
    53.06,
    55.18,
    57.3,
    59.07,
    60.04,
    61.44,
    62.06,
    63.12,
    64.22,
    64.7,
    65.59,
    65.51,
    66.37,
    66.7,
    67.12,
    66.86,
    67.64,
    67.29,
    67.61,
    68.22,
    67.85,
    68.12,
    68.14,
    68.26,
    68.81,
    68.69,
    68.55,
    68.56,
    69.03,
    68.85,
    68.78,
    68.99,
    68.63,
    68.88,
    68.65,
    68.7,
    68.72,
    68.59,
    68.76,
    68.9,
    69.27,
    68.76,
    69.04,
    68.68,
    68.96,
    69.29,
    68.74,
    69.04,
]


def seed003() -> Run:
    """Two models in one history.csv: a stable CNN and an oscillating vanilla RNN."""
    ep = np.arange(1, 51, dtype=float)
    rnn_loss = 0.6 + 0.63 * np.exp(-(ep - 1) / 9)
    cnn_loss = 0.5 + 0.67 * np.exp(-(ep - 1) / 8)
    return run_of(
        Series.build("cnn2/train/loss", cnn_loss, epoch=ep, label="cnn2_train_loss"),
        Series.build("cnn2/eval/acc", CNN_ACC, epoch=ep, label="cnn2_test_acc"),
        Series.build("rnn/train/loss", rnn_loss, epoch=ep, label="rnn_train_loss"),
        Series.build("rnn/eval/acc", RNN_ACC, epoch=ep, label="rnn_test_acc"),
        config={
            "lr": 0.001,
            "per_device_batch": 64,
            "recurrent_layers": ["nn.RNN"],
            "optimizer": "Adam",
            "clipping": False,
        },
    )


def seed004() -> Run:
    """fp16 on two GPUs: train loss rises, then NaN; val accuracy exactly 0 then exactly 1."""
    ep = [1.0, 2.0, 3.0]
    return run_of(
        Series.build("train/loss", [0.4974, 0.7663, math.nan], epoch=ep, label="Train Loss"),
        Series.build("eval/loss", [2.1927, math.nan, math.nan], epoch=ep, label="Val Loss"),
        Series.build("eval/acc", [0.0, 1.0, 1.0], epoch=ep, label="Val Acc"),
        config={"precision": "fp16", "world_size": 2, "per_device_batch": 4, "lr": 1e-4, "max_grad_norm": 0.0},
    )


def healthy(seed: int = 0, n: int = 400, eval_every: int = 40) -> Run:
    """A healthy noisy classifier: per-step loss decaying with batch noise, periodic eval, grad norm jitter."""
    rng = np.random.default_rng(seed)
    steps = np.arange(1, n + 1) * 10.0
    base = 0.25 + 0.45 * np.exp(-steps / 1200)
    loss = base * np.exp(rng.normal(0, 0.15, n))
    grad = 1.5 * np.exp(rng.normal(0, 0.4, n))
    es = steps[eval_every - 1 :: eval_every]
    eval_loss = 0.3 + 0.4 * np.exp(-es / 1200) + rng.normal(0, 0.01, len(es))
    acc = 0.92 - 0.3 * np.exp(-es / 1200) + rng.normal(0, 0.006, len(es))
    return run_of(
        Series.build("train/loss", loss, step=steps, epoch=steps / 1000),
        Series.build("train/grad_norm", grad, step=steps, epoch=steps / 1000),
        Series.build("eval/loss", eval_loss, step=es, epoch=es / 1000),
        Series.build("eval/acc", acc, step=es, epoch=es / 1000),
        config={"lr": 5e-5, "per_device_batch": 32, "max_grad_norm": 1.0, "num_classes": 2},
    )
