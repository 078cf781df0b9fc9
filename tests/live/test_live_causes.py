"""Causes the live guard names from what it observed, ahead of what curve shapes suggest: raw 0-255 inputs,
parameters the optimizer does not hold, and what preflight found before training."""

from __future__ import annotations

import pytest
from faults import BATCH, Net, accuracy, task

torch = pytest.importorskip("torch")
nn = torch.nn

import trainmedic  # noqa: E402


def _train(model, opt, x, y, ex, ey, steps: int = 48, **kw):
    monitor = trainmedic.Monitor(model, opt, policy="skip", announce=False, **kw)
    for i in range(steps):
        j = (i * BATCH) % len(x)
        loss = nn.functional.cross_entropy(model(x[j : j + BATCH]), y[j : j + BATCH])
        loss.backward()
        monitor.step(loss, (x[j : j + BATCH], y[j : j + BATCH]))
        opt.zero_grad()
        if i % 8 == 7:
            with torch.no_grad():
                monitor.log_eval({"acc": accuracy(model(ex), ey)})
    monitor.close()
    return monitor


def test_raw_pixel_inputs_are_named():
    torch.manual_seed(0)
    x, y, ex, ey = task()
    pixels = lambda t: (t.sigmoid() * 255).round()  # noqa: E731 - 0-255 intensities, never scaled
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    report = _train(model, opt, pixels(x), y, pixels(ex), ey).report()
    assert report.diagnoses[0].cause == "unnormalised_inputs", [d.cause for d in report.diagnoses]
    fix = report.diagnoses[0].fixes[0].action.render()
    assert "divide by 255" in fix


def test_parameters_the_optimizer_does_not_hold_are_named():
    torch.manual_seed(0)
    x, y, ex, ey = task()
    model = Net()
    opt = torch.optim.SGD([model.body[0].bias], lr=1e-3)  # built from the wrong parameter list
    monitor = _train(model, opt, x, y, ex, ey, steps=32)
    report = monitor.report()
    causes = [d.cause for d in report.diagnoses]
    assert causes and causes[0] == "optimizer_misses_params", causes
    assert "frozen_backbone" not in causes  # every parameter is trainable: nothing is frozen
    counts = [o for o in monitor.run().observations if o.kind == "parameters"][0]
    assert counts.missed == counts.trainable - 64


def test_what_preflight_found_corroborates_a_cause():
    torch.manual_seed(0)
    x, y, ex, ey = task()
    pixels = lambda t: (t.sigmoid() * 255).round()  # noqa: E731
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    monitor = trainmedic.Monitor(model, opt, policy="skip", announce=False)
    pre = trainmedic.preflight(model, (pixels(x[:BATCH]), y[:BATCH]), optimizer=opt)
    monitor.record_preflight(pre)
    recorded = [o for o in monitor.run().observations if o.kind == "preflight"]
    assert recorded and recorded[0].codes == tuple(f.code for f in pre.findings)
