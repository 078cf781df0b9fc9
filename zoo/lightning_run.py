"""Run a scenario through the real Lightning ``Trainer`` with a ``CSVLogger``.

Lightning writes ``lightning_logs/version_0/metrics.csv`` (one row per logged step, eval rows at epoch ends) and
``hparams.yaml`` (from ``save_hyperparameters``), plus ``checkpoints/*.ckpt``. The console goes to ``console.log``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Optional

import torch
from torch import nn
from torch.nn import functional as F

from .common import accuracy_f1, console_log


class LitClassifier:
    """Factory for the LightningModule (built lazily so importing the zoo does not import lightning)."""

    @staticmethod
    def build(
        model: nn.Module,
        *,
        lr: float,
        batch_size: int,
        loss_reduction: str = "mean",
        optimizer: str = "adamw",
        softmax_before_loss: bool = False,
        warmup_steps: int = 0,
        **hparams,
    ):
        import lightning as L

        class Classifier(L.LightningModule):
            def __init__(self) -> None:
                super().__init__()
                self.model = model
                self.save_hyperparameters(
                    dict(
                        lr=lr,
                        batch_size=batch_size,
                        loss_reduction=loss_reduction,
                        optimizer=optimizer,
                        warmup_steps=warmup_steps,
                        model=type(model).__name__,
                        **hparams,
                    )
                )

            def _loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
                if softmax_before_loss:
                    logits = torch.softmax(logits, dim=-1)  # the fault: CrossEntropyLoss applies its own softmax
                return F.cross_entropy(logits, y, reduction=loss_reduction)

            def training_step(self, batch, batch_idx):
                x, y = batch
                loss = self._loss(self.model(x), y)
                self.log("train_loss", loss)
                return loss

            def validation_step(self, batch, batch_idx):
                x, y = batch
                logits = self.model(x)
                acc, f1 = accuracy_f1(logits, y)
                self.log_dict({"val_loss": self._loss(logits, y), "val_acc": acc, "val_f1": f1}, prog_bar=False)

            def configure_optimizers(self):
                opt = (torch.optim.SGD if optimizer == "sgd" else torch.optim.AdamW)(self.parameters(), lr=lr)
                if not warmup_steps:
                    return opt
                ramp = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup_steps))
                return {"optimizer": opt, "lr_scheduler": {"scheduler": ramp, "interval": "step"}}

        return Classifier()


def loaders(train: tuple, val: tuple, batch_size: int, seed: int):
    """Seeded DataLoaders over tensors."""
    from torch.utils.data import DataLoader, TensorDataset

    g = torch.Generator().manual_seed(seed)
    return (
        DataLoader(TensorDataset(*train), batch_size=batch_size, shuffle=True, generator=g),
        DataLoader(TensorDataset(*val), batch_size=256),
    )


def train_lightning(
    out_dir: Path,
    module,
    train_loader,
    val_loader,
    *,
    max_epochs: int,
    log_every_n_steps: int = 5,
    gradient_clip_val: Optional[float] = None,
) -> Path:
    """Fit with ``lightning.Trainer`` on CPU; return the path of the ``metrics.csv`` written."""
    import lightning as L
    from lightning.pytorch.loggers import CSVLogger

    logger = CSVLogger(save_dir=str(out_dir), name="lightning_logs")
    trainer = L.Trainer(
        accelerator="cpu",
        devices=1,
        max_epochs=max_epochs,
        logger=logger,
        enable_progress_bar=False,
        enable_model_summary=True,
        log_every_n_steps=log_every_n_steps,
        gradient_clip_val=gradient_clip_val,
        default_root_dir=str(out_dir),
        deterministic=True,
    )
    with console_log(out_dir / "console.log"):
        trainer.fit(module, train_loader, val_loader)
    return Path(logger.log_dir) / "metrics.csv"


def read_metrics(path: Path) -> list[dict]:
    """Rows of a Lightning ``metrics.csv`` as dicts of floats (empty cells left out)."""
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows.append({k: float(v) for k, v in row.items() if v not in ("", None)})
    return rows


def column(rows: list[dict], name: str) -> list[tuple[float, float]]:
    """``(step, value)`` pairs of one column."""
    return [(r["step"], r[name]) for r in rows if name in r]


def first_nonfinite_row(rows: list[dict], name: str) -> Optional[float]:
    """Step of the first row where ``name`` is NaN or infinite."""
    for step, v in column(rows, name):
        if not math.isfinite(v):
            return step
    return None
