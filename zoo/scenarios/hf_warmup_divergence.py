"""Divergence as warmup ends, Hugging Face Trainer.

The run learns while the lr ramps up (SGD, linear warmup over 100 steps), then the peak lr (6.0, where 0.5 is
what this model tolerates) arrives at the end of warmup and the loss climbs back above chance, no clipping.
"""

from __future__ import annotations

from pathlib import Path

from ..common import (
    HFBagOfTokens,
    HFKeywordDataset,
    finite,
    fresh_dir,
    keyword_data,
    set_seed,
    write_launch_script,
    write_truth,
)
from ..hf_trainer import eval_entries, first_rise, train_entries, train_hf

LEARNING_RATE = 6.0
SANE_LEARNING_RATE = 0.5
WARMUP_STEPS = 100
MAX_STEPS = 200
OPTIM = "sgd"
SEEDS = (0,)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Train through warmup to an unstable peak; truth: divergence where the loss first doubles its minimum."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    args = dict(
        learning_rate=LEARNING_RATE,
        max_steps=MAX_STEPS,
        warmup_steps=WARMUP_STEPS,
        lr_scheduler_type="constant_with_warmup",
        max_grad_norm=0.0,
        optim=OPTIM,
    )
    history = train_hf(
        out_dir,
        HFBagOfTokens(),
        HFKeywordDataset(keyword_data(3200, seed=seed)),
        HFKeywordDataset(keyword_data(256, seed=seed + 100)),
        seed=seed,
        args=args,
    )
    write_launch_script(out_dir, "train.py", {"output_dir": "output", **args, "seed": seed})
    # Windows with a NaN grad_norm are logged as loss 0.0 by the Trainer's NaN filter: they are not low losses.
    train = [
        (e["step"], e["loss"] if finite(e.get("grad_norm", 0.0)) else float("nan")) for e in train_entries(history)
    ]
    rise = first_rise(train, 2.0)
    evals = eval_entries(history)
    return write_truth(
        out_dir,
        scenario="hf_warmup_divergence",
        seed=seed,
        framework="hf-trainer",
        symptoms=["divergence"],
        also_symptoms=["nonfinite", "spike"],
        cause="warmup_peak_instability",
        also_acceptable=["lr_too_high", "no_grad_clipping"],
        first_bad={
            "step": rise,
            "series": "train/loss",
            "how": "first logged train loss above 2x the lowest logged before it",
        }
        if rise
        else None,
        inputs=["output", "launch.sh"],
        fix=[
            {"param": "learning_rate", "from": LEARNING_RATE, "to": SANE_LEARNING_RATE},
            {"param": "max_grad_norm", "from": 0.0, "to": 1.0},
        ],
        measured={
            "warmup_steps": WARMUP_STEPS,
            "min_train_loss": min(v for _, v in train if finite(v)),
            "final_train_loss": train[-1][1],
            "eval_loss": [e["eval_loss"] for e in evals],
        },
    )
