"""Single-class evaluation set -> eval accuracy pinned at exactly 0 or 1, Hugging Face Trainer.

Training is healthy; the eval split was built from one class only (a sorted dataset cut without shuffling), so
accuracy can only be all-or-nothing on that class and F1 is meaningless.
"""

from __future__ import annotations

from pathlib import Path

from ..common import HFKeywordDataset, fresh_dir, keyword_data, set_seed, tiny_bert, write_launch_script, write_truth
from ..hf_trainer import eval_entries, train_hf

LEARNING_RATE = 2e-3
MAX_STEPS = 150
EVAL_CLASSES = (0,)
SEEDS = (0,)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Train normally, evaluate on one class; truth: degenerate_eval from the first evaluation."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    args = dict(learning_rate=LEARNING_RATE, max_steps=MAX_STEPS, warmup_steps=15, lr_scheduler_type="linear")
    history = train_hf(
        out_dir,
        tiny_bert(),
        HFKeywordDataset(keyword_data(2400, seed=seed)),
        HFKeywordDataset(keyword_data(200, seed=seed + 100, classes=EVAL_CLASSES)),
        seed=seed,
        args=args,
    )
    write_launch_script(out_dir, "train.py", {"output_dir": "output", **args, "seed": seed})
    evals = eval_entries(history)
    return write_truth(
        out_dir,
        scenario="hf_single_class_eval",
        seed=seed,
        framework="hf-trainer",
        symptoms=["degenerate_eval"],
        cause="degenerate_eval_set",
        first_bad={"step": evals[0]["step"], "series": "eval/accuracy", "how": "every evaluation"},
        inputs=["output", "launch.sh"],
        fix=["build the eval split with every class (stratified, shuffled)"],
        measured={"eval_accuracy": [e["eval_accuracy"] for e in evals], "eval_classes": list(EVAL_CLASSES)},
    )
