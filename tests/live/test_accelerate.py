"""A plain loop prepared by Accelerate (CPU, one process), guarded through ``integrations.accelerate.step``."""

from __future__ import annotations

import pytest
from live_models import Classifier, OutputPoison, assert_same_state, ce_loss, make_batches, state_of

torch = pytest.importorskip("torch")
accelerate = pytest.importorskip("accelerate")

import trainmedic  # noqa: E402
from trainmedic.integrations.accelerate import step  # noqa: E402


def test_skip_with_accelerate_clipping_and_accumulation():
    accelerator = accelerate.Accelerator(cpu=True, gradient_accumulation_steps=2)
    torch.manual_seed(0)
    model = Classifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    batches = make_batches(16)
    batches[9][0][0, 0] = float("nan")  # second micro-batch of optimizer step 5
    model, opt = accelerator.prepare(model, opt)
    monitor = trainmedic.Monitor(model, opt, policy="skip", loss_fn=ce_loss)
    results, seen = [], {}
    for i, batch in enumerate(batches):
        if i == 8:
            seen["before"] = state_of(model, opt)
        with accelerator.accumulate(model):
            loss = ce_loss(model, batch)
            accelerator.backward(loss)
            r = step(accelerator, monitor, loss, batch, max_grad_norm=1.0)
            opt.zero_grad()
        if r is not None:
            results.append(r)
        if i == 9:
            seen["after"] = state_of(model, opt)
    assert [r.action for r in results] == ["step"] * 4 + ["skip"] + ["step"] * 3
    assert_same_state(seen["before"], seen["after"])
    assert results[4].provenance["phase"] == "input"
    assert all(torch.isfinite(p).all() for p in model.parameters())


def _accelerated_run(policy: str, poison: set, *, in_model: bool = False, **monitor_kw):
    """8 optimizer steps of 2 micro-batches each; the micro-batches in ``poison`` hold a NaN (or, ``in_model``, the
    classifier's output is NaN on them)."""
    accelerator = accelerate.Accelerator(cpu=True, gradient_accumulation_steps=2)
    torch.manual_seed(0)
    model = Classifier()
    head = OutputPoison(model.classifier)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    batches = make_batches(16)
    if not in_model:
        for i in poison:
            batches[i][0][0, 0] = float("nan")
    model, opt = accelerator.prepare(model, opt)
    monitor = trainmedic.Monitor(model, opt, policy=policy, loss_fn=ce_loss, **monitor_kw)
    results = []
    for i, batch in enumerate(batches):
        head.on = in_model and i in poison
        with accelerator.accumulate(model):
            loss = ce_loss(model, batch)
            accelerator.backward(loss)
            r = step(accelerator, monitor, loss, batch, max_grad_norm=1.0)
            opt.zero_grad()
        if r is not None:
            results.append(r)
    return model, monitor, results


def test_observe_with_accelerate_applies_the_bad_step_and_reports_it():
    model, monitor, results = _accelerated_run("observe", {9})
    assert [r.action for r in results] == ["step"] * 8
    assert not all(torch.isfinite(p).all() for p in model.parameters())  # observe lets the NaN in
    assert "nonfinite" in {f.symptom for f in monitor.report().findings}


def test_stop_with_accelerate_ends_at_the_bad_step():
    with pytest.raises(trainmedic.StopTraining) as info:
        _accelerated_run("stop", {9})
    assert info.value.step == 5
    assert info.value.report.verdict == "failed"


def test_rollback_with_accelerate_restores_and_finishes_finite():
    model, monitor, results = _accelerated_run("rollback", {9, 11}, in_model=True, snapshot_every=2, rollback_after=2)
    actions = [r.action for r in results]
    assert "rollback" in actions, actions
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert actions[-1] == "step"
