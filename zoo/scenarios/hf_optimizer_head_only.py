"""The optimizer is built from the classifier head only, Hugging Face Trainer.

All parameters require gradients (so a trainable-parameter count looks fine), but the ``AdamW`` handed to the
Trainer holds ``model.classifier.parameters()`` only: the encoder gets gradients and never moves. Loss stays near
ln(4), accuracy near chance.
"""

from __future__ import annotations

from pathlib import Path

import torch

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

LEARNING_RATE = 2e-4
MAX_STEPS = 150
SEEDS = (0,)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Train with a head-only optimizer; truth: stuck near ln(4)."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    model = tiny_bert()
    optimizer = torch.optim.AdamW(model.classifier.parameters(), lr=LEARNING_RATE)  # the fault
    args = dict(learning_rate=LEARNING_RATE, max_steps=MAX_STEPS)
    history = train_hf(
        out_dir,
        model,
        HFKeywordDataset(keyword_data(2400, seed=seed)),
        HFKeywordDataset(keyword_data(256, seed=seed + 100)),
        seed=seed,
        args=args,
        optimizers=(optimizer, None),
    )
    write_launch_script(out_dir, "train.py", {"output_dir": "output", **args, "seed": seed})
    losses = [e["loss"] for e in train_entries(history)]
    evals = eval_entries(history)
    in_optimizer = sum(p.numel() for g in optimizer.param_groups for p in g["params"])
    return write_truth(
        out_dir,
        scenario="hf_optimizer_head_only",
        seed=seed,
        framework="hf-trainer",
        symptoms=["stuck_at_chance"],
        also_symptoms=["plateau"],
        cause="optimizer_misses_params",
        also_acceptable=["frozen_backbone", "lr_too_low"],
        first_bad={"step": evals[0]["step"], "series": "eval/loss", "how": "the first evaluation is already at ln(K)"},
        inputs=["output", "launch.sh"],
        fix=["build the optimizer from model.parameters() (or let the Trainer build it)"],
        measured={
            "chance_loss": CHANCE_LOSS,
            "max_rel_dev_from_chance": max(abs(v - CHANCE_LOSS) / CHANCE_LOSS for v in losses),
            "eval_accuracy": [e["eval_accuracy"] for e in evals],
            "params_in_optimizer": in_optimizer,
            "total_params": sum(p.numel() for p in model.parameters()),
        },
    )
