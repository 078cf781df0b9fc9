"""What the guard promises beyond a single step: it judges what the optimizer will update, never restores a
non-finite or foreign snapshot, never acts on a loss it could not measure, refuses a wrong ``loss_fn`` clearly,
replays dict-returning models, and resumes from its ``state_dict``."""

from __future__ import annotations

import json
import pickle

import pytest
from live_models import Classifier, ce_loss, make_batches

torch = pytest.importorskip("torch")
nn = torch.nn

import trainmedic  # noqa: E402
from trainmedic.lossfn import LossFnError  # noqa: E402


def test_a_parameter_outside_the_model_and_one_unfrozen_later_are_guarded():
    """A learnable temperature held by the optimizer only, and an encoder unfrozen after the Monitor was built."""
    torch.manual_seed(0)
    model = Classifier()
    for p in model.encoder.parameters():
        p.requires_grad_(False)
    temperature = nn.Parameter(torch.tensor(1.0))
    opt = torch.optim.Adam([*model.parameters(), temperature], lr=1e-2)
    monitor = trainmedic.Monitor(model, opt, policy="skip", announce=False)
    for p in model.encoder.parameters():  # unfrozen after the Monitor was built
        p.requires_grad_(True)
    for i, (x, y) in enumerate(make_batches(6)):
        loss = ce_loss(model, (x, y)) * temperature
        loss.backward()
        if i == 3:
            temperature.grad.fill_(float("nan"))  # only the parameter outside the model goes bad
            model.encoder[0].weight.grad[0, 0] = float("inf")
        result = monitor.step(loss, (x, y))
        opt.zero_grad()
        assert result.applied == (i != 3)
    assert torch.isfinite(temperature) and all(torch.isfinite(p).all() for p in model.parameters())
    counts = [o for o in monitor.run().observations if o.kind == "parameters"][0]
    assert counts.outside == 1


def test_rollback_never_restores_a_non_finite_or_foreign_snapshot(tmp_path):
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    snaps = tmp_path / "snaps"
    monitor = trainmedic.Monitor(
        model, opt, policy="rollback", snapshot_every=2, snapshot_dir=str(snaps), rollback_after=1, announce=False
    )
    x = torch.randn(8, 4)

    def step(poison=False):
        loss = model(x).pow(2).mean() * (float("nan") if poison else 1.0)
        loss.backward()
        r = monitor.step(loss, (x,))
        opt.zero_grad()
        return r

    for _ in range(4):
        step()
    # The weights go bad behind the guard's back (a bug elsewhere): no snapshot of them is taken.
    with torch.no_grad():
        model.weight[0, 0] = float("nan")
    assert not monitor.snapshots.take(99, 1.0, 0.1) and monitor.snapshots.refused == 1
    with torch.no_grad():
        model.weight[0, 0] = 0.0
    # A snapshot file replaced by a pickle that would run code: refused, never executed.
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    newest = max(snaps.glob("snapshot-*.pt"), key=lambda p: int(p.stem.split("-")[1]))
    newest.write_bytes(pickle.dumps({"model": Evil()}))
    r = step(poison=True)
    assert r.action == "rollback" and not marker.exists()
    restored = monitor.run().events_of("rollback")[0].data["to_step"]
    assert restored < int(newest.stem.split("-")[1])  # an older snapshot that loads was used instead
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_a_loss_it_cannot_measure_is_not_nan(caplog):
    torch.manual_seed(0)
    model = Classifier()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    monitor = trainmedic.Monitor(model, opt, policy="skip")
    results = []
    for i, (x, y) in enumerate(make_batches(8)):
        ce_loss(model, (x, y)).backward()
        if i == 5:
            model.classifier.bias.grad.fill_(float("nan"))  # what it can measure still counts
        results.append(monitor.step(None, (x, y)))
        opt.zero_grad()
    assert [r.action for r in results] == ["step"] * 5 + ["skip"] + ["step"] * 2
    assert all(r.loss is None for r in results)
    said = [r.getMessage() for r in caplog.records if "could not be measured" in r.getMessage()]
    assert len(said) == 1  # said once
    assert "train/loss" not in monitor.run().series  # absent, not a series of NaN


def test_a_criterion_as_loss_fn_is_refused_with_the_line_to_write():
    model = Classifier()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(LossFnError, match=r"CrossEntropyLoss takes \(logits, labels\).*lambda model, batch"):
        trainmedic.Monitor(model, opt, loss_fn=nn.CrossEntropyLoss())
    with pytest.raises(LossFnError, match="two arguments"):
        trainmedic.Monitor(model, opt, loss_fn=lambda batch: batch)


class DictModel(nn.Module):
    """A model that returns a plain dict with its loss (no ModelOutput)."""

    def __init__(self) -> None:
        super().__init__()
        self.net = Classifier()

    def forward(self, x, labels):
        logits = self.net(x)
        return {"loss": nn.functional.cross_entropy(logits, labels), "logits": logits}


def test_provenance_replays_a_dict_returning_model():
    torch.manual_seed(0)
    model = DictModel()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    monitor = trainmedic.Monitor(model, opt, loss_fn=lambda m, b: m(**b), announce=False)
    results = []
    for i, (x, y) in enumerate(make_batches(5)):
        if i == 3:
            x = x.clone()
            x[0, 0] = float("nan")
        batch = {"x": x, "labels": y}
        out = model(**batch)
        out["loss"].backward()
        results.append(monitor.step(out, batch))  # the output dict itself: the loss is found inside
        opt.zero_grad()
    assert results[3].action == "skip" and results[3].provenance["phase"] == "input"
    assert results[3].provenance["module"] == "net.encoder.0"


def test_a_resumed_monitor_keeps_its_guard_state(tmp_path):
    torch.manual_seed(0)
    model = Classifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = trainmedic.Monitor(model, opt, policy="skip", announce=False)
    for i, (x, y) in enumerate(make_batches(12)):
        if i == 4:
            x = x.clone()
            x[0, 0] = float("nan")
        loss = ce_loss(model, (x, y))
        loss.backward()
        first.step(loss, (x, y))
        opt.zero_grad()
    state = json.loads(json.dumps(first.state_dict()))  # JSON-safe: HF keeps it in trainer_state.json
    second = trainmedic.Monitor(model, opt, policy="skip", announce=False)
    second.load_state_dict(state)
    assert second.step_count == 12 and second.guard.skipped == 1 and second.skipped_batches == [4]
    assert list(second.guard.losses) == list(first.guard.losses)
    x, y = make_batches(1, seed=3)[0]
    loss = ce_loss(model, (x, y))
    loss.backward()
    assert second.step(loss, (x, y)).step == 13
