"""The Monitor in a plain PyTorch loop: detection, skip, rollback, stop, provenance, the log and ``diagnose``."""

from __future__ import annotations

import json
import math

import pytest
from live_models import Classifier, assert_same_state, ce_loss, make_batches, state_of

from trainmedic.cli import main

torch = pytest.importorskip("torch")

import trainmedic  # noqa: E402
from trainmedic.live.monitor import StopTraining  # noqa: E402


def train(model, optimizer, monitor, batches, *, poison=(), on_step=None):
    """The user's loop; batches whose index is in ``poison`` get a NaN feature."""
    results = []
    for i, (x, y) in enumerate(batches):
        if on_step:
            on_step(i, "before")
        if i in poison:
            x = x.clone()
            x[0, 0] = float("nan")
        loss = ce_loss(model, (x, y))
        loss.backward()
        results.append(monitor.step(loss, (x, y)))
        if on_step:
            on_step(i, "after")
        optimizer.zero_grad()
    return results


def test_skip_leaves_weights_and_adam_state_untouched(classifier, tmp_path):
    opt = torch.optim.Adam(classifier.parameters(), lr=1e-2)
    log = tmp_path / "live.jsonl"
    monitor = trainmedic.Monitor(classifier, opt, policy="skip", loss_fn=ce_loss, log_path=str(log))
    seen = {}

    def on_step(i, when):
        if i == 12:
            seen[when] = state_of(classifier, opt)

    results = train(classifier, opt, monitor, make_batches(30), poison={12}, on_step=on_step)
    # Detected on the very step, and nothing moved: weights, BatchNorm running stats (the forward of the bad batch
    # had already moved them), Adam exp_avg/exp_avg_sq and step.
    assert [r.step for r in results if r.action == "skip"] == [13]
    assert results[12].nonfinite and math.isnan(results[12].loss)
    assert_same_state(seen["before"], seen["after"])
    assert int(opt.state_dict()["state"][0]["step"]) == 29  # 30 batches, one skipped
    # Provenance: the batch itself was bad, noticed at the first module that read it.
    assert results[12].provenance["phase"] == "input"
    assert results[12].provenance["module"] == "encoder.0"
    assert math.isfinite(results[-1].loss) and results[-1].loss < results[0].loss

    monitor.close()
    report = monitor.report()
    data = json.loads(report.to_json())
    assert data["kind"] == "live"
    assert data["live"]["skipped_batches"] == [12]
    codes = {f["code"]: f for f in data["findings"]}
    assert "TM150" in codes and codes["TM150"]["at"] == {"step": 13}
    assert "encoder.0 (fp32): the batch itself holds nan values" in codes["TM151"]["message"]

    # The log: a header, a line per step, the events; `trainmedic diagnose` reads it and finds the same.
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert lines[0]["format"] == "trainmedic-live" and lines[0]["type"] == "header"
    assert sum(1 for x in lines if x["type"] == "step") == 30
    assert lines[-1]["kind"] == "end"
    offline = trainmedic.diagnose(log)
    assert offline.runs[0].format == "trainmedic-live"
    assert {f.code for f in offline.findings} == {f["code"] for f in data["findings"]}
    assert main(["diagnose", str(log), "--fail-on", "warning"]) == 1


def test_observe_applies_every_step_and_only_records(classifier):
    opt = torch.optim.SGD(classifier.parameters(), lr=0.1)
    monitor = trainmedic.Monitor(classifier, opt, policy="observe")
    results = train(classifier, opt, monitor, make_batches(5), poison={2})
    assert [r.action for r in results] == ["step"] * 5
    assert results[2].nonfinite
    assert any(torch.isnan(p).any() for p in classifier.parameters())  # observe let the NaN in


