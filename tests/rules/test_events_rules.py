"""Rules over events rather than curves: what the live guard did (TM150), where the first NaN came from (TM151), a
crash (TM950), and clipping that rescales every step (TM803)."""

import numpy as np
import pytest
from seeds_synthetic import run_of

from trainmedic.rules import check_all
from trainmedic.run import Event, Series


def _codes(run, code):
    return [f for f in check_all(run) if f.code == code]


def _loss(n=20):
    steps = np.arange(1, n + 1, dtype=float)
    return Series.build("train/loss", np.linspace(1.0, 0.5, n), step=steps)


@pytest.mark.rule("TM150")
def test_guard_actions_are_reported_with_the_skipped_batches():
    events = [
        Event("skip", step=5, data={"batch": 4, "reason": "nonfinite", "loss": float("nan")}),
        Event("skip", step=9, data={"batch": 8, "reason": "nonfinite", "loss": float("nan")}),
    ]
    f = _codes(run_of(_loss(), events=events), "TM150")
    assert len(f) == 1 and f[0].severity == "warning" and f[0].at.step == 5 and f[0].until.step == 9
    assert f[0].facts.skipped_batches == (4, 8) and not f[0].facts.stopped
    stopped = _codes(run_of(_loss(), events=[*events, Event("stop", step=10, data={"reason": "nonfinite"})]), "TM150")
    assert stopped[0].severity == "error" and stopped[0].facts.stopped


@pytest.mark.rule("TM151")
def test_provenance_names_the_module():
    ev = Event(
        "provenance",
        step=7,
        data={
            "phase": "forward",
            "module": "lstm",
            "dtype": "torch.bfloat16",
            "kind": "nonfinite",
            "input_finite": True,
            "loss": float("nan"),
        },
    )
    f = _codes(run_of(_loss(), events=[ev]), "TM151")
    assert len(f) == 1 and f[0].at.step == 7 and f[0].facts.module == "lstm"
    assert "lstm" in f[0].message.render()


@pytest.mark.rule("TM950")
def test_crash_is_an_error_at_the_step_after_the_last_logged():
    ev = Event(
        "error",
        step=21,
        message="IndexError: Target 4 is out of bounds.",
        data={"exception": "IndexError"},
        source="train.log",
    )
    f = _codes(run_of(_loss(), events=[ev]), "TM950")
    assert len(f) == 1 and f[0].severity == "error" and f[0].at.step == 21
    assert f[0].facts.exception == "IndexError" and "Target 4" in f[0].message.render()


@pytest.mark.rule("TM803")
def test_clipping_active_at_every_step_is_reported_with_its_share():
    steps = np.arange(1, 41, dtype=float)
    grad = Series.build("train/grad_norm", np.full(40, 14.0) + np.sin(steps), step=steps)
    f = _codes(run_of(_loss(40), grad, config={"max_grad_norm": 1.0}), "TM803")
    assert len(f) == 1 and f[0].severity == "warning" and f[0].facts.share == 1.0
    assert not _codes(run_of(_loss(40), grad, config={"max_grad_norm": 100.0}), "TM803")
