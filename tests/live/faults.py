"""Classic training bugs and their correct twins, for every integration: the data, the faults, and what a user must
see. Each integration's test trains a real tiny model on this task (4 classes, the class is the argmax of the first
four of 16 features) in a few dozen steps.

Scenarios: ``healthy`` (class-weighted loss, evaluations; the twin of every fault), ``clipping`` (the loop clips;
one batch of inputs 300x too large), ``no_clipping`` (the same without clipping), ``nan_rows`` (one batch holds a
NaN feature), ``detached`` (the loss is cut from the model), ``shuffled`` (training labels shuffled, evaluation
labels true), ``no_zero_grad`` (gradients never zeroed).
"""

from __future__ import annotations

import logging
import math
import re

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

K, D, N_TRAIN, N_EVAL, BATCH = 4, 16, 64, 128, 16
EPOCHS = 16  # 4 batches an epoch: 64 optimizer steps
NAN_EXAMPLES = (21,)  # one row of the second batch: a quarter of the steps see it
SCALED_BATCH = 30  # optimizer step (0-based) whose inputs are SCALE times too large (a gradient burst)
SCALE = 300
WEIGHTS = torch.tensor([1.0, 2.0, 1.0, 0.5])  # a class-weighted loss, the common pattern
SCENARIOS = ("healthy", "clipping", "no_clipping", "nan_rows", "detached", "shuffled", "no_zero_grad")


def task(seed: int = 0) -> tuple:
    """(train x, train y, eval x, eval y): a learnable task, the same for every run."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(N_TRAIN + N_EVAL, D, generator=g)
    y = x[:, :K].argmax(dim=1)
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


def data_for(scenario: str, seed: int = 0) -> tuple:
    """The scenario's training set (a fault in the data is planted here) and the true evaluation set."""
    x, y, ex, ey = task(seed)
    x, y = x.clone(), y.clone()
    if scenario == "nan_rows":
        x[list(NAN_EXAMPLES), 3] = float("nan")
    if scenario == "shuffled":  # labels that do not belong to their inputs (shuffled apart from them)
        y = torch.randint(0, K, (N_TRAIN,), generator=torch.Generator().manual_seed(seed + 1))
    return x, y, ex, ey


class Net(nn.Module):
    """A small MLP that can memorise 64 examples (so shuffled labels still drive the train loss down)."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(D, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.head = nn.Linear(64, K)

    def forward(self, x):
        return self.head(self.body(x))


def weighted_loss(logits, y):
    return nn.functional.cross_entropy(logits, y, weight=WEIGHTS.to(logits.device))


def accuracy(logits, y) -> float:
    return float((logits.argmax(dim=1) == y).float().mean())


class Announcements:
    """What the ``trainmedic`` logger said during training (integrations also display it)."""

    def __init__(self, caplog) -> None:
        caplog.set_level(logging.INFO, logger="trainmedic")
        self.caplog = caplog

    @property
    def lines(self) -> list:
        return [r.getMessage() for r in self.caplog.records if r.name == "trainmedic"]

    def during(self) -> list:
        """Announcements before the end-of-run summary."""
        return [x for x in self.lines if " steps, " not in x]

    def steps_of(self, text: str) -> list:
        return [int(m.group(1)) for x in self.during() if text in x for m in [re.search(r"step (\d+)", x)] if m]


def causes(report) -> list:
    return [d.cause for d in report.diagnoses]


def serious(report) -> set:
    return {f.code for f in report.findings if f.serious}


def check(scenario: str, report, monitor, said: Announcements, *, eval_acc: float, final_loss: float) -> None:
    """What a user must see for each scenario, whatever the integration."""
    top = causes(report)
    guard = monitor.guard
    if scenario == "healthy":
        assert guard.skipped == 0 and guard.rollbacks == 0 and not monitor.run().events_of("stop")
        assert report.verdict == "healthy", [f.message.render() for f in report.findings if f.serious]
        assert said.during() == [], said.during()
        assert eval_acc >= 0.7
    elif scenario == "clipping":
        assert "no_grad_clipping" not in top, top
        clip = [o for o in monitor.run().observations if o.kind == "clipping"]
        assert clip and clip[-1].clipped
    elif scenario == "no_clipping":
        clip = [o for o in monitor.run().observations if o.kind == "clipping"]
        assert clip and not clip[-1].clipped and clip[-1].how == "none_seen"
    elif scenario == "nan_rows":
        assert top and top[0] == "bad_input_data", top
        assert "lr_too_high" not in top
        assert guard.skipped >= len(NAN_EXAMPLES) and guard.rollbacks == 0
        assert all(torch.isfinite(p).all() for p in monitor.model.parameters())
        assert eval_acc >= 0.7  # skipping saved the run
        assert said.steps_of("batch itself holds NaN")  # said when it happened
    elif scenario == "detached":
        assert top and top[0] == "no_gradient_flow", top
        assert "frozen_backbone" not in top and "TM805" in serious(report)
        assert said.steps_of("exactly 0")
    elif scenario == "shuffled":
        assert top and top[0] == "labels_misaligned", top
        assert "TM306" in serious(report) and eval_acc < 0.45
    elif scenario == "no_zero_grad":
        assert top and top[0] == "missing_zero_grad", top
        steps = said.steps_of("zero_grad")
        assert steps and steps[0] < monitor.step_count  # reported during training, not only in the report
    assert math.isfinite(final_loss) or scenario in ("no_zero_grad",)
