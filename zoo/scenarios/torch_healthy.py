"""Healthy control, plain PyTorch: a bag-of-tokens classifier with AdamW at a sensible lr.

Artifacts: ``console.log`` (``Step N | Train Loss`` and ``Epoch e/E`` lines), ``tb/`` TensorBoard events, ``train.py``.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..common import (
    BagOfTokens,
    batches,
    console_log,
    copy_training_script,
    fresh_dir,
    keyword_data,
    set_seed,
    write_truth,
)
from ..torch_loop import LoopConfig, tensorboard_writer, train_loop

LEARNING_RATE = 3e-3
BATCH_SIZE = 32
EPOCHS = 8
SEQ_LEN = 16
SEEDS = (0, 1, 2)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Train and keep the console log and TensorBoard events; truth: healthy, measured final accuracy."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    train, val = keyword_data(2000, SEQ_LEN, seed=seed), keyword_data(400, SEQ_LEN, seed=seed + 100)
    model = BagOfTokens()
    opt = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    writer = tensorboard_writer(out_dir)
    with console_log(out_dir / "console.log"):
        print(f"Namespace(lr={LEARNING_RATE}, batch_size={BATCH_SIZE}, epochs={EPOCHS}, seed={seed})")
        hist = train_loop(
            model,
            opt,
            lambda e: batches(train, BATCH_SIZE, seed=seed, epoch=e),
            (val.input_ids, val.labels),
            LoopConfig(epochs=EPOCHS),
            writer=writer,
        )
    writer.close()
    copy_training_script(out_dir, __file__)
    return write_truth(
        out_dir,
        scenario="torch_healthy",
        seed=seed,
        framework="pytorch",
        healthy=True,
        inputs=["console.log", "tb", "train.py"],
        measured={
            "first_eval_loss": hist.evals[0]["eval_loss"],
            "final_eval_loss": hist.evals[-1]["eval_loss"],
            "final_eval_acc": hist.evals[-1]["eval_acc"],
        },
    )
