"""Classic bugs under the Hugging Face Trainer (a custom model returning a dict, a class-weighted `compute_loss`
override), and their correct twins (see faults.py)."""

from __future__ import annotations

import pytest
from faults import (
    BATCH,
    EPOCHS,
    N_TRAIN,
    SCALE,
    SCALED_BATCH,
    SCENARIOS,
    Announcements,
    Net,
    check,
    data_for,
    weighted_loss,
)

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from trainmedic.causes.framework import framework_of, render_fix  # noqa: E402
from trainmedic.integrations.hf import TrainMedicCallback  # noqa: E402


class DictNet(torch.nn.Module):
    """A custom model: keyword inputs, a dict out (no ModelOutput), a loss only when labels are given."""

    def __init__(self, never_zeroed: bool = False) -> None:
        super().__init__()
        self.net = Net()
        self.never_zeroed = never_zeroed
        self.scale = 1.0

    def forward(self, x, labels=None):
        logits = self.net(x * self.scale)
        out = {"logits": logits}
        if labels is not None:
            out["loss"] = torch.nn.functional.cross_entropy(logits, labels)
        return out

    def zero_grad(self, set_to_none: bool = True) -> None:
        if not self.never_zeroed:  # the bug: an override that forgets to zero
            super().zero_grad(set_to_none)


class WeightedTrainer(transformers.Trainer):
    """The common pattern: `compute_loss` overridden for a class-weighted loss (the model itself sees no labels)."""

    detached = False

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        out = model(**inputs)
        logits = out["logits"].detach().requires_grad_() if self.detached else out["logits"]
        loss = weighted_loss(logits, labels)
        return (loss, out) if return_outputs else loss


class ScaleOneBatch(transformers.TrainerCallback):
    def __init__(self, model) -> None:
        self.model = model

    def on_step_begin(self, args, state, control, **kw):
        self.model.scale = SCALE if state.global_step == SCALED_BATCH else 1.0


def accuracy(eval_pred):
    logits, labels = eval_pred
    return {"accuracy": float((logits.argmax(-1) == labels).mean())}


def run_hf(scenario: str, tmp_path):
    torch.manual_seed(0)
    x, y, ex, ey = data_for(scenario)
    model = DictNet(never_zeroed=scenario == "no_zero_grad")
    train = [{"x": x[i], "labels": int(y[i])} for i in range(len(x))]
    evals = [{"x": ex[i], "labels": int(ey[i])} for i in range(len(ex))]
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path),
        max_steps=EPOCHS * N_TRAIN // BATCH,
        per_device_train_batch_size=BATCH,
        per_device_eval_batch_size=len(evals),
        learning_rate=5e-3,
        lr_scheduler_type="constant",
        weight_decay=0.0,
        max_grad_norm=0.0 if scenario == "no_clipping" else 1.0,
        logging_steps=1,
        eval_strategy="steps",
        eval_steps=4,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
        seed=0,
        remove_unused_columns=False,
    )
    guard = TrainMedicCallback("skip")
    extra = [ScaleOneBatch(model)] if scenario in ("clipping", "no_clipping") else []
    trainer = WeightedTrainer(
        model=model,
        args=args,
        train_dataset=train,
        eval_dataset=evals,
        compute_metrics=accuracy,
        callbacks=[*extra, guard],
    )
    trainer.detached = scenario == "detached"
    trainer.train()
    evals_logged = [e for e in trainer.state.log_history if "eval_accuracy" in e]
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    return guard, evals_logged[-1]["eval_accuracy"], losses[-1]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_hf_trainer(scenario, tmp_path, caplog):
    said = Announcements(caplog)
    guard, acc, last = run_hf(scenario, tmp_path)
    assert guard.monitor.framework == "hf"
    check(scenario, guard.report, guard.monitor, said, eval_acc=acc, final_loss=last)
    assert any(" steps, " in x and "Full report" in x for x in said.lines)  # the end-of-run summary


def test_hf_no_clipping_twin_is_told_to_set_max_grad_norm(tmp_path, caplog):
    guard, _, _ = run_hf("no_clipping", tmp_path)
    clip = next(d for d in guard.report.diagnoses if d.cause == "no_grad_clipping")
    fix = next(f for f in clip.fixes if f.param == "max_grad_norm")
    assert render_fix(fix, framework_of(guard.monitor.run())).code == "TrainingArguments(max_grad_norm=1.0)"


def test_hf_callback_state_is_plain_data_that_resumes_the_guard(tmp_path):
    """What the Trainer stores in trainer_state.json rebuilds a callback whose guard goes on where it stopped."""
    import json

    guard, _, _ = run_hf("nan_rows", tmp_path / "first")
    stored = json.loads(json.dumps(guard.state()))  # the Trainer writes it as JSON
    again = TrainMedicCallback(**stored["args"])
    for name, value in stored["attributes"].items():  # as Trainer._load_callback_state does
        setattr(again, name, value)
    torch.manual_seed(0)
    model = DictNet()
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "second"),
        max_steps=2,
        per_device_train_batch_size=BATCH,
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
        save_strategy="no",
        remove_unused_columns=False,
    )
    x, y, _, _ = data_for("healthy")
    WeightedTrainer(
        model=model, args=args, train_dataset=[{"x": x[i], "labels": int(y[i])} for i in range(32)], callbacks=[again]
    ).train()
    assert again.monitor.step_count == guard.monitor.step_count + 2
    assert again.monitor.guard.skipped == guard.monitor.guard.skipped > 0
