"""Learning rate far too low -> plateau, Hugging Face Trainer.

lr 1e-6 (meant 1e-3): the loss creeps down by a fraction of a percent over the whole run while a healthy run at
2e-3 solves the task in the same steps.
"""

from __future__ import annotations

from pathlib import Path

from ..common import (
    CHANCE_LOSS,
    HFKeywordDataset,
    fresh_dir,
    keyword_data,
    set_seed,
    tiny_bert,
    write_launch_script,
    write_truth,
)
from ..hf_trainer import eval_entries, train_entries, train_hf

LEARNING_RATE = 1e-6
MAX_STEPS = 150
SEEDS = (0,)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Train at a tiny lr; truth: plateau from the start."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    args = dict(learning_rate=LEARNING_RATE, max_steps=MAX_STEPS)
    history = train_hf(
        out_dir,
        tiny_bert(),
        HFKeywordDataset(keyword_data(2400, seed=seed)),
        HFKeywordDataset(keyword_data(256, seed=seed + 100)),
        seed=seed,
        args=args,
    )
    write_launch_script(out_dir, "train.py", {"output_dir": "output", **args, "seed": seed})
    losses = [e["loss"] for e in train_entries(history)]
    evals = eval_entries(history)
    return write_truth(
        out_dir,
        scenario="hf_lr_too_low",
        seed=seed,
        framework="hf-trainer",
        symptoms=["plateau"],
        also_symptoms=["stuck_at_chance"],
        cause="lr_too_low",
        also_acceptable=["frozen_backbone"],
        first_bad={"step": evals[0]["step"], "series": "eval/loss", "how": "flat from the first evaluation"},
        inputs=["output", "launch.sh"],
        fix=[{"param": "learning_rate", "from": LEARNING_RATE, "to": 2e-3}],
        measured={
            "chance_loss": CHANCE_LOSS,
            "eval_loss": [e["eval_loss"] for e in evals],
            "train_loss_first_last": [losses[0], losses[-1]],
        },
    )
