"""Classic bugs under Lightning (a `training_step` returning a dict, manual optimisation for the missing
`zero_grad`), and their correct twins (see faults.py)."""

from __future__ import annotations

import pytest
from faults import (
    BATCH,
    EPOCHS,
    SCALE,
    SCALED_BATCH,
    SCENARIOS,
    Announcements,
    Net,
    accuracy,
    check,
    data_for,
    weighted_loss,
)

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch")

from trainmedic.causes.framework import framework_of, render_fix  # noqa: E402
from trainmedic.integrations.lightning import TrainMedicCallback  # noqa: E402


class LitNet(pl.LightningModule):
    def __init__(self, scenario: str) -> None:
        super().__init__()
        self.net = Net()
        self.scenario = scenario
        # The missing zero_grad is a manual-optimisation bug: there the loop is the user's.
        self.automatic_optimization = scenario != "no_zero_grad"

    def _loss(self, batch):
        x, y = batch
        if self.scenario in ("clipping", "no_clipping") and self.global_step == SCALED_BATCH:
            x = x * SCALE
        logits = self.net(x)
        if self.scenario == "detached":
            logits = logits.detach().requires_grad_()
        return weighted_loss(logits, y), logits

    def training_step(self, batch, batch_idx):
        loss, logits = self._loss(batch)
        if not self.automatic_optimization:
            opt = self.optimizers()
            self.manual_backward(loss)
            opt.step()  # and no opt.zero_grad(): the bug
            return None
        return {"loss": loss, "logits": logits.detach()}  # a dict, as many modules return

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self.net(x)
        self.log("val_acc", accuracy(logits, y))
        self.log("val_loss", weighted_loss(logits, y))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=5e-3)


def run_lightning(scenario: str, tmp_path):
    torch.manual_seed(0)
    x, y, ex, ey = data_for(scenario)
    train = torch.utils.data.DataLoader(list(zip(x, y)), batch_size=BATCH)
    val = torch.utils.data.DataLoader(list(zip(ex, ey)), batch_size=len(ex))
    guard = TrainMedicCallback("skip", log_path=str(tmp_path / "live.jsonl"))
    clip = {"gradient_clip_val": 1.0} if scenario == "clipping" else {}
    trainer = pl.Trainer(
        max_epochs=EPOCHS,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        callbacks=[guard],
        default_root_dir=str(tmp_path),
        **clip,
    )
    module = LitNet(scenario)
    trainer.fit(module, train_dataloaders=train, val_dataloaders=val)
    return guard, float(trainer.callback_metrics["val_acc"]), float(trainer.callback_metrics.get("val_loss", 0.0))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_lightning(scenario, tmp_path, caplog):
    said = Announcements(caplog)
    guard, acc, last = run_lightning(scenario, tmp_path)
    assert guard.monitor.framework == "lightning"
    check(scenario, guard.report, guard.monitor, said, eval_acc=acc, final_loss=last)


def test_lightning_no_clipping_twin_is_told_to_set_gradient_clip_val(tmp_path, caplog):
    guard, _, _ = run_lightning("no_clipping", tmp_path)
    clip = next(d for d in guard.report.diagnoses if d.cause == "no_grad_clipping")
    fix = next(f for f in clip.fixes if f.param == "max_grad_norm")
    assert render_fix(fix, framework_of(guard.monitor.run())).code == "Trainer(gradient_clip_val=1.0)"
