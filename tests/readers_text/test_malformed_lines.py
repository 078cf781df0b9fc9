"""A line whose epoch is not a whole number where one must stand is skipped, not fatal."""

from __future__ import annotations

from trainmedic.readers import load_run


def test_epoch_inf_line_is_skipped_and_said(tmp_path):
    log = tmp_path / "train.log"
    log.write_text("Step 1 | Epoch: inf | loss: 0.5\nStep 2 | Epoch: 1 | loss: 0.4\nStep 3 | Epoch: 1 | loss: 0.3\n")
    run = load_run([log])
    loss = run.series["train/loss"]
    assert loss.step.tolist() == [2.0, 3.0]
    notes = [n.render("en") for n in run.sources[0].notes]
    assert any("1 line skipped" in n for n in notes)
