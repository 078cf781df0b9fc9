"""Growing files of the shapes training scripts write, for the tests of ``trainmedic watch``'s incremental
following: console logs (step lines, Trainer dicts, Keras epochs, epoch summaries, progress bars, two processes,
Chinese text, points before the first step, a resumed run), CSV tables (wide, by epoch, Lightning, long) and JSON
Lines histories. Each holds faults the streaming detectors catch (a loss spike, a gradient burst or explosion, NaN)."""

from __future__ import annotations

import json
import math

import numpy as np


def curves(n: int, seed: int, spike=None, burst=None, explode=None, nan_at=None) -> tuple:
    """A falling noisy loss and a noisy gradient norm, with the faults asked for."""
    rng = np.random.default_rng(seed)
    loss = 2.0 * np.exp(-np.arange(n) / (n / 4)) + 0.3 + 0.03 * rng.standard_normal(n)
    norm = np.exp(0.3 * rng.standard_normal(n))
    if spike is not None:
        loss[spike] *= 12
    if burst is not None:
        norm[burst] *= 500
    if explode is not None:
        norm[explode:] *= 40
    if nan_at is not None:
        loss[nan_at:] = np.nan
        norm[nan_at:] = np.nan
    return loss, norm


def step_lines(n: int = 300) -> tuple:
    loss, norm = curves(n, 1, spike=n // 2, burst=n // 3, explode=int(n * 0.8), nan_at=n - 3)
    return "train.log", "".join(f"step {i + 1} | loss {loss[i]:.4f} | grad_norm {norm[i]:.4f}\n" for i in range(n))


def trainer_dicts(n: int = 250, logging_steps: bool = True) -> tuple:
    loss, norm = curves(n, 2, spike=n // 2, burst=n // 3)
    out = ["Namespace(learning_rate=5e-05, logging_steps=10, per_device_train_batch_size=8)\n"] if logging_steps else []
    for i in range(n):
        out.append(
            f"{{'loss': {loss[i]:.4f}, 'grad_norm': {norm[i]:.4f}, 'learning_rate': 5e-05, 'epoch': {i / 100:.2f}}}\n"
        )
        if i % 50 == 49:
            out.append(
                f"{{'eval_loss': {loss[i] + 0.1:.4f}, 'eval_accuracy': 0.{50 + i // 10}, 'epoch': {i / 100:.2f}}}\n"
            )
    return "trainer.log", "".join(out)


def keras_epochs(n: int = 60) -> tuple:
    loss, _ = curves(n, 3, spike=n // 2)
    out = []
    for e in range(n):
        out.append(f"Epoch {e + 1}/{n}\n")
        out.append(
            f"100/100 [==============================] - 2s 20ms/step - loss: {loss[e]:.4f} - accuracy: "
            f"0.{60 + e % 30} - val_loss: {loss[e] + 0.2:.4f} - val_accuracy: 0.{55 + e % 30}\n"
        )
    return "keras.log", "".join(out)


def epoch_summaries(n: int = 300) -> tuple:
    loss, norm = curves(n, 4, spike=n // 3)
    out, per = [], 50
    for i in range(n):
        ep = i // per + 1
        out.append(f"Epoch {ep} | Step {i + 1} | Train Loss: {loss[i]:.4f} | Grad Norm: {norm[i]:.3f}\n")
        if (i + 1) % per == 0:
            out.append(
                f"Epoch {ep} done | Train Loss: {np.mean(loss[i + 1 - per : i + 1]):.4f} | Val Loss: "
                f"{loss[i] + 0.1:.4f} | Val Acc: 0.{70 + ep}\n"
            )
    return "run.log", "".join(out)


def progress_bars(n: int = 200) -> tuple:
    loss, _ = curves(n, 5)
    out, per = [], 50
    loss[2 * per - 1] = float("nan")  # the bar's last refresh of the second epoch (the point a bar line gives)
    for e in range(n // per):
        out.append(
            "".join(
                f"\rEpoch {e}: {100 * (b + 1) // per}%|####| {b + 1}/{per} [00:01<00:00, 50.0it/s, "
                f"loss={loss[e * per + b]:.4f}]"
                for b in range(per)
            )
            + "\n"
        )
        out.append(f"Epoch {e}: val_loss={loss[e * per + per - 1] + 0.1:.4f} val_acc=0.{60 + e}\n")
    return "bars.log", "".join(out)


def two_processes(n: int = 200) -> tuple:
    loss, norm = curves(n, 6, burst=n // 2)
    out = []
    for i in range(n):
        for r in (1, 0) if i % 7 == 0 else (0, 1):
            out.append(f"[rank{r}]: step {i + 1} loss {loss[i] + 0.01 * r:.4f} grad_norm {norm[i]:.4f}\n")
    return "ddp.log", "".join(out)


def chinese(n: int = 200) -> tuple:
    loss, norm = curves(n, 7, spike=n // 2)
    return "train_zh.log", "".join(
        f"训练 step {i + 1} 损失 loss {loss[i]:.4f} 梯度 grad_norm {norm[i]:.4f} ✓\n" for i in range(n)
    )


def late_steps(n: int = 150) -> tuple:
    loss, norm = curves(n, 8, burst=n // 2)
    head = "".join(f"loss: {loss[i]:.4f}\n" for i in range(5))
    return "late.log", head + "".join(f"iter {i + 1} loss {loss[i]:.4f} grad_norm {norm[i]:.4f}\n" for i in range(5, n))


def resumed(n: int = 250) -> tuple:
    loss, norm = curves(n, 9, burst=n // 4)
    first = "".join(f"step {i + 1} loss {loss[i]:.4f} grad_norm {norm[i]:.4f}\n" for i in range(150))
    again = "".join(f"step {i + 1} loss {loss[i] * 0.9:.4f} grad_norm {norm[i] * 2:.4f}\n" for i in range(100, n))
    return "resumed.log", first + again


def csv_wide(n: int = 300, newline: str = "\n") -> tuple:
    loss, norm = curves(n, 10, spike=n // 2, burst=n // 3, explode=int(n * 0.8))
    rows = ["step,epoch,train_loss,grad_norm,val_loss,val_acc"]
    for i in range(n):
        val = f"{loss[i] + 0.1:.5f},{0.5 + i / (2 * n):.4f}" if i % 50 == 49 else ","
        rows.append(f"{i + 1},{i // 100},{loss[i]:.6f},{norm[i]:.6f},{val}")
    return "history.csv", newline.join(rows) + newline


def csv_epochs(n: int = 60) -> tuple:
    loss, _ = curves(n, 11, spike=n // 2)
    return "log.csv", "epoch,loss,accuracy,val_loss,val_accuracy\n" + "".join(
        f"{e},{loss[e]:.5f},{0.5 + e / 200:.4f},{loss[e] + 0.2:.5f},{0.45 + e / 200:.4f}\n" for e in range(n)
    )


def lightning_metrics(n: int = 300) -> tuple:
    loss, norm = curves(n, 12, spike=n // 2)
    rows = ["epoch,step,train_loss_step,grad_norm,val_loss,val_acc,train_loss_epoch\n"]
    for i in range(n):
        rows.append(f"{i // 100},{i},{loss[i]:.5f},{norm[i]:.5f},,,\n")
        if i % 100 == 99:
            rows.append(f"{i // 100},{i},,,{loss[i] + 0.1:.5f},0.{60 + i // 100},\n")
            rows.append(f"{i // 100},{i},,,,,{np.mean(loss[i - 99 : i + 1]):.5f}\n")
    return "metrics.csv", "".join(rows)


def csv_long(n: int = 200) -> tuple:
    loss, norm = curves(n, 13, burst=n // 2)
    return "long.csv", "step,metric,value\n" + "".join(
        f"{i + 1},loss,{loss[i]:.5f}\n{i + 1},grad_norm,{norm[i]:.5f}\n" for i in range(n)
    )


def jsonl(n: int = 300) -> tuple:
    loss, norm = curves(n, 14, spike=n // 2, burst=n // 4, nan_at=n - 2)
    out = []
    for i in range(n):
        out.append(
            json.dumps(
                {
                    "step": i + 1,
                    "loss": "nan" if math.isnan(loss[i]) else float(loss[i]),
                    "grad_norm": "nan" if math.isnan(norm[i]) else float(norm[i]),
                }
            )
            + "\n"
        )
        if i % 100 == 99:
            out.append(json.dumps({"step": i + 1, "eval": {"loss": float(loss[i] + 0.1), "accuracy": 0.7}}) + "\n")
    return "metrics.jsonl", "".join(out)


def jsonl_late_key(n: int = 200) -> tuple:
    """A history whose ``val_accuracy`` appears late: the bare ``accuracy`` then names the training score."""
    out = []
    for i in range(n):
        rec = {"step": i + 1, "accuracy": 0.5 + i / 1000}
        if i >= n // 2:
            rec["val_accuracy"] = 0.4 + (i % 3) / 1000
        out.append(json.dumps(rec) + "\n")
    return "acc.jsonl", "".join(out)


LOGS = [
    step_lines,
    trainer_dicts,
    lambda: trainer_dicts(logging_steps=False),
    keras_epochs,
    epoch_summaries,
    progress_bars,
    two_processes,
    chinese,
    late_steps,
    resumed,
]
TABLES = [csv_wide, lambda: csv_wide(newline="\r\n"), csv_epochs, lightning_metrics, csv_long, jsonl]


def event_file(directory, n: int = 300) -> bytes:
    """The bytes of a TensorBoard event file as ``SummaryWriter`` writes it: a loss, a gradient norm, an eval loss
    and Lightning's ``epoch`` scalar."""
    from torch.utils.tensorboard import SummaryWriter

    loss, norm = curves(n, 3, spike=n // 2, burst=n // 4, explode=int(n * 0.8))
    writer = SummaryWriter(str(directory))
    for i in range(n):
        writer.add_scalar("Loss/train", loss[i], i + 1)
        writer.add_scalar("grad_norm", norm[i], i + 1)
        if i % 50 == 49:
            writer.add_scalar("Loss/val", loss[i] + 0.1, i + 1)
            writer.add_scalar("epoch", i // 100, i + 1)
    writer.close()
    (path,) = [p for p in directory.iterdir() if "tfevents" in p.name]
    return path.name, path.read_bytes()
