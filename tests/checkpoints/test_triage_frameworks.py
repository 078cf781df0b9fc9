"""Checkpoint triage on what a real Hugging Face Trainer run and a real Lightning run write, with NaN planted
mid-run by a callback (so the frameworks themselves save the broken weights and log the NaN)."""

from __future__ import annotations

import os
import warnings

import pytest

torch = pytest.importorskip("torch")

from trainmedic.checkpoints import triage  # noqa: E402


@pytest.fixture(scope="module")
def hf_run(tmp_path_factory):
    transformers = pytest.importorskip("transformers")
    from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainerCallback, TrainingArguments

    out = tmp_path_factory.mktemp("hf") / "out"
    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=64,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=32,
        num_labels=3,
    )
    model = BertForSequenceClassification(cfg)
    g = torch.Generator().manual_seed(0)
    data = [
        {
            "input_ids": torch.randint(1, 64, (12,), generator=g),
            "attention_mask": torch.ones(12, dtype=torch.long),
            "labels": torch.tensor(i % 3),
        }
        for i in range(48)
    ]

    class PlantNaN(TrainerCallback):
        """At step 5 a weight of the classifier becomes NaN, as after an overflow."""

        def on_step_end(self, args, state, control, model=None, **kw):
            if state.global_step == 5:
                with torch.no_grad():
                    model.classifier.weight[0, 0] = float("nan")

    args = TrainingArguments(
        output_dir=str(out),
        max_steps=8,
        save_steps=2,
        logging_steps=1,
        per_device_train_batch_size=4,
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
        save_total_limit=None,
        seed=0,
    )
    transformers.logging.set_verbosity_error()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Trainer(model=model, args=args, train_dataset=data, callbacks=[PlantNaN()]).train()
    return out


def test_hf_trainer_checkpoints_name_checkpoint_4(hf_run):
    rep = triage(hf_run)
    ck = rep.checkpoints
    assert os.path.basename(ck["last_healthy"]) == "checkpoint-4"
    assert [os.path.basename(b) for b in ck["broken"]] == ["checkpoint-6", "checkpoint-8"]
    assert ck["framework"] == "hf"
    assert ck["resume"] == f'trainer.train(resume_from_checkpoint="{ck["last_healthy"]}")'
    rows = {os.path.basename(r[0]): r for r in rep.tables[0].rows}
    assert rows["checkpoint-4"][1] == 4 and rows["checkpoint-6"][4] >= 1
    # Metrics logged at the checkpoint's step come from trainer_state.json.
    assert "loss=" in rows["checkpoint-4"][8]
    # The Trainer logged a NaN loss once the weight was NaN, and the optimizer state carries it too.
    reasons = ck["evidence"][ck["broken"][0]]
    assert "nonfinite_weights" in reasons
    modules = {r[0] for r in rep.tables[1].rows}
    assert {"bert", "classifier"} <= modules


@pytest.fixture(scope="module")
def lightning_run(tmp_path_factory):
    L = pytest.importorskip("lightning")
    from lightning.pytorch.callbacks import ModelCheckpoint

    out = tmp_path_factory.mktemp("pl")

    class Net(L.LightningModule):
        def __init__(self, hidden: int = 16):
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Sequential(torch.nn.Linear(6, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 2))

        def training_step(self, batch, i):
            if self.current_epoch == 2 and i == 0:
                with torch.no_grad():
                    self.net[0].weight[0, 0] = float("nan")
            x, y = batch
            loss = torch.nn.functional.cross_entropy(self.net(x), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    torch.manual_seed(0)
    x, y = torch.randn(32, 6), torch.randint(0, 2, (32,))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8)
    ck = ModelCheckpoint(dirpath=str(out / "ckpts"), save_top_k=-1, every_n_epochs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = L.Trainer(
            max_epochs=4,
            accelerator="cpu",
            devices=1,
            logger=False,
            callbacks=[ck],
            enable_progress_bar=False,
            enable_model_summary=False,
            default_root_dir=str(out),
        )
        trainer.fit(Net(), loader)
    return out / "ckpts"


def test_lightning_checkpoints_name_epoch_1(lightning_run):
    rep = triage(lightning_run)
    ck = rep.checkpoints
    assert os.path.basename(ck["last_healthy"]) == "epoch=1-step=8.ckpt"
    assert [os.path.basename(b) for b in ck["broken"]] == ["epoch=2-step=12.ckpt", "epoch=3-step=16.ckpt"]
    assert ck["resume"] == f'trainer.fit(model, ckpt_path="{ck["last_healthy"]}")'
    rows = {os.path.basename(r[0]): r for r in rep.tables[0].rows}
    assert rows["epoch=1-step=8.ckpt"][1] == 8 and rows["epoch=1-step=8.ckpt"][2] == 1
    assert ck["unreadable"] == []
