"""Healthy control, Lightning: the bag-of-tokens classifier in a LightningModule, CSVLogger.

Artifacts: ``lightning_logs/version_0/metrics.csv`` and ``hparams.yaml``, ``checkpoints/``, ``console.log``.
"""

from __future__ import annotations

from pathlib import Path

from ..common import BagOfTokens, fresh_dir, keyword_data, set_seed, write_truth
from ..lightning_run import LitClassifier, column, loaders, read_metrics, train_lightning

LEARNING_RATE = 3e-3
BATCH_SIZE = 32
EPOCHS = 6
SEEDS = (0, 1, 2)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Fit; truth: healthy, with the measured eval losses."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    train, val = keyword_data(2000, seed=seed), keyword_data(400, seed=seed + 100)
    module = LitClassifier.build(BagOfTokens(), lr=LEARNING_RATE, batch_size=BATCH_SIZE)
    tl, vl = loaders((train.input_ids, train.labels), (val.input_ids, val.labels), BATCH_SIZE, seed)
    metrics = train_lightning(out_dir, module, tl, vl, max_epochs=EPOCHS)
    rows = read_metrics(metrics)
    return write_truth(
        out_dir,
        scenario="lightning_healthy",
        seed=seed,
        framework="lightning",
        healthy=True,
        inputs=["lightning_logs"],
        measured={
            "val_loss": [v for _, v in column(rows, "val_loss")],
            "val_acc": [v for _, v in column(rows, "val_acc")],
        },
    )
