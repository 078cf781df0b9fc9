"""Every acceptance case's inputs load with the series its diagnosis needs."""

from __future__ import annotations

import json

import pytest
from shared_paths import ACCEPTANCE

from trainmedic.readers import load_run

# case -> series that must be present (normalised names), and the source formats that must have been read
EXPECTED = {
    "seed000_lstm_bf16_nan": ({"train/loss", "train/grad_norm", "train/lr", "eval/loss", "eval/f1"}, {"hf-trainer"}),
    "seed001_frozen_stuck": ({"train/loss"}, set()),
    "seed002_batch_lr_mismatch": (
        {"train/loss", "eval/loss", "eval/f1", "eval/precision", "eval/recall", "train/lr"},
        {"csv"},
    ),
    "seed003_rnn_oscillation": ({"cnn2/eval/acc", "rnn/eval/acc", "cnn2/train/loss", "rnn/train/loss"}, {"csv"}),
    "seed004_nan_degenerate_val": ({"train/loss", "eval/loss", "eval/acc"}, set()),
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_acceptance_inputs_load(case):
    folder = ACCEPTANCE / case
    if not (folder / "expected.json").is_file():
        pytest.skip(f"acceptance cases not found at {ACCEPTANCE}")
    inputs = json.loads((folder / "expected.json").read_text())["inputs"]
    run = load_run([folder / p for p in inputs])
    series, formats = EXPECTED[case]
    assert series <= set(run.series), sorted(run.series)
    assert formats <= {s.format for s in run.sources}
    for name in series:  # no source was doubled into another: positions are unique
        x = run.series[name].x
        assert len(set(x.tolist())) == len(x), name
