"""Inputs for ``python -m bench speed``: the files a long run leaves, written the way the frameworks write them.

Each writer takes a number of optimisation steps and writes one file:

* ``trainer_state.json``: the Hugging Face Trainer's state (``json.dumps(..., indent=2, sort_keys=True)``, as the
  Trainer saves it), a train entry every step and an eval entry every 1 % of the run;
* ``metrics.csv``: Lightning's ``CSVLogger`` (float32 values printed in full, empty cells for the other rows' keys);
* ``hf_console.log``: the Trainer's console captured to a file: a tqdm bar refreshed with carriage returns every step,
  cleared and redrawn around each logged dict line (``logging_steps=1``), an eval bar and dict every 1 %;
* ``keyvalue.log``: a plain loop printing ``Epoch 1 | Step 100 | Train Loss: 0.5123 | ...`` behind a logging prefix;
* ``tqdm_postfix.log``: a plain loop whose tqdm bar carries the loss (``set_postfix``), one physical line of
  refreshes per epoch, then the epoch's validation line;
* ``events.out.tfevents``: a TensorBoard event file (``add_scalar`` of the train loss every step, lr every 10).
"""

from __future__ import annotations

import json
import math
import random
import struct
from pathlib import Path

# Evaluation every 1 % of the run, as long runs are usually set up.
EVAL_SHARE = 100
# Batches of one epoch in the generated plain loops.
STEPS_PER_EPOCH = 1000
BAR_WIDTH = 10  # tqdm's bar cells at its default width in a captured log


def _loss(step: int, n: int, rng: random.Random) -> float:
    return 2.0 * math.exp(-5.0 * step / n) + 0.1 + 0.02 * rng.random()


