"""Real runs from public threads and repositories, with labels from those threads: the diagnosis must reach the floor
the project holds itself to. Skipped when the corpus is not beside this checkout (``../shared/realworld``)."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "realworld"
sys.path.insert(0, str(ROOT))


@pytest.mark.skipif(not CORPUS.exists(), reason="no real-run corpus at ../shared/realworld beside this checkout")
def test_real_runs_meet_the_floor():
    from bench.corpus import score

    res = score(CORPUS)
    wrong = [f"{r['case']}: truth {r['truth']}, found {r['found']}" for r in res["rows"] if not r["correct"]]
    assert res["unreadable"] == 0, wrong
    assert res["symptom_accuracy"] >= 0.90, wrong
    assert res["healthy_false_alarms"] <= 1, wrong
    assert res["onset_within_one_interval"] >= 0.8 * res["onset_timed"]
    assert res["confirmed_causes_top3"] >= 0.8 * res["confirmed_causes"]
