"""fp16 overflow, plain PyTorch under ``torch.autocast("cpu", dtype=torch.float16)`` without a GradScaler.

The features are raw sensor readings (never normalised, magnitudes ~1e4). The MLP's activations sit near fp16's
largest value (65504); a few dozen Adam steps later a hidden activation passes it, the logits become inf, the loss
NaN, and the weights NaN after the update. Natural: nothing is injected.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..common import console_log, copy_training_script, feature_data, fresh_dir, set_seed, write_truth
from ..torch_loop import LoopConfig, tensorboard_writer, train_loop

FEATURE_SCALE = 12000.0
LEARNING_RATE = 3e-3
BATCH_SIZE = 32
EPOCHS = 2
PRECISION = "fp16"
SEEDS = (0,)


def mlp() -> nn.Module:
    """Three linear layers with ReLU, no normalisation."""
    return nn.Sequential(nn.Linear(16, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 4))


def run(out_dir: Path, seed: int = 0) -> dict:
    """Train under fp16 autocast until the activations overflow; truth: first non-finite logged loss."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    x, y = feature_data(2000, seed=seed, scale=FEATURE_SCALE)
    vx, vy = feature_data(400, seed=seed + 100, scale=FEATURE_SCALE)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)

    def epoch_batches(epoch: int):
        order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed * 1000 + epoch))
        for i in range(0, len(y), BATCH_SIZE):
            yield x[order[i : i + BATCH_SIZE]], y[order[i : i + BATCH_SIZE]]

    writer = tensorboard_writer(out_dir)
    with console_log(out_dir / "console.log"):
        print(
            f"Namespace(lr={LEARNING_RATE}, batch_size={BATCH_SIZE}, precision='{PRECISION}', amp=True, "
            f"grad_scaler=False, normalize_features=False)"
        )
        hist = train_loop(
            model,
            opt,
            epoch_batches,
            (vx, vy),
            LoopConfig(epochs=EPOCHS, log_every=1, autocast=torch.float16),
            writer=writer,
        )
    writer.close()
    copy_training_script(out_dir, __file__)
    bad = hist.first_nonfinite_step()
    return write_truth(
        out_dir,
        scenario="torch_fp16_overflow",
        seed=seed,
        framework="pytorch",
        symptoms=["nonfinite"],
        cause="mixed_precision_overflow",
        also_acceptable=["bad_input_data", "lr_too_high"],
        first_bad={"step": bad, "series": "train/loss", "how": "first logged non-finite loss"} if bad else None,
        inputs=["console.log", "tb", "train.py"],
        fix=["normalise the input features", "use bf16 or a GradScaler with fp16"],
        measured={"first_nonfinite_step": bad, "first_loss": hist.steps[0]["loss"]},
    )
