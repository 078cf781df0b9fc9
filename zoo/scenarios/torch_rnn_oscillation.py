"""Vanilla RNN without clipping -> oscillating eval accuracy, plain PyTorch (the seed-003 failure, small).

One script trains a tanh ``nn.RNN`` and a 1-D CNN on the same data with Adam at lr 1e-2, no gradient clipping,
and logs both to ``history.csv`` (``rnn_test_acc``, ``cnn_test_acc`` ...), the console and TensorBoard. The RNN's
eval accuracy swings from epoch to epoch while the CNN's settles.
"""

from __future__ import annotations

import csv
from pathlib import Path

import torch

from ..common import (
    ConvClassifier,
    RecurrentClassifier,
    batches,
    console_log,
    copy_training_script,
    fresh_dir,
    keyword_data,
    set_seed,
    write_truth,
)
from ..torch_loop import LoopConfig, tensorboard_writer, train_loop

LEARNING_RATE = 1e-2
BATCH_SIZE = 64
EPOCHS = 12
SEQ_LEN = 32
SEEDS = (0,)


def swings(values: list) -> float:
    """Mean absolute epoch-to-epoch change over the second half of training (after the first learning)."""
    tail = values[len(values) // 2 :]
    return sum(abs(b - a) for a, b in zip(tail, tail[1:])) / max(len(tail) - 1, 1)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Train both models; truth: oscillation on rnn test accuracy, measured swings of both."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    train, val = keyword_data(1500, SEQ_LEN, seed=seed), keyword_data(400, SEQ_LEN, seed=seed + 100)
    writer = tensorboard_writer(out_dir)
    hists = {}
    with console_log(out_dir / "console.log"):
        for name, model in (("rnn", RecurrentClassifier("rnn")), ("cnn", ConvClassifier())):
            set_seed(seed)
            opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
            hists[name] = train_loop(
                model,
                opt,
                lambda e: batches(train, BATCH_SIZE, seed=seed, epoch=e),
                (val.input_ids, val.labels),
                LoopConfig(epochs=EPOCHS, log_every=10, prefix=f"{name}/", label=f"[{name.upper()}] "),
                writer=writer,
            )
    writer.close()
    with open(out_dir / "history.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "epoch",
                "rnn_train_loss",
                "rnn_test_loss",
                "rnn_test_acc",
                "cnn_train_loss",
                "cnn_test_loss",
                "cnn_test_acc",
            ]
        )
        for r, c in zip(hists["rnn"].evals, hists["cnn"].evals):
            w.writerow(
                [
                    r["epoch"],
                    f"{r['train_loss']:.4f}",
                    f"{r['eval_loss']:.4f}",
                    f"{100 * r['eval_acc']:.2f}",
                    f"{c['train_loss']:.4f}",
                    f"{c['eval_loss']:.4f}",
                    f"{100 * c['eval_acc']:.2f}",
                ]
            )
    copy_training_script(out_dir, __file__, name="models.py")
    rnn_acc = [100 * e["eval_acc"] for e in hists["rnn"].evals]
    cnn_acc = [100 * e["eval_acc"] for e in hists["cnn"].evals]
    return write_truth(
        out_dir,
        scenario="torch_rnn_oscillation",
        seed=seed,
        framework="pytorch",
        symptoms=["oscillation"],
        cause="no_grad_clipping",
        also_acceptable=["recurrent_long_sequence", "lr_too_high", "small_batch_noise"],
        first_bad={"epoch": EPOCHS // 2, "series": "rnn/eval/acc", "how": "swings measured over the second half"},
        must_not_find=[{"symptom": "oscillation", "series": "cnn_test_acc"}],
        inputs=["history.csv", "models.py"],
        fix=[
            "clip_grad_norm_(model.parameters(), 1.0)",
            {"param": "lr", "from": LEARNING_RATE, "to": 1e-3},
            "use nn.LSTM or nn.GRU",
        ],
        measured={
            "rnn_test_acc": rnn_acc,
            "cnn_test_acc": cnn_acc,
            "rnn_swing_pts": swings(rnn_acc),
            "cnn_swing_pts": swings(cnn_acc),
        },
    )
