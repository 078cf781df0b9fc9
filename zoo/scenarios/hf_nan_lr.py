"""Learning rate far too high -> NaN, Hugging Face Trainer.

SGD at lr 20 (a typo for 0.2) with warmup and no clipping (``max_grad_norm=0``). The loss falls for a few windows,
then the weights overflow as the lr climbs: ``grad_norm`` becomes NaN in ``trainer_state.json`` and the Trainer's
``logging_nan_inf_filter`` writes the loss of an all-NaN window as ``0.0``; eval loss is NaN from then on.
"""

from __future__ import annotations

from pathlib import Path

from ..common import (
    HFBagOfTokens,
    HFKeywordDataset,
    fresh_dir,
    keyword_data,
    set_seed,
    write_launch_script,
    write_truth,
)
from ..hf_trainer import checkpoint_steps, first_nonfinite, first_nonfinite_eval, train_hf

LEARNING_RATE = 20.0
SANE_LEARNING_RATE = 0.2
MAX_STEPS = 120
WARMUP_STEPS = 60
OPTIM = "sgd"
MAX_GRAD_NORM = 0.0
SEEDS = (0,)


def run(out_dir: Path, seed: int = 0) -> dict:
    """Train until the weights overflow; truth: nonfinite from the first NaN window in trainer_state.json."""
    out_dir = fresh_dir(out_dir)
    set_seed(seed)
    args = dict(
        learning_rate=LEARNING_RATE,
        max_steps=MAX_STEPS,
        warmup_steps=WARMUP_STEPS,
        optim=OPTIM,
        lr_scheduler_type="linear",
        max_grad_norm=MAX_GRAD_NORM,
        logging_steps=2,
        eval_steps=20,
        save_steps=20,
    )
    history = train_hf(
        out_dir,
        HFBagOfTokens(),
        HFKeywordDataset(keyword_data(2000, seed=seed)),
        HFKeywordDataset(keyword_data(256, seed=seed + 100)),
        seed=seed,
        args=args,
    )
    write_launch_script(out_dir, "train.py", {"output_dir": "output", **args, "seed": seed})
    bad = first_nonfinite(history)
    bad_eval = first_nonfinite_eval(history)
    # The first bad step is whichever comes first: a NaN training window or a NaN evaluation.
    bad_step = min(e["step"] for e in (bad, bad_eval) if e) if (bad or bad_eval) else None
    healthy_ckpts = [s for s in checkpoint_steps(out_dir / "output") if bad_step and s < bad_step]
    return write_truth(
        out_dir,
        scenario="hf_nan_lr",
        seed=seed,
        framework="hf-trainer",
        symptoms=["nonfinite"],
        cause="lr_too_high",
        also_acceptable=["no_grad_clipping", "warmup_peak_instability"],
        first_bad={
            "step": bad_step,
            "series": "train/loss",
            "how": "first log_history entry with a non-finite loss, grad_norm or eval_loss",
        }
        if bad_step
        else None,
        inputs=["output", "launch.sh"],
        fix=[
            {"param": "learning_rate", "from": LEARNING_RATE, "to": SANE_LEARNING_RATE},
            {"param": "max_grad_norm", "from": MAX_GRAD_NORM, "to": 1.0},
        ],
        last_healthy_checkpoint=f"output/checkpoint-{healthy_ckpts[-1]}" if healthy_ckpts else None,
        measured={
            "first_nonfinite_train_step": bad and bad["step"],
            "logged_loss_there": bad and bad["loss"],
            "first_nonfinite_eval_step": bad_eval and bad_eval["step"],
        },
    )
