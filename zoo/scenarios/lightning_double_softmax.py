"""Softmax fed to CrossEntropyLoss (double softmax), Lightning.

The model's ``forward`` already ends in ``softmax`` and the loss applies ``log_softmax`` again: the loss can never
go below log(1 + (K-1)/e) ~ 0.74 for K=4, learning crawls and the loss plateaus far above a healthy run's while
accuracy may still climb.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..common import NUM_CLASSES, BagOfTokens, fresh_dir, keyword_data, set_seed, write_truth
from ..lightning_run import LitClassifier, column, loaders, read_metrics, train_lightning

LEARNING_RATE = 3e-3
BATCH_SIZE = 32
EPOCHS = 6
SEEDS = (0,)
LOSS_FLOOR = math.log(1 + (NUM_CLASSES - 1) / math.e)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Fit with softmax before the loss; truth: plateau above the double-softmax floor."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    train, val = keyword_data(2000, seed=seed), keyword_data(400, seed=seed + 100)
    module = LitClassifier.build(
        BagOfTokens(),
        lr=LEARNING_RATE,
        batch_size=BATCH_SIZE,
        softmax_before_loss=True,
        output_activation="softmax",
        loss="CrossEntropyLoss",
    )
    tl, vl = loaders((train.input_ids, train.labels), (val.input_ids, val.labels), BATCH_SIZE, seed)
    rows = read_metrics(train_lightning(out_dir, module, tl, vl, max_epochs=EPOCHS))
    train_loss = [v for _, v in column(rows, "train_loss")]
    return write_truth(
        out_dir,
        scenario="lightning_double_softmax",
        seed=seed,
        framework="lightning",
        symptoms=["plateau"],
        cause="loss_output_mismatch",
        also_acceptable=["lr_too_low"],
        first_bad={"epoch": 1, "series": "train/loss", "how": "the floor is there from the start"},
        inputs=["lightning_logs"],
        fix=["return logits from forward; CrossEntropyLoss applies log-softmax itself"],
        measured={
            "loss_floor": LOSS_FLOOR,
            "min_train_loss": min(train_loss),
            "val_acc": [v for _, v in column(rows, "val_acc")],
        },
    )
