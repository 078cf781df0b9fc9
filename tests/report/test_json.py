"""JSON: strict (no NaN literals) and shaped as CONTRACT.md says."""

from __future__ import annotations

import json


def strict_loads(text: str):
    def refuse(name):
        raise ValueError(f"non-strict JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def test_json_is_strict_and_follows_the_contract(failed):
    data = strict_loads(failed.to_json())
    assert data["schema"] == "trainmedic.report/1"
    assert data["verdict"] == "failed"
    assert data["conclusion"].startswith("Most likely LSTM over 4096 tokens")
    run = data["runs"][0]
    assert run["format"] == "hf-trainer" and run["points"] == 119 and run["config"]["lr"] == 2e-05
    f = {x["code"]: x for x in data["findings"]}["TM101"]
    assert f["severity"] == "error" and f["symptom"] == "nonfinite" and f["series_label"] == "Train Loss"
    assert f["at"] == {"step": 2100, "epoch": 0.67} and f["until"] == {"step": 3500, "epoch": 1.12}
    assert {"series": "train/loss", "step": 2100, "epoch": 0.67, "value": "nan"} in f["evidence"]
    d = data["diagnoses"][0]
    assert d["cause"] == "recurrent_long_sequence" and d["confidence"] == 0.85 and d["findings"] == ["TM101", "TM108"]
    assert d["fixes"][0] == {"param": "max_grad_norm", "from": 0.0, "to": 1.0,
                             "why": "clipping bounds the step the optimizer takes"}
    assert d["fixes"][1]["action"].startswith("run the LSTM in float32")
    assert data["checkpoints"]["last_healthy"] == "output/checkpoint-2000"


def test_healthy_json(healthy):
    data = strict_loads(healthy.to_json())
    assert data["verdict"] == "healthy" and data["findings"] == [] and data["diagnoses"] == []


def test_chinese_json_keeps_machine_names(failed):
    data = strict_loads(failed.to_json("zh"))
    assert data["verdict"] == "failed"  # machine-readable values are never translated
    assert data["findings"][0]["code"].startswith("TM")
    assert "置信度" in data["conclusion"]
