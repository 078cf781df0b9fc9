"""One coherent prescription: one value per parameter, no fix the config already satisfies, nothing said twice, the
first change marked, and every change written in the run's framework."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trainmedic.causes.framework import framework_of, render_fix
from trainmedic.causes.prescription import prescribe
from trainmedic.findings import Diagnosis, Fix
from trainmedic.i18n import Msg
from trainmedic.run import Run, Series, SourceInfo

ROOT = Path(__file__).resolve().parents[2]


def run_with(fmt: str = "csv", **config) -> Run:
    run = Run()
    run.sources.append(SourceInfo(path="metrics.csv", format=fmt))
    steps = np.arange(1, 121, dtype=float)
    run.series["train/loss"] = Series.build("train/loss", 1 / steps, step=steps)
    for key, value in config.items():
        run.config.set(key, value, "train.sh", 3)
    return run


def diag(cause: str, confidence: float, *fixes: Fix) -> Diagnosis:
    return Diagnosis(cause=cause, confidence=confidence, title=cause, explanation="", fixes=fixes)


def lr_fix(to: float, why: str) -> Fix:
    return Fix(param="lr", from_=7.5e-05, to=to, why=why)


WARMUP = Fix(action=Msg("cause.fix.warmup.action"), why=Msg("cause.fix.warmup.why"))
KEEP_BATCH = Fix(
    action=Msg("cause.fix.keep_batch.action", {"target": 64, "pdb": 32, "accum": 2, "world_size": 1}),
    why=Msg("cause.fix.keep_batch.why"),
)
LOWER_PEAK = Fix(action=Msg("cause.fix.lower_peak.action"), why=Msg("cause.fix.lower_peak.why", {"peak": 7.5e-05}))


def test_one_value_per_parameter_from_the_most_likely_cause_with_every_reason():
    run = run_with(lr=7.5e-05, warmup_steps=15000, max_steps=75000)
    shorten = Fix(param="warmup_steps", from_=15000, to=5000, why="keeps the warmup as long in samples")
    p = prescribe(
        run,
        [
            diag("batch_lr_mismatch", 0.85, lr_fix(2.5e-05, "lr x batch constant"), KEEP_BATCH, shorten),
            diag("warmup_peak_instability", 0.7, LOWER_PEAK),
            diag("lr_too_high", 0.4, lr_fix(3.7e-05, "2x lower"), WARMUP),
        ],
    )
    lr = [c for c in p.changes if c.param == "lr"]
    assert len(lr) == 1 and lr[0].to == 2.5e-05 and lr[0].first
    assert lr[0].why[0] == "lr x batch constant" and len(lr[0].why) == 2  # the warmup peak's reason supports it
    assert lr[0].causes == ("batch_lr_mismatch", "warmup_peak_instability", "lr_too_high")
    assert [a.action.key for a in lr[0].alternatives] == ["cause.fix.keep_batch.action"]
    # 3.7e-05 is not offered next to 2.5e-05; "lengthen warmup" not next to "warmup 15000 -> 5000".
    assert [c.param or c.action.key for c in p.changes] == ["lr", "warmup_steps"]
    dropped = {(fx.param or fx.action.key): why.key for fx, why in p.dropped}
    assert dropped == {
        "lr": "prescription.dropped.other_value",
        "cause.fix.warmup.action": "prescription.dropped.warmup_long",
    }
    assert sum(c.first for c in p.changes) == 1


def test_what_the_config_already_does_is_left_out():
    run = run_with(warmup_steps=60, max_steps=120, max_grad_norm=1.0, precision="bf16")
    clip = Fix(param="max_grad_norm", from_=1.0, to=1.0, why="bound")
    bf16 = Fix(param="precision", from_="fp16", to="bf16", why="range")
    p = prescribe(
        run,
        [
            diag("lr_too_high", 0.9, lr_fix(1e-05, "lower"), WARMUP),
            diag("no_grad_clipping", 0.5, clip),
            diag("mixed_precision_overflow", 0.4, bf16),
        ],
    )
    assert [c.param for c in p.changes] == ["lr"]
    reasons = [why.render("en") for _, why in p.dropped]
    assert "the warmup already spans 50% of the run" in reasons
    assert "the configuration already sets precision to bf16" in reasons


def test_identical_fixes_of_two_causes_are_one_change_and_the_clip_call_is_the_clip_change():
    rnn_fp32 = Fix(
        action=Msg("cause.fix.rnn_fp32.action", {"layers": "nn.LSTM", "precision": "bf16"}),
        why=Msg("cause.fix.rnn_fp32.why", {"precision": "bf16"}),
    )
    clip = Fix(param="max_grad_norm", from_="off", to=1.0, why=Msg("cause.fix.clip.why", {"to": 1.0}))
    call = Fix(
        action=Msg("cause.fix.clip_call.action", {"clip": 1.0, "clip_rnn": 5.0}), why=Msg("cause.fix.clip_call.why")
    )
    p = prescribe(
        run_with(),
        [
            diag("recurrent_long_sequence", 0.85, rnn_fp32, clip),
            diag("mixed_precision_overflow", 0.7, rnn_fp32),
            diag("no_grad_clipping", 0.6, clip, call),
        ],
    )
    assert [c.param or c.action.key for c in p.changes] == ["cause.fix.rnn_fp32.action", "max_grad_norm"]
    assert p.changes[0].causes == ("recurrent_long_sequence", "mixed_precision_overflow")
    assert p.changes[1].causes == ("recurrent_long_sequence", "no_grad_clipping")


def test_fixes_are_written_in_the_runs_framework():
    clip = Fix(param="max_grad_norm", from_=0.0, to=1.0, why="")
    assert render_fix(clip, "hf").code == "TrainingArguments(max_grad_norm=1.0)"
    assert render_fix(clip, "lightning").code == "Trainer(gradient_clip_val=1.0)"
    assert render_fix(clip, "keras").code == "optimizer = Adam(clipnorm=1.0)"
    torch = render_fix(clip, "torch")
    assert torch.code == "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)"
    assert torch.where.render("en") == "between loss.backward() and optimizer.step()"
    assert render_fix(clip, "accelerate").code == "accelerator.clip_grad_norm_(model.parameters(), 1.0)"
    lr = Fix(param="lr", from_=1e-3, to=3e-4, why="")
    assert render_fix(lr, "hf").code == "TrainingArguments(learning_rate=0.0003)"
    assert render_fix(lr, "torch", {"optimizer": "SGD"}).code == "torch.optim.SGD(model.parameters(), lr=0.0003)"
    assert render_fix(lr, "unknown") is None  # shown as "lr: 0.001 → 0.0003", set where the config says


def test_the_framework_comes_from_the_config_else_from_what_was_read():
    assert framework_of(run_with("hf-trainer")) == "hf"
    assert framework_of(run_with("lightning-csv")) == "lightning"
    assert framework_of(run_with("csv")) == "unknown"
    assert framework_of(run_with("csv", launcher="accelerate")) == "accelerate"
    assert framework_of(run_with("trainmedic-live", launcher="lightning")) == "lightning"
    assert framework_of(run_with("trainmedic-live")) == "torch"
    assert framework_of(run_with("csv", framework="keras")) == "keras"
    scripted = run_with("csv")
    scripted.sources.append(SourceInfo(path="train.py", format="config"))
    assert framework_of(scripted) == "torch"


def test_a_plain_loop_is_never_told_about_the_hugging_face_default():
    from trainmedic import diagnose_run

    steps = np.arange(1, 201, dtype=float)
    loss = np.where(steps < 150, 2.0 * np.exp(-steps / 50) + 0.3, np.nan)
    run = run_with("csv", max_grad_norm=0.0, lr=0.01)
    run.series["train/loss"] = Series.build("train/loss", loss, step=steps)
    run.sources.append(SourceInfo(path="train.py", format="config"))
    report = diagnose_run(run)
    text = report.to_text(width=120) + report.to_markdown() + report.to_json()
    assert "Hugging Face" not in text and "TrainingArguments" not in text
    clip = next(c for c in report.prescription.changes if c.param == "max_grad_norm")
    assert clip.code == "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)"


def test_the_bundled_example_gets_one_plan():
    from trainmedic import diagnose

    report = diagnose(ROOT / "examples" / "hf_nan_lr")
    p = report.prescription
    assert p.framework == "hf"
    assert [(c.param, c.to, c.first) for c in p.changes] == [("lr", 0.1, True), ("max_grad_norm", 1.0, False)]
    assert p.changes[0].code == "TrainingArguments(learning_rate=0.1)"
    assert any(why.key == "prescription.dropped.warmup_long" for _, why in p.dropped)  # its warmup is 50%


def test_the_bundled_example_is_told_from_where_the_loss_left_its_minimum():
    """The loss climbs from step 24 long before the NaN at step 100: that is the failure, and the checkpoint before
    it (step 20, the lowest eval loss) is where to resume, not the one just before the NaN."""
    from trainmedic import diagnose

    report = diagnose(ROOT / "examples" / "hf_nan_lr")
    assert report.to_dict()["conclusion"].startswith("loss diverged at step 24 (epoch 0.19)")
    first = report.to_dict()["findings"][0]
    assert (first["code"], first["series"], first["at"]["step"]) == ("TM201", "train/loss", 24)
    assert report.checkpoints["last_healthy"].endswith("checkpoint-20")


def test_the_effective_batch_is_kept_exactly():
    from trainmedic.causes.context import Context
    from trainmedic.causes.step_size import _keep_batch_fix

    fx = _keep_batch_fix(Context.build(run_with(per_device_batch=48, world_size=1), []), 64)
    assert fx.action.params["pdb"] * fx.action.params["accum"] == 64 and fx.action.params["pdb"] == 32
    assert fx.action.render("en") == (
        "keep the effective batch at 64: a per-device batch of 32 with 2 accumulation steps"
    )
