"""Overfitting: a tiny, noisy training set trained for many epochs, Hugging Face Trainer.

96 training examples, a third of their labels random: the model memorises them (train loss towards 0) while the
eval loss, after its early minimum, climbs.
"""

from __future__ import annotations

from pathlib import Path

from ..common import HFKeywordDataset, fresh_dir, keyword_data, set_seed, tiny_bert, write_launch_script, write_truth
from ..hf_trainer import eval_entries, first_rise, train_entries, train_hf

LEARNING_RATE = 3e-3
TRAIN_SIZE = 96
LABEL_NOISE = 0.35
EPOCHS = 40
SEEDS = (0,)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Train to memorisation; truth: overfitting from the eval-loss minimum, measured."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    args = dict(
        learning_rate=LEARNING_RATE,
        num_train_epochs=EPOCHS,
        per_device_train_batch_size=16,
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=3,
        logging_steps=6,
    )
    history = train_hf(
        out_dir,
        tiny_bert(),
        HFKeywordDataset(keyword_data(TRAIN_SIZE, seed=seed, label_noise=LABEL_NOISE)),
        HFKeywordDataset(keyword_data(256, seed=seed + 100)),
        seed=seed,
        args=args,
    )
    write_launch_script(out_dir, "train.py", {"output_dir": "output", **args, "seed": seed})
    evals = eval_entries(history)
    best = min(evals, key=lambda e: e["eval_loss"])
    rise = first_rise([(e["step"], e["eval_loss"]) for e in evals], 1.25)
    losses = [e["loss"] for e in train_entries(history)]
    return write_truth(
        out_dir,
        scenario="hf_overfitting",
        seed=seed,
        framework="hf-trainer",
        symptoms=["overfitting"],
        cause="overfitting_capacity",
        first_bad={
            "step": best["step"],
            "epoch": best["epoch"],
            "series": "eval/loss",
            "how": "step of the lowest eval loss; it only rises after",
        },
        inputs=["output", "launch.sh"],
        fix=["stop at the best eval loss (load_best_model_at_end, EarlyStoppingCallback)", "more data, less noise"],
        measured={
            "best_eval_loss": best["eval_loss"],
            "final_eval_loss": evals[-1]["eval_loss"],
            "eval_loss_rise_step": rise,
            "train_loss_first_last": [losses[0], losses[-1]],
        },
    )
