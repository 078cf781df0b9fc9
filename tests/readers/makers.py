"""Artifacts written by the real frameworks, made on the fly by tiny CPU runs (each a few seconds).

Each ``make_*`` function writes into the folder it is given and returns the path a user would hand to trainmedic.
"""

from __future__ import annotations

import os
from pathlib import Path


def make_hf_output(root: Path) -> Path:
    """A Hugging Face Trainer output dir: 2-layer BERT (hidden 32), 12 steps, two eval sets, early stopping."""
    import torch
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
        EarlyStoppingCallback,
        Trainer,
        TrainingArguments,
    )

    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=50,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=32,
        num_labels=3,
    )
    model = BertForSequenceClassification(cfg)

    class Data(torch.utils.data.Dataset):
        def __init__(self, n: int) -> None:
            g = torch.Generator().manual_seed(n)
            self.x = torch.randint(0, 50, (n, 8), generator=g)
            self.y = torch.randint(0, 3, (n,), generator=g)

        def __len__(self) -> int:
            return len(self.y)

        def __getitem__(self, i: int) -> dict:
            return {"input_ids": self.x[i], "labels": self.y[i]}

    out = root / "hf_output"
    args = TrainingArguments(
        output_dir=str(out),
        per_device_train_batch_size=4,
        gradient_accumulation_steps=2,
        learning_rate=3e-4,
        max_steps=12,
        logging_steps=2,
        eval_strategy="steps",
        eval_steps=4,
        save_steps=4,
        report_to=[],
        warmup_steps=2,
        lr_scheduler_type="cosine",
        weight_decay=0.01,
        max_grad_norm=0.0,
        seed=7,
        use_cpu=True,
        load_best_model_at_end=True,
        metric_for_best_model="eval_a_loss",
        greater_is_better=False,
        disable_tqdm=True,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=Data(64),
        eval_dataset={"a": Data(16), "b": Data(12)},
        callbacks=[EarlyStoppingCallback(early_stopping_patience=2)],
    )
    trainer.train()
    trainer.save_state()
    trainer.save_model()
    return out


def _lightning_module():
    import lightning as L
    import torch

    class Tiny(L.LightningModule):
        def __init__(self, lr: float = 0.05, batch_size: int = 8, hidden: int = 4) -> None:
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 1))

        def training_step(self, batch, _idx):
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            self.log("train_loss", loss, on_step=True, on_epoch=True)
            return loss

        def validation_step(self, batch, _idx):
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))
            self.log("val_acc", (self.net(x).sign() == y.sign()).float().mean())

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    return Tiny


def _lightning_fit(root: Path, logger) -> None:
    import lightning as L
    import torch

    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x.sum(1, keepdim=True)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8)
    trainer = L.Trainer(
        max_epochs=3,
        logger=logger,
        log_every_n_steps=2,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
        devices=1,
    )
    trainer.fit(_lightning_module()(lr=0.05, batch_size=8), data, data)


def make_lightning_csv(root: Path) -> Path:
    """``lightning_logs/version_0/metrics.csv`` + ``hparams.yaml`` from a real CSVLogger run (3 epochs)."""
    from lightning.pytorch.loggers import CSVLogger

    _lightning_fit(root, CSVLogger(str(root), name="lightning_logs"))
    return root / "lightning_logs" / "version_0"


def make_tensorboard(root: Path) -> Path:
    """A TensorBoard log dir written by torch.utils.tensorboard: scalars, ``Loss/train``, add_scalars subdirs."""
    from torch.utils.tensorboard import SummaryWriter

    logdir = root / "runs" / "exp1"
    with SummaryWriter(str(logdir)) as w:
        for step in range(1, 21):
            w.add_scalar("Loss/train", 2.0 / step, step)
            w.add_scalar("train/grad_norm", 1.0 + step % 3, step)
            if step % 5 == 0:
                w.add_scalar("Accuracy/val", 0.5 + step / 100, step)
                w.add_scalars("loss", {"train": 2.0 / step, "val": 2.5 / step}, step)
        w.add_scalar("Loss/train", float("nan"), 21)
    return logdir


def make_mlflow(root: Path) -> Path:
    """A local ``mlruns`` store written by mlflow's own API (file store)."""
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # the file store is what users' old mlruns folders are
    import mlflow

    store = root / "mlruns"
    mlflow.set_tracking_uri(store.as_uri())
    mlflow.set_experiment("tiny")
    with mlflow.start_run():
        mlflow.log_params({"lr": 0.001, "batch_size": 32, "optimizer": "adam", "max_grad_norm": 1.0})
        for step in range(10):
            mlflow.log_metric("train_loss", 1.0 / (step + 1), step=step)
            if step % 3 == 0:
                mlflow.log_metric("val_accuracy", 0.5 + step / 50, step=step)
    return store


def make_wandb(root: Path) -> Path:
    """A W&B offline run folder (WANDB_MODE=offline, no network)."""
    os.environ["WANDB_MODE"] = "offline"
    os.environ["WANDB_DIR"] = str(root)
    os.environ.setdefault("WANDB_SILENT", "true")
    import wandb

    run = wandb.init(project="tiny", config={"lr": 0.01, "batch_size": 16, "epochs": 2}, dir=str(root))
    for step in range(8):
        run.log({"train/loss": 1.0 / (step + 1), "epoch": step // 4}, step=step)
        if step % 4 == 3:
            run.log({"val/acc": 0.6 + step / 100}, step=step)
    run.finish()
    return next((root / "wandb").glob("offline-run-*"))


GROUPS = {
    # Grouped so that one process imports torch and transformers once for all three.
    "torch": (("hf", make_hf_output), ("lightning", make_lightning_csv), ("tensorboard", make_tensorboard)),
    "trackers": (("mlflow", make_mlflow), ("wandb", make_wandb)),
}


if __name__ == "__main__":
    import json
    import sys
    import warnings

    warnings.filterwarnings("ignore")
    if sys.argv[1] == "torch":
        import torch

        torch.set_num_threads(1)
    group, out = sys.argv[1], Path(sys.argv[2])
    made = {}
    for name, make in GROUPS[group]:
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        made[name] = str(make(folder))
    (out / f"{group}.json").write_text(json.dumps(made))
