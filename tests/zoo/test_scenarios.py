"""Zoo scenarios produce the behaviour they claim, judged from the artifacts the frameworks wrote.

The default run trains four fast scenarios into tmp dirs; ``TRAINMEDIC_FULL_ZOO=1`` runs every scenario (the bench
does that anyway). Nothing here asks trainmedic: these tests check the test bed itself.
"""

from __future__ import annotations

import csv
import importlib
import json
import math
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("lightning")


def _run(name: str, tmp_path: Path) -> tuple:
    mod = importlib.import_module(f"zoo.scenarios.{name}")
    out = tmp_path / name
    truth = mod.run(out, mod.SEEDS[0])
    assert json.loads((out / "truth.json").read_text()) is not None
    return out, truth


def _trainer_state(out: Path) -> list:
    return json.loads((out / "output" / "trainer_state.json").read_text())["log_history"]


def _csv_column(path: Path, name: str) -> list:
    with open(path, newline="") as fh:
        return [(float(r["step"]), float(r[name])) for r in csv.DictReader(fh) if r.get(name) not in ("", None)]


def test_hf_nan_lr_trainer_state_shows_the_nan_at_the_truth_step(tmp_path):
    out, truth = _run("hf_nan_lr", tmp_path)
    step = truth["first_bad"]["step"]
    history = _trainer_state(out)
    before = [e for e in history if e["step"] < step and "loss" in e]
    assert before and all(math.isfinite(e["loss"]) and math.isfinite(e["grad_norm"]) for e in before)
    at = [e for e in history if e["step"] == step]
    assert any(not math.isfinite(e.get("grad_norm", 0.0)) or not math.isfinite(e.get("loss", e.get("eval_loss", 0)))
               for e in at)
    # after the failure the Trainer's NaN filter logs 0.0 with a NaN grad_norm
    after = [e for e in history if e["step"] > step and "loss" in e]
    assert after and all(e["loss"] == 0.0 and math.isnan(e["grad_norm"]) for e in after)
    ckpts = sorted(int(p.name.split("-")[1]) for p in (out / "output").glob("checkpoint-*"))
    assert truth["last_healthy_checkpoint"] == f"output/checkpoint-{max(s for s in ckpts if s < step)}"
    assert (out / "launch.sh").read_text().count("--learning_rate 20.0") == 1


def test_hf_frozen_backbone_loss_stays_within_5_percent_of_ln_k(tmp_path):
    out, truth = _run("hf_frozen_backbone", tmp_path)
    losses = [e["loss"] for e in _trainer_state(out) if "loss" in e]
    assert len(losses) >= 20
    assert all(abs(v - math.log(4)) / math.log(4) < 0.05 for v in losses)
    accs = [e["eval_accuracy"] for e in _trainer_state(out) if "eval_accuracy" in e]
    assert all(0.15 < a < 0.4 for a in accs)
    assert truth["measured"]["trainable_params"] < 0.01 * truth["measured"]["total_params"]


def test_lightning_batch_x3_eval_loss_rises_while_baseline_does_not(tmp_path):
    out, truth = _run("lightning_batch_x3", tmp_path)
    big = [v for _, v in _csv_column(next((out / "batch48").rglob("metrics.csv")), "val_loss")]
    base = [v for _, v in _csv_column(next((out / "baseline").rglob("metrics.csv")), "val_loss")]
    assert base[-1] <= min(base) * 1.5, base                      # baseline: no rise
    assert (not math.isfinite(big[-1])) or big[-1] > 1.5 * min(big), big   # batch 48: rises after its minimum
    assert truth["first_bad"] is not None
    hparams = next((out / "batch48").rglob("hparams.yaml")).read_text()
    assert "loss_reduction: sum" in hparams and "batch_size: 48" in hparams


def test_lightning_nan_inputs_metrics_csv_turns_nan_at_the_truth_step(tmp_path):
    out, truth = _run("lightning_nan_inputs", tmp_path)
    rows = _csv_column(next(out.rglob("metrics.csv")), "train_loss")
    step = truth["first_bad"]["step"]
    assert all(math.isfinite(v) for s, v in rows if s < step)
    assert all(math.isnan(v) for s, v in rows if s >= step)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("TRAINMEDIC_FULL_ZOO") != "1", reason="full zoo: set TRAINMEDIC_FULL_ZOO=1")
def test_every_scenario_runs_and_writes_truth(tmp_path):
    from zoo.make import generate, scenario_names

    rows = generate(scenario_names(), tmp_path, all_seeds=False)
    assert all(r["status"] == "ok" for r in rows), [r for r in rows if r["status"] != "ok"]
    for r in rows:
        truth = json.loads((Path(r["dir"]) / "truth.json").read_text())
        assert truth["healthy"] or truth["cause"]
