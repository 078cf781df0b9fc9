"""Frozen backbone -> stuck at chance, Hugging Face Trainer.

Every BERT parameter but the classifier head has ``requires_grad=False`` and the lr is a fine-tuning lr (2e-5): the
head alone on frozen random features cannot move the loss away from ln(4) in the steps given, and accuracy stays
near 1/4 — the model predicts the class prior.
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

LEARNING_RATE = 2e-5
MAX_STEPS = 150
SEEDS = (0,)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Train the head only; truth: stuck_at_chance from the first evaluation, measured distance to ln(4)."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    model = tiny_bert()
    for p in model.bert.parameters():
        p.requires_grad = False
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    args = dict(learning_rate=LEARNING_RATE, max_steps=MAX_STEPS)
    history = train_hf(
        out_dir,
        model,
        HFKeywordDataset(keyword_data(2400, seed=seed)),
        HFKeywordDataset(keyword_data(256, seed=seed + 100)),
        seed=seed,
        args=args,
    )
    write_launch_script(out_dir, "train.py", {"output_dir": "output", **args, "freeze_encoder": True, "seed": seed})
    losses = [e["loss"] for e in train_entries(history)]
    evals = eval_entries(history)
    return write_truth(
        out_dir,
        scenario="hf_frozen_backbone",
        seed=seed,
        framework="hf-trainer",
        symptoms=["stuck_at_chance"],
        also_symptoms=["plateau"],
        cause="frozen_backbone",
        also_acceptable=["lr_too_low", "optimizer_misses_params"],
        first_bad={"step": evals[0]["step"], "series": "eval/loss", "how": "the first evaluation is already at ln(K)"},
        inputs=["output", "launch.sh"],
        fix=["unfreeze the encoder", {"param": "learning_rate", "from": LEARNING_RATE, "to": 2e-3}],
        measured={
            "chance_loss": CHANCE_LOSS,
            "max_rel_dev_from_chance": max(abs(v - CHANCE_LOSS) / CHANCE_LOSS for v in losses),
            "eval_accuracy": [e["eval_accuracy"] for e in evals],
            "trainable_params": trainable,
            "total_params": total,
        },
    )
