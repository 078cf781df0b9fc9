"""The Hugging Face Trainer callback with a real tiny BERT (2 layers, hidden 32): every policy, NaN injected."""

from __future__ import annotations

import json
import math

import pytest
from live_models import assert_same_state, state_of

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from trainmedic.integrations.hf import TrainMedicCallback  # noqa: E402

POISON_STEP = 5  # global_step before the poisoned optimizer step (the 6th)


class Poison(transformers.TrainerCallback):
    """Makes the classifier output NaN during one optimizer step and keeps the state around it."""

    def __init__(self, model, steps) -> None:
        self.on, self.steps, self.seen = False, set(steps), {}
        model.classifier.register_forward_hook(lambda m, a, out: out * float("nan") if self.on else out)

    def on_step_begin(self, args, state, control, model=None, optimizer=None, **kw):
        self.on = state.global_step in self.steps
        if state.global_step == POISON_STEP:
            self.seen["before"] = state_of(model, optimizer)

    def on_step_end(self, args, state, control, model=None, optimizer=None, **kw):
        if state.global_step == POISON_STEP + 1:
            self.seen["after"] = state_of(model, optimizer)
        self.on = False


def _tiny_bert(tmp_path, *, max_steps: int, max_grad_norm: float):
    """A 2-layer BERT classifier, 96 synthetic examples and the Trainer's arguments to train it on the CPU."""
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=60,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=32,
        num_labels=2,
    )
    model = transformers.BertForSequenceClassification(config)
    ids = torch.randint(1, 60, (96, 12), generator=torch.Generator().manual_seed(0))
    data = [{"input_ids": i, "attention_mask": torch.ones(12, dtype=torch.long), "labels": int(i[0] > 30)} for i in ids]
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path),
        max_steps=max_steps,
        per_device_train_batch_size=8,
        learning_rate=1e-3,
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
        max_grad_norm=max_grad_norm,
    )
    return model, data, args


def _train(tmp_path, policy, poison_steps, **kw):
    model, data, args = _tiny_bert(tmp_path, max_steps=12, max_grad_norm=1.0)
    poison = Poison(model, poison_steps)
    guard = TrainMedicCallback(policy, **kw)
    trainer = transformers.Trainer(model=model, args=args, train_dataset=data, callbacks=[poison, guard])
    trainer.train()
    return trainer, guard, poison


def test_skip_in_the_trainer_moves_nothing_and_names_the_classifier(tmp_path):
    trainer, guard, poison = _train(tmp_path, "skip", {POISON_STEP})
    # Weights and Adam moments/step count identical across the skipped step; training went on to the end.
    assert_same_state(poison.seen["before"], poison.seen["after"])
    assert trainer.state.global_step == 12
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())
    report = json.loads(guard.report.to_json())
    assert report["live"]["skipped"] == 1
    codes = {f["code"]: f for f in report["findings"]}
    assert codes["TM150"]["at"] == {"step": POISON_STEP + 1}
    assert codes["TM151"]["message"].startswith("classifier (fp32): output nan from finite input")
    log = [json.loads(x) for x in (tmp_path / "trainmedic-live.jsonl").read_text().splitlines()]
    assert log[0]["config"]["max_grad_norm"] == 1.0 and log[0]["config"]["launcher"] == "hf-trainer"
    assert log[-1]["kind"] == "end"


def test_stop_in_the_trainer_ends_the_run_at_once(tmp_path):
    trainer, guard, _ = _train(tmp_path, "stop", {POISON_STEP})
    assert trainer.state.global_step == POISON_STEP + 1
    assert guard.report.verdict == "failed"
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())


def test_rollback_in_the_trainer_restores_and_lowers_the_lr(tmp_path):
    trainer, guard, _ = _train(
        tmp_path, "rollback", {POISON_STEP, POISON_STEP + 1}, rollback_after=2, snapshot_every=2, lr_factor=0.5
    )
    events = guard.monitor.run().events_of("rollback")
    assert len(events) == 1 and events[0].data["to_step"] == 4
    assert guard.monitor.lr_scale == 0.5
    scheduler = trainer.lr_scheduler
    assert getattr(scheduler, "scheduler", scheduler).base_lrs[0] == pytest.approx(5e-4)
    assert trainer.state.global_step == 12
    assert math.isfinite(trainer.state.log_history[-2]["loss"])


def test_observe_in_the_trainer_lets_the_nan_in(tmp_path):
    trainer, guard, _ = _train(tmp_path, "observe", {POISON_STEP})
    assert any(not torch.isfinite(p).all() for p in trainer.model.parameters())
    assert guard.report.extra["live"]["skipped"] == 0


@pytest.mark.parametrize("max_grad_norm", [1.0, 0.0])
def test_the_guard_takes_the_norm_the_trainer_computed_and_computes_none_itself(tmp_path, monkeypatch, max_grad_norm):
    """The Trainer computes every step's gradient norm (clipping with it or not): the guard records that norm (the one
    in the Trainer's own log) and runs no norm of its own, except on the steps it samples per-layer norms."""
    import sys
    from pathlib import Path

    import trainmedic

    package = str(Path(trainmedic.__file__).parent)
    own: list = []
    real = torch._foreach_norm

    def counted(tensors, *a, **kw):
        if package in sys._getframe(1).f_code.co_filename:  # a norm the guard computes itself
            own.append(len(tensors))
        return real(tensors, *a, **kw)

    monkeypatch.setattr(torch, "_foreach_norm", counted)
    model, data, args = _tiny_bert(tmp_path, max_steps=24, max_grad_norm=max_grad_norm)
    guard = TrainMedicCallback("skip", layer_norms_every=0)
    trainer = transformers.Trainer(model=model, args=args, train_dataset=data, callbacks=[guard])
    trainer.train()
    logged = {h["step"]: h["grad_norm"] for h in trainer.state.log_history if "grad_norm" in h}
    recorded = guard.monitor.run().series["train/grad_norm"]
    assert len(logged) == 24 and own == []
    for step, norm in zip(recorded.step, recorded.values):
        assert math.isclose(norm, logged[int(step)], rel_tol=1e-6), step
    clip = [o for o in guard.monitor.run().observations if o.kind == "clipping"]
    assert clip and clip[-1].clipped == (max_grad_norm > 0)  # a norm computed without clipping is no clipping
