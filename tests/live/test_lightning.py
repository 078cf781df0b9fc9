"""The Lightning callback with a real tiny LightningModule: skip, stop, rollback, NaN injected in one batch."""

from __future__ import annotations

import json

import pytest
from live_models import Classifier, OutputPoison, assert_same_state, ce_loss, make_batches, state_of

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch")

from trainmedic.integrations.lightning import TrainMedicCallback  # noqa: E402


class Module(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = Classifier()

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        loss = ce_loss(self, batch)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-2)


class Watcher(pl.Callback):
    """Keeps the state before and after one batch."""

    def __init__(self, at: int) -> None:
        self.at, self.seen = at, {}

    def on_train_batch_start(self, trainer, module, batch, batch_idx):
        if batch_idx == self.at:
            self.seen["before"] = state_of(module, trainer.optimizers[0])

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        if batch_idx == self.at:
            self.seen["after"] = state_of(module, trainer.optimizers[0])


def _fit(tmp_path, policy, poison, **kw):
    torch.manual_seed(0)
    batches = make_batches(24)
    for i in poison:
        batches[i][0][0, 0] = float("nan")
    guard = TrainMedicCallback(policy, log_path=str(tmp_path / "live.jsonl"), **kw)
    watcher = Watcher(min(poison))
    trainer = pl.Trainer(
        max_epochs=1,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[watcher, guard],
        default_root_dir=str(tmp_path),
    )
    module = Module()
    trainer.fit(module, train_dataloaders=torch.utils.data.DataLoader(batches, batch_size=None))
    return trainer, module, guard, watcher


def test_skip_in_lightning_moves_nothing(tmp_path):
    trainer, module, guard, watcher = _fit(tmp_path, "skip", {9})
    assert_same_state(watcher.seen["before"], watcher.seen["after"])
    assert all(torch.isfinite(p).all() for p in module.parameters())
    assert trainer.global_step == 24  # Lightning counts the skipped step as a step
    report = json.loads(guard.report.to_json())
    assert report["live"]["skipped_batches"] == [9]
    assert (
        "net.encoder.0 (fp32): the batch itself holds nan"
        in {f["code"]: f for f in report["findings"]}["TM151"]["message"]
    )


def test_stop_in_lightning_sets_should_stop(tmp_path):
    trainer, module, guard, _ = _fit(tmp_path, "stop", {9})
    assert trainer.should_stop and trainer.global_step == 10
    assert guard.report.verdict == "failed"
    assert all(torch.isfinite(p).all() for p in module.parameters())


class PoisonOutput(pl.Callback):
    """The classifier's output turns NaN on chosen batches (the data stays finite)."""

    def __init__(self, batches) -> None:
        self.batches, self.poison = set(batches), None

    def on_train_batch_start(self, trainer, module, batch, batch_idx):
        if self.poison is None:
            self.poison = OutputPoison(module.net.classifier)
        self.poison.on = batch_idx in self.batches


def test_rollback_in_lightning(tmp_path):
    torch.manual_seed(0)
    guard = TrainMedicCallback("rollback", log_path=str(tmp_path / "live.jsonl"), rollback_after=2, snapshot_every=4)
    trainer = pl.Trainer(
        max_epochs=1,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[PoisonOutput({9, 10}), guard],
        default_root_dir=str(tmp_path),
    )
    trainer.fit(Module(), train_dataloaders=torch.utils.data.DataLoader(make_batches(24), batch_size=None))
    rollbacks = guard.monitor.run().events_of("rollback")
    assert len(rollbacks) == 1 and rollbacks[0].data["to_step"] == 8
    assert trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(5e-3)
    assert trainer.global_step == 24


def test_observe_in_lightning_lets_the_nan_in_and_reports_it(tmp_path):
    trainer, module, guard, _ = _fit(tmp_path, "observe", {9})
    assert trainer.global_step == 24
    assert not all(torch.isfinite(p).all() for p in module.parameters())  # observe only records
    assert guard.report.verdict == "failed"
    assert "nonfinite" in {f.symptom for f in guard.report.findings}
