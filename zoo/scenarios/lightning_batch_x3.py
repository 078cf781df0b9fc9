"""Effective batch tripled at the same lr with a summed loss -> divergence, Lightning (the seed-002 failure, small).

Two sibling runs: ``baseline/`` (batch 16) and ``batch48/`` (batch 48), both SGD at the same lr with a warmup over
the first epoch and ``reduction="sum"``. A summed loss makes the gradient, and so the step, grow with the batch:
batch 48 at the same lr is a 3x larger step. The baseline trains; the batch-48 run learns during warmup and then
its eval loss climbs to NaN once the lr reaches its peak.
"""

from __future__ import annotations

from pathlib import Path

from ..common import BagOfTokens, fresh_dir, keyword_data, set_seed, write_truth
from ..hf_trainer import first_rise
from ..lightning_run import LitClassifier, column, loaders, read_metrics, train_lightning

LEARNING_RATE = 0.3
BASE_BATCH = 16
BIG_BATCH = 48
EPOCHS = 6
SEEDS = (0,)


def _fit(out_dir: Path, seed: int, batch: int) -> list:
    set_seed(seed)
    train, val = keyword_data(2400, seed=seed), keyword_data(400, seed=seed + 100)
    warmup = len(train) // batch  # one epoch of warmup at this batch size, as in the seed run
    module = LitClassifier.build(
        BagOfTokens(),
        lr=LEARNING_RATE,
        batch_size=batch,
        loss_reduction="sum",
        optimizer="sgd",
        warmup_steps=warmup,
        grad_accum=1,
    )
    tl, vl = loaders((train.input_ids, train.labels), (val.input_ids, val.labels), batch, seed)
    return read_metrics(train_lightning(out_dir, module, tl, vl, max_epochs=EPOCHS))


def run(out_dir: Path, seed: int = 0) -> dict:
    """Fit both runs; truth: divergence of the batch-48 run's eval loss (measured), none in the baseline."""
    out_dir = fresh_dir(out_dir)
    base = _fit(out_dir / "baseline", seed, BASE_BATCH)
    big = _fit(out_dir / "batch48", seed, BIG_BATCH)
    big_val = column(big, "val_loss")
    base_val = column(base, "val_loss")
    epochs = {r["step"]: r["epoch"] for r in big if "val_loss" in r}
    rise = first_rise(big_val, 1.5)
    return write_truth(
        out_dir,
        scenario="lightning_batch_x3",
        seed=seed,
        framework="lightning",
        symptoms=["divergence"],
        also_symptoms=["nonfinite", "metric_collapse"],
        cause="batch_lr_mismatch",
        also_acceptable=["warmup_peak_instability", "lr_too_high"],
        first_bad={
            "step": rise,
            "epoch": epochs.get(rise),
            "series": "eval/loss",
            "how": "first eval loss above 1.5x the lowest before it",
        }
        if rise
        else None,
        inputs=["batch48"],
        references=["baseline"],
        fix=[{"param": "lr", "from": LEARNING_RATE, "to": LEARNING_RATE * BASE_BATCH / BIG_BATCH}],
        measured={
            "baseline_val_loss": [v for _, v in base_val],
            "batch48_val_loss": [v for _, v in big_val],
            "baseline_val_acc": [v for _, v in column(base, "val_acc")],
            "batch48_val_acc": [v for _, v in column(big, "val_acc")],
        },
    )
