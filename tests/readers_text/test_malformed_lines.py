"""Lines that break what they seem to promise: an epoch that is not a whole number where one must stand is ignored and
said (the line's other numbers count); a printed Namespace Python only warns about reads quietly."""

from __future__ import annotations

from readers_text_helpers import cli

from trainmedic.readers import load_run


def test_epoch_inf_is_ignored_and_said(tmp_path):
    log = tmp_path / "train.log"
    log.write_text("Step 1 | Epoch: inf | loss: 0.5\nStep 2 | Epoch: 1 | loss: 0.4\nStep 3 | Epoch: 1 | loss: 0.3\n")
    run = load_run([log])
    loss = run.series["train/loss"]
    assert loss.step.tolist() == [1.0, 2.0, 3.0] and loss.values.tolist() == [0.5, 0.4, 0.3]
    notes = [n.render("en") for n in run.sources[0].notes]
    assert any("1 epoch or batch counter ignored" in n for n in notes)


def test_a_printed_namespace_python_warns_about_reads_quietly(tmp_path):
    """`Namespace(lr=1if ...)` parses with a SyntaxWarning: the user's terminal shows nothing of it."""
    log = tmp_path / "train.log"
    log.write_text("Namespace(lr=0.001, warm=1if_needed, batch_size=8)\nstep 1 loss 0.5\nstep 2 loss 0.4\n")
    result = cli("diagnose", str(log), "--format", "json")
    assert result.returncode == 0 and "SyntaxWarning" not in result.stderr