def _f32(x: float) -> float:
    """``x`` as float32 printed by Python (what Lightning's CSVLogger writes from a tensor's ``.item()``)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def write_trainer_state(path: Path, n: int) -> None:
    """A Trainer ``trainer_state.json`` with ``n`` logged steps."""
    rng = random.Random(0)
    every = max(n // EVAL_SHARE, 1)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(
            '{\n  "best_metric": null,\n  "best_model_checkpoint": null,\n  "epoch": 3.0,\n'
            f'  "eval_steps": {every},\n  "global_step": {n},\n  "is_hyper_param_search": false,\n'
            '  "is_local_process_zero": true,\n  "is_world_process_zero": true,\n  "log_history": [\n'
        )
        for s in range(1, n + 1):
            ep = 3.0 * s / n
            entries = [
                {
                    "epoch": round(ep, 4),
                    "grad_norm": 1.0 + rng.random(),
                    "learning_rate": 2e-05 * (1 - s / n),
                    "loss": round(_loss(s, n, rng), 4),
                    "step": s,
                }
            ]
            if s % every == 0:
                entries.append(
                    {
                        "epoch": round(ep, 4),
                        "eval_loss": _loss(s, n, rng) + 0.05,
                        "eval_runtime": 12.3456,
                        "eval_samples_per_second": 81.0,
                        "eval_steps_per_second": 10.1,
                        "step": s,
                    }
                )
            for i, e in enumerate(entries):
                text = json.dumps(e, indent=2, sort_keys=True).replace("\n", "\n    ")
                last = s == n and i == len(entries) - 1
                fh.write("    " + text + ("\n" if last else ",\n"))
        fh.write(
            f'  ],\n  "logging_steps": 1,\n  "max_steps": {n},\n  "num_input_tokens_seen": 0,\n'
            '  "num_train_epochs": 3,\n  "save_steps": 500,\n  "total_flos": 0.0,\n'
            '  "train_batch_size": 16,\n  "trial_name": null,\n  "trial_params": null\n}\n'
        )


def write_metrics_csv(path: Path, n: int) -> None:
    """A Lightning ``metrics.csv`` with a train row every step and a validation row every 1 %."""
    rng = random.Random(0)
    every = max(n // EVAL_SHARE, 1)
    per_epoch = max(n // 3, 1)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("epoch,step,train_loss,val_acc,val_loss\n")
        for s in range(n):
            e = s // per_epoch
            fh.write(f"{e},{s},{_f32(_loss(s, n, rng))},,\n")
            if (s + 1) % every == 0:
                fh.write(f"{e},{s},,{_f32(0.5 + 0.4 * s / n)},{_f32(_loss(s, n, rng) + 0.05)}\n")


def _bar(b: int, n: int, desc: str = "", post: str = "") -> str:
    pct = 100 * b // n
    full = BAR_WIDTH * b // n
    cells = "█" * full + ("▋" if full < BAR_WIDTH else "") + " " * max(BAR_WIDTH - full - 1, 0)
    rate = 9.0 + (b % 7) / 10
    return f"{desc}{pct:3d}%|{cells}| {b}/{n} [{_interval(b / rate)}<{_interval((n - b) / rate)}, {rate:.2f}it/s{post}]"


def _interval(seconds: float) -> str:
    """A duration as tqdm prints it: ``MM:SS``, or ``H:MM:SS`` from an hour on."""
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def write_hf_console(path: Path, n: int) -> None:
    """The Trainer's console with tqdm refreshes: per step a refresh, then the bar cleared, the dict printed, the bar
    drawn again (what ``tqdm.write`` does); an eval bar and dict every 1 %."""
    rng = random.Random(0)
    every = max(n // EVAL_SHARE, 1)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(
            "***** Running training *****\n  Num examples = 16,000,000\n  Num Epochs = 3\n"
            "  Instantaneous batch size per device = 16\n  Gradient Accumulation steps = 1\n"
            f"  Total optimization steps = {n:,}\n"
        )
        fh.write(_bar(0, n))
        for s in range(1, n + 1):
            bar = _bar(s, n)
            logs = {
                "loss": round(_loss(s, n, rng), 4),
                "grad_norm": 1.0 + rng.random(),
                "learning_rate": 2e-05 * (1 - s / n),
                "epoch": round(3.0 * s / n, 2),
            }
            fh.write(f"\r{bar}\r{' ' * len(bar)}\r{logs}\n\r{bar}")
            if s % every == 0:
                fh.write("\n" + "".join("\r" + _bar(b, 20) for b in range(0, 21)) + f"\r{' ' * 60}\r")
                fh.write(
                    str(
                        {
                            "eval_loss": _loss(s, n, rng) + 0.05,
                            "eval_runtime": 12.3456,
                            "eval_samples_per_second": 81.0,
                            "eval_steps_per_second": 10.1,
                            "epoch": round(3.0 * s / n, 2),
                        }
                    )
                    + "\n"
                )
        fh.write(
            f"\r{_bar(n, n)}\n{{'train_runtime': 98765.4, 'train_samples_per_second': 162.0, "
            f"'train_steps_per_second': 10.1, 'train_loss': 0.4321, 'epoch': 3.0}}\n"
        )


def write_keyvalue(path: Path, n: int) -> None:
    """A plain loop's ``key: value`` lines behind a logging prefix, a validation line every 1 %."""
    rng = random.Random(0)
    every = max(n // EVAL_SHARE, 1)
    with open(path, "w", encoding="utf-8") as fh:
        for s in range(1, n + 1):
            e = s // STEPS_PER_EPOCH + 1
            t = f"2025-12-13 {s // 36000 % 24:02d}:{s // 600 % 60:02d}:{s // 10 % 60:02d},{s % 1000:03d}"
            fh.write(
                f"{t} - INFO - train - Epoch {e} | Step {s} | Train Loss: {_loss(s, n, rng):.4f} | "
                f"Grad Norm: {1.0 + rng.random():.4f} | LR: {2e-5 * (1 - s / n):.3e}\n"
            )
            if s % every == 0:
                fh.write(
                    f"{t} - INFO - train - Epoch {e} | Step {s} | Val Loss: {_loss(s, n, rng) + 0.05:.4f} | "
                    f"Val Acc: {0.5 + 0.4 * s / n:.4f}\n"
                )


def write_tqdm_postfix(path: Path, n: int) -> None:
    """A plain loop with ``tqdm(..., desc=f"Epoch {e}")`` and ``set_postfix(loss=...)``: every refresh of an epoch's bar
    on one physical line, then the epoch's validation line."""
    rng = random.Random(0)
    with open(path, "w", encoding="utf-8") as fh:
        epochs = max(n // STEPS_PER_EPOCH, 1)
        for e in range(epochs):
            per = min(STEPS_PER_EPOCH, n)
            for b in range(1, per + 1):
                loss = _loss(e * per + b, n, rng)
                fh.write("\r" + _bar(b, per, f"Epoch {e}: ", f", loss={loss:.4f}, lr=2e-05"))
            fh.write(
                f"\nEpoch {e}: val_loss={_loss((e + 1) * per, n, rng) + 0.05:.4f}, "
                f"val_acc={0.5 + 0.4 * e / epochs:.4f}\n"
            )


def write_tensorboard(path: Path, n: int) -> None:
    """A TensorBoard event file: ``train/loss`` every step, ``train/lr`` every 10 steps, ``eval/loss`` every 1 %."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    rng = random.Random(0)
    every = max(n // EVAL_SHARE, 1)
    path.mkdir(parents=True, exist_ok=True)
    w = EventFileWriter(str(path))
    for s in range(1, n + 1):
        w.add_event(
            Event(
                wall_time=1.7e9 + s,
                step=s,
                summary=Summary(value=[Summary.Value(tag="train/loss", simple_value=_loss(s, n, rng))]),
            )
        )
        if s % 10 == 0:
            w.add_event(
                Event(
                    wall_time=1.7e9 + s,
                    step=s,
                    summary=Summary(value=[Summary.Value(tag="train/lr", simple_value=2e-5)]),
                )
            )
        if s % every == 0:
            w.add_event(
                Event(
                    wall_time=1.7e9 + s,
                    step=s,
                    summary=Summary(value=[Summary.Value(tag="eval/loss", simple_value=_loss(s, n, rng) + 0.05)]),
                )
            )
    w.close()
