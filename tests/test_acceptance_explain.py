"""The facts each seed report had to explain (expected.json `must_explain`) appear in the Markdown report.

The sentences are for people; the facts behind them (counts, steps, values, checkpoint names) are checked here, in
the format the report writes numbers.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ACCEPTANCE = Path(__file__).resolve().parents[2] / "shared" / "acceptance"
pytestmark = pytest.mark.skipif(not ACCEPTANCE.is_dir(), reason=f"no acceptance cases at {ACCEPTANCE}")

FACTS = {
    "seed000_lstm_bf16_nan": [
        "1400 steps",
        "3 more evaluation",
        "patience 3",
        "checkpoint-2000",
        "checkpoint-2500",
        "checkpoint-3500",
    ],
    "seed001_frozen_stuck": ["260,356", "168,441,604", "0.15%", "model.classifier.parameters()"],
    "seed002_batch_lr_mismatch": ["15000", "7.5e-05", "64", "192", "summed", "rag_bert.model.ep1"],
    "seed003_rnn_oscillation": ["nn.RNN", "0.001", "cnn2"],
    "seed004_nan_degenerate_val": ["0.4974", "0.7663", "2.193", "all-reduce"],
}


@pytest.mark.parametrize("case", sorted(FACTS))
def test_report_states_what_the_seed_report_had_to_explain(case):
    expected = json.loads((ACCEPTANCE / case / "expected.json").read_text())
    paths = [str(ACCEPTANCE / case / p) for p in expected["inputs"]]
    md = subprocess.run(
        [sys.executable, "-m", "trainmedic", "diagnose", *paths, "--format", "md"],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    missing = [fact for fact in FACTS[case] if fact not in md]
    assert not missing, f"{case}: the report does not state {missing}"