def test_stop_ends_the_run_with_the_diagnosis(classifier, tmp_path):
    opt = torch.optim.Adam(classifier.parameters(), lr=1e-2)
    monitor = trainmedic.Monitor(classifier, opt, policy="stop", loss_fn=ce_loss, log_path=str(tmp_path / "l.jsonl"))
    with pytest.raises(StopTraining) as info:
        train(classifier, opt, monitor, make_batches(20), poison={7})
    assert info.value.step == 8
    assert info.value.report.verdict == "failed"
    assert all(torch.isfinite(p).all() for p in classifier.parameters())  # the bad step was not applied
    kinds = [json.loads(x).get("kind") for x in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert kinds[-1] == "stop"


def test_rollback_restores_a_healthy_state_and_finishes_sane(tmp_path):
    """lr 2.0 on a least-squares problem diverges (finite for a while, then inf/NaN): the guard must go back past the
    finite-but-diverged snapshots to a healthy one, halve... quarter the lr, and the run must then converge."""
    torch.manual_seed(0)
    w_true = torch.randn(8, 1)
    model = torch.nn.Linear(8, 1)
    opt = torch.optim.SGD(model.parameters(), lr=2.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
    monitor = trainmedic.Monitor(
        model,
        opt,
        policy="rollback",
        scheduler=sched,
        snapshot_every=5,
        rollback_after=2,
        lr_factor=0.25,
        snapshot_dir=str(tmp_path / "snaps"),
    )
    g = torch.Generator().manual_seed(1)
    results = []
    for _ in range(80):
        x = torch.randn(64, 8, generator=g)
        loss = torch.nn.functional.mse_loss(model(x), x @ w_true)
        loss.backward()
        r = monitor.step(loss, (x,))
        results.append(r)
        opt.zero_grad()
        if r.applied:
            sched.step()
    actions = [r.action for r in results]
    assert actions.count("rollback") == 1, actions
    assert max(r.loss for r in results[:30]) > 1e6  # it really diverged first
    rollback = monitor.run().events_of("rollback")[0]
    assert rollback.data["to_step"] == 0  # every later snapshot had already drifted up
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5) and sched.base_lrs == [pytest.approx(0.5)]
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5)  # the schedule keeps the lower lr
    assert results[-1].loss < 1e-6 and results[-1].applied
    assert len(list((tmp_path / "snaps").glob("*.pt"))) <= 3


def test_rollback_gives_up_after_the_allowed_retries():
    """An lr so high that every restore diverges again: two rollbacks, then the run stops with the diagnosis."""
    torch.manual_seed(0)
    w_true = torch.randn(8, 1)
    model = torch.nn.Linear(8, 1)
    opt = torch.optim.SGD(model.parameters(), lr=5.0)
    monitor = trainmedic.Monitor(
        model, opt, policy="rollback", snapshot_every=2, rollback_after=2, max_rollbacks=2, lr_factor=0.9
    )
    g = torch.Generator().manual_seed(1)
    with pytest.raises(StopTraining) as info:
        for _ in range(200):
            x = torch.randn(64, 8, generator=g)
            loss = torch.nn.functional.mse_loss(model(x), x @ w_true)
            loss.backward()
            monitor.step(loss, (x,))
            opt.zero_grad()
    assert monitor.guard.rollbacks == 2
    assert info.value.report.verdict == "failed"
    assert "after the last allowed rollback" in monitor.run().events_of("stop")[0].message


def test_rollback_with_bad_data_skips_the_batches_instead(caplog):
    """Recurring NaN batches are the data's fault: rolling the model back or lowering the lr cannot help, skipping
    them can. No rollback, the lr untouched, and the run ends well."""
    torch.manual_seed(0)
    model = Classifier()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    monitor = trainmedic.Monitor(model, opt, policy="rollback", snapshot_every=5, rollback_after=2)
    poison = {10, 12, 14, 16, 30, 31, 32}
    results = train(model, opt, monitor, make_batches(40), poison=poison)
    assert monitor.guard.rollbacks == 0 and opt.param_groups[0]["lr"] == 0.05
    assert [r.step - 1 for r in results if r.action == "skip"] == sorted(poison)
    assert all(r.bad_data for r in results if r.action == "skip")
    assert results[-1].applied and results[-1].loss < results[0].loss
    report = monitor.report()
    assert "divergence" not in {f.symptom for f in report.findings}


def test_spike_skip_and_clipping_with_one_norm(classifier):
    opt = torch.optim.SGD(classifier.parameters(), lr=0.01)
    monitor = trainmedic.Monitor(classifier, opt, policy="skip", skip_spikes=True, max_grad_norm=0.5)
    results = []
    for i, (x, y) in enumerate(make_batches(40)):
        loss = ce_loss(classifier, (x, y))
        if i == 35:
            loss = loss * 100  # a summed instead of averaged loss on one batch: finite, far outside the history
        loss.backward()
        results.append(monitor.step(loss, (x, y)))
        grads = [p.grad for p in classifier.parameters() if p.grad is not None]
        if grads:
            assert torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])) <= 0.5 + 1e-4
        opt.zero_grad()
    assert [r.step for r in results if r.action == "skip"] == [36]
    assert results[35].spike and not results[35].nonfinite


def test_step_with_norm_from_clip_grad_norm(classifier):
    opt = torch.optim.SGD(classifier.parameters(), lr=0.01)
    monitor = trainmedic.Monitor(classifier, opt, policy="skip")
    x, y = make_batches(1)[0]
    ce_loss(classifier, (x, y)).backward()
    norm = torch.nn.utils.clip_grad_norm_(classifier.parameters(), 1.0)
    r = monitor.step(ce_loss(classifier, (x, y)), grad_norm=norm)
    assert r.grad_norm == pytest.approx(float(norm))
