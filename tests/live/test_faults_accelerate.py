"""Classic bugs in a loop prepared by Accelerate (two micro-batches per optimizer step), and their correct twins
(see faults.py)."""

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
accelerate = pytest.importorskip("accelerate")

from trainmedic.causes.framework import framework_of, render_fix  # noqa: E402
from trainmedic.integrations import accelerate as guard_for  # noqa: E402


def run_accelerate(scenario: str, tmp_path):
    accelerator = accelerate.Accelerator(cpu=True, gradient_accumulation_steps=2)
    torch.manual_seed(0)
    x, y, ex, ey = data_for(scenario)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    loader = torch.utils.data.DataLoader(list(zip(x, y)), batch_size=BATCH // 2)
    model, opt, loader = accelerator.prepare(model, opt, loader)

    def loss_fn(m, batch):
        return weighted_loss(m(batch[0]), batch[1])

    monitor = guard_for.monitor(
        accelerator, model, opt, policy="skip", loss_fn=loss_fn, log_path=str(tmp_path / "live.jsonl")
    )
    for _ in range(EPOCHS):
        for xb, yb in loader:
            with accelerator.accumulate(model):
                if scenario in ("clipping", "no_clipping") and monitor.step_count == SCALED_BATCH:
                    xb = xb * SCALE
                logits = model(xb)
                if scenario == "detached":
                    logits = logits.detach().requires_grad_()
                loss = weighted_loss(logits, yb)
                accelerator.backward(loss)
                guard_for.step(
                    accelerator, monitor, loss, (xb, yb), max_grad_norm=1.0 if scenario == "clipping" else None
                )
                if scenario != "no_zero_grad":
                    opt.zero_grad()
        with torch.no_grad():
            logits = model(ex)
        monitor.log_eval({"acc": accuracy(logits, ey), "loss": float(weighted_loss(logits, ey))})
    monitor.close()
    return monitor, monitor.report(), accuracy(logits, ey), float(loss)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_accelerate(scenario, tmp_path, caplog):
    said = Announcements(caplog)
    monitor, report, acc, last = run_accelerate(scenario, tmp_path)
    assert monitor.framework == "accelerate"
    check(scenario, report, monitor, said, eval_acc=acc, final_loss=last)


def test_accelerate_no_clipping_twin_is_told_where_to_clip(tmp_path):
    monitor, report, _, _ = run_accelerate("no_clipping", tmp_path)
    clip = next(d for d in report.diagnoses if d.cause == "no_grad_clipping")
    fix = next(f for f in clip.fixes if f.param == "max_grad_norm")
    assert render_fix(fix, framework_of(monitor.run())).code == "accelerator.clip_grad_norm_(model.parameters(), 1.0)"
