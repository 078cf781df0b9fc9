"""Refresh the bundled examples from the zoo: ``python -m zoo.examples``.

``examples/hf_nan_lr/`` keeps what the Hugging Face Trainer wrote for the ``hf_nan_lr`` run minus the weights and
optimizer state (``trainer_state.json`` in each ``checkpoint-*``, ``training_args.bin``, the console log, the launch
script; its truth.json is kept beside it as hf_nan_lr.truth.json); ``examples/healthy_lightning/`` keeps a healthy Lightning run's ``metrics.csv`` and
``hparams.yaml``. Both stay well under 200 KB.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .make import DEFAULT_OUT, generate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
KEEP = {"trainer_state.json", "training_args.bin", "config.json", "metrics.csv", "hparams.yaml", "console.log",
        "launch.sh", "train.py"}


def copy_small(src: Path, dest: Path) -> None:
    """Copy the files named in KEEP, keeping the folder layout."""
    if dest.exists():
        shutil.rmtree(dest)
    for f in sorted(src.rglob("*")):
        if f.is_file() and f.name in KEEP:
            target = dest / f.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)


def main() -> int:
    for name in ("hf_nan_lr", "lightning_healthy"):
        if not (DEFAULT_OUT / name / "truth.json").exists():
            generate([name], DEFAULT_OUT, all_seeds=False)
    copy_small(DEFAULT_OUT / "hf_nan_lr", EXAMPLES / "hf_nan_lr")
    copy_small(DEFAULT_OUT / "lightning_healthy" / "lightning_logs", EXAMPLES / "healthy_lightning")
    # The truth sits beside each example, not inside it: `diagnose examples/<name>` must not read the answer.
    shutil.copyfile(DEFAULT_OUT / "hf_nan_lr" / "truth.json", EXAMPLES / "hf_nan_lr.truth.json")
    shutil.copyfile(DEFAULT_OUT / "lightning_healthy" / "truth.json", EXAMPLES / "healthy_lightning.truth.json")
    size = sum(f.stat().st_size for f in EXAMPLES.rglob("*") if f.is_file())
    print(f"examples: {size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
