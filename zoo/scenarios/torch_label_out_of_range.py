"""Labels out of range -> the run crashes, plain PyTorch.

The label map has 5 classes (a new "other" class was given to 0.2% of the data) but the head still has 4 outputs.
On CPU ``F.cross_entropy`` checks its targets: the first batch holding a label 4 raises ``IndexError: Target 4 is
out of bounds.`` The traceback lands in the console log after the steps logged so far; that is what the run leaves.
(On a GPU the same fault is a device-side assert or, with some kernels, silently wrong losses.)
"""

from __future__ import annotations

import traceback
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
from ..torch_loop import LoopConfig, train_loop

LEARNING_RATE = 3e-3
BATCH_SIZE = 32
EPOCHS = 3
OTHER_FRACTION = 0.002
SEEDS = (0,)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Train until cross_entropy rejects a label; truth: the step of the crash, read back from the console log."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    train = keyword_data(2000, seed=seed)
    # The few "other" examples: wherever they sit, the first batch holding one crashes. Put them in the first epoch's
    # batch 41 and later so the log shows healthy steps first (a fixed place keeps the truth step stable).
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed * 1000))
    other = order[40 * BATCH_SIZE + 5 :: max(int(1 / OTHER_FRACTION), 1)]
    train.labels[other] = NUM_CLASSES  # the fault: a label the 4-way head cannot produce
    val = keyword_data(400, seed=seed + 100)
    model = BagOfTokens()
    opt = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    error = None
    with console_log(out_dir / "console.log"):
        print(
            f"Namespace(lr={LEARNING_RATE}, batch_size={BATCH_SIZE}, num_labels={NUM_CLASSES}, "
            f"label_map_size={NUM_CLASSES + 1})"
        )
        try:
            train_loop(
                model,
                opt,
                lambda e: batches(train, BATCH_SIZE, seed=seed, epoch=e),
                (val.input_ids, val.labels),
                LoopConfig(epochs=EPOCHS, log_every=1),
            )
        except (IndexError, RuntimeError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
    copy_training_script(out_dir, __file__)
    log = (out_dir / "console.log").read_text(encoding="utf-8").splitlines()
    steps = [int(line.split("| Step ")[1].split()[0]) for line in log if "| Step " in line]
    crash_step = (steps[-1] + 1) if steps else 1
    return write_truth(
        out_dir,
        scenario="torch_label_out_of_range",
        seed=seed,
        framework="pytorch",
        symptoms=["crash"],
        cause="bad_labels",
        first_bad={
            "step": crash_step,
            "series": "train/loss",
            "how": "the step after the last logged one: cross_entropy raised there",
        },
        inputs=["console.log", "train.py"],
        outcome="crash",
        error=error,
        fix=["make the head's output size match the label map (5), or drop the unknown labels"],
        measured={"crash_step": crash_step, "labels_out_of_range": int(other.numel())},
    )
