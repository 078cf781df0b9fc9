"""A loss spike that recovers, plain PyTorch.

A healthy run reads three consecutive batches from a corrupted shard (labels shifted by one class: a join on the
wrong key) at steps 161-163. The loss jumps by an order of magnitude for those steps and the run recovers within a
few dozen steps. The corrupted shard is INJECTED (truth.json "injected"); the spike and the recovery are real.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..common import (
    NUM_CLASSES,
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
EPOCHS = 6
CORRUPT_STEPS = (161, 162, 163)
SEEDS = (0,)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Train with three corrupted batches; truth: spike at the first of them, measured from the logged losses."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    train, val = keyword_data(2000, seed=seed), keyword_data(400, seed=seed + 100)
    model = BagOfTokens()
    opt = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    counter = {"step": 0}

    def epoch_batches(epoch: int):
        for x, y in batches(train, BATCH_SIZE, seed=seed, epoch=epoch):
            counter["step"] += 1
            yield (x, (y + 1) % NUM_CLASSES) if counter["step"] in CORRUPT_STEPS else (x, y)

    writer = tensorboard_writer(out_dir)
    with console_log(out_dir / "console.log"):
        hist = train_loop(
            model,
            opt,
            epoch_batches,
            (val.input_ids, val.labels),
            LoopConfig(epochs=EPOCHS, log_every=1),
            writer=writer,
        )
    writer.close()
    copy_training_script(out_dir, __file__)
    losses = {r["step"]: r["loss"] for r in hist.steps}
    before = [losses[s] for s in range(CORRUPT_STEPS[0] - 20, CORRUPT_STEPS[0])]
    peak_step = max(range(CORRUPT_STEPS[0], CORRUPT_STEPS[-1] + 10), key=lambda s: losses[s])
    baseline = sorted(before)[len(before) // 2]
    recovered = next((s for s in range(peak_step, max(losses) + 1) if losses[s] < 2 * baseline + 0.05), None)
    return write_truth(
        out_dir,
        scenario="torch_loss_spike",
        seed=seed,
        framework="pytorch",
        symptoms=["spike"],
        cause="bad_input_data",
        also_acceptable=["bad_labels", "unknown"],
        first_bad={"step": CORRUPT_STEPS[0], "series": "train/loss", "how": "first corrupted batch (logged)"},
        inputs=["console.log", "tb", "train.py"],
        injected=f"labels shifted by one class in the batches of steps {list(CORRUPT_STEPS)}",
        fix=["find and drop the corrupted shard; the run itself recovered"],
        measured={
            "median_loss_before": baseline,
            "peak_step": peak_step,
            "peak_loss": losses[peak_step],
            "recovered_at_step": recovered,
            "final_eval_acc": hist.evals[-1]["eval_acc"],
        },
    )
