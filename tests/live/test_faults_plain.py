"""Classic bugs in a plain PyTorch loop guarded by the Monitor, and their correct twins (see faults.py)."""

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

import trainmedic  # noqa: E402
from trainmedic.causes.framework import framework_of, render_fix  # noqa: E402


def run_plain(scenario: str, tmp_path, policy: str = "skip"):
    torch.manual_seed(0)
    x, y, ex, ey = data_for(scenario)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)

    def loss_fn(m, batch):
        return weighted_loss(m(batch[0]), batch[1])

    monitor = trainmedic.Monitor(model, opt, policy=policy, loss_fn=loss_fn, log_path=str(tmp_path / "live.jsonl"))
    step = 0
    for _ in range(EPOCHS):
        for i in range(0, len(x), BATCH):
            xb, yb = x[i : i + BATCH], y[i : i + BATCH]
            if scenario in ("clipping", "no_clipping") and step == SCALED_BATCH:
                xb = xb * SCALE  # one batch from an unscaled source
            logits = model(xb)
            if scenario == "detached":
                logits = logits.detach().requires_grad_()  # the classic: a loss cut from the model
            loss = weighted_loss(logits, yb)
            loss.backward()
            norm = None
            if scenario == "clipping":
                norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            monitor.step(loss, (xb, yb), grad_norm=norm)
            if scenario != "no_zero_grad":
                opt.zero_grad()
            step += 1
        with torch.no_grad():
            model.eval()
            logits = model(ex)
            model.train()
        monitor.log_eval({"acc": accuracy(logits, ey), "loss": float(weighted_loss(logits, ey))})
    monitor.close()
    return monitor, monitor.report(), accuracy(logits, ey), float(loss)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_plain_loop(scenario, tmp_path, caplog):
    said = Announcements(caplog)
    monitor, report, acc, last = run_plain(scenario, tmp_path)
    check(scenario, report, monitor, said, eval_acc=acc, final_loss=last)
    # The log holds what the live report saw: `trainmedic diagnose` on it names the same first cause.
    offline = trainmedic.diagnose(tmp_path / "live.jsonl")
    assert [d.cause for d in offline.diagnoses[:1]] == [d.cause for d in report.diagnoses[:1]]


def test_no_clipping_twin_is_told_to_clip_in_its_own_framework(tmp_path):
    monitor, report, _, _ = run_plain("no_clipping", tmp_path)
    clip = next(d for d in report.diagnoses if d.cause == "no_grad_clipping")
    fix = next(f for f in clip.fixes if f.param == "max_grad_norm")
    code = render_fix(fix, framework_of(monitor.run()))
    assert code.code == "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)"
    assert "optimizer.step()" in code.where.render()
    assert "clip_grad_norm_(model.parameters(), 1.0)" in report.to_text()
