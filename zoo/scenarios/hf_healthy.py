"""Healthy control, Hugging Face Trainer: a tiny BERT fine-tuned on the keyword task with a sensible lr.

Artifacts: ``output/checkpoint-*/`` (trainer_state.json, training_args.bin, weights), ``output/trainer_state.json``,
``console.log``, ``launch.sh``.
"""

from __future__ import annotations

from pathlib import Path

from ..common import HFKeywordDataset, fresh_dir, keyword_data, set_seed, tiny_bert, write_launch_script, write_truth
from ..hf_trainer import eval_entries, train_hf

LEARNING_RATE = 2e-3
MAX_STEPS = 200
WARMUP_STEPS = 20
SEEDS = (0, 1, 2)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Fine-tune; truth: healthy, with the measured eval loss and accuracy at the end."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    args = dict(learning_rate=LEARNING_RATE, max_steps=MAX_STEPS, warmup_steps=WARMUP_STEPS, lr_scheduler_type="linear")
    history = train_hf(
        out_dir,
        tiny_bert(),
        HFKeywordDataset(keyword_data(3200, seed=seed)),
        HFKeywordDataset(keyword_data(256, seed=seed + 100)),
        seed=seed,
        args=args,
    )
    write_launch_script(out_dir, "run_glue.py", {"output_dir": "output", **args, "seed": seed})
    evals = eval_entries(history)
    return write_truth(
        out_dir,
        scenario="hf_healthy",
        seed=seed,
        framework="hf-trainer",
        healthy=True,
        inputs=["output", "launch.sh"],
        measured={
            "first_eval_loss": evals[0]["eval_loss"],
            "final_eval_loss": evals[-1]["eval_loss"],
            "final_eval_accuracy": evals[-1]["eval_accuracy"],
        },
    )
