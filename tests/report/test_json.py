"""JSON: strict (no NaN literals) and shaped as docs/reports.md describes."""

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
    assert data["conclusion"].startswith("Train Loss became NaN at step 2100")
    # What to do comes before how it was found, and the inputs last.
    keys = list(data)
    assert keys.index("conclusion") < keys.index("diagnoses") < keys.index("findings") < keys.index("runs")
    run = data["runs"][0]
    assert run["format"] == "hf-trainer" and run["points"] == 119 and run["config"]["lr"] == 2e-05
    f = {x["code"]: x for x in data["findings"]}["TM101"]
    assert f["severity"] == "error" and f["symptom"] == "nonfinite" and f["series_label"] == "Train Loss"
    assert f["at"] == {"step": 2100, "epoch": 0.67} and f["until"] == {"step": 3500, "epoch": 1.12}
    assert {"series": "train/loss", "step": 2100, "epoch": 0.67, "value": "nan"} in f["evidence"]
    d = data["diagnoses"][0]
    assert d["cause"] == "recurrent_long_sequence" and d["confidence"] == 0.85 and d["findings"] == ["TM101", "TM108"]
    assert d["fixes"][0] == {
        "param": "max_grad_norm",
        "from": 0.0,
        "to": 1.0,
        "why": "clipping bounds the step the optimizer takes",
    }
    assert d["fixes"][1]["action"].startswith("run the LSTM in float32")
    assert data["checkpoints"]["last_healthy"] == "output/checkpoint-2000"


def test_healthy_json(healthy):
    data = strict_loads(healthy.to_json())
    assert data["verdict"] == "healthy" and data["findings"] == [] and data["diagnoses"] == []


def test_chinese_json_keeps_machine_names(failed):
    data = strict_loads(failed.to_json("zh"))
    assert data["verdict"] == "failed"  # machine-readable values are never translated
    assert data["findings"][0]["code"].startswith("TM")
    assert data["diagnoses"][0]["explanation"].startswith("Backprop")  # plain strings are not translated
    tm101 = next(f for f in data["findings"] if f["code"] == "TM101")
    assert tm101["evidence"][0]["note"] == "last finite value"


def test_prescription_is_in_the_json_with_the_code_to_write():
    from trainmedic.findings import Change, Prescription
    from trainmedic.i18n import Msg
    from trainmedic.report.model import Report

    change = Change(
        why=(Msg("cause.fix.clip.why", {"to": 1.0}),),
        param="max_grad_norm",
        from_=0.0,
        to=1.0,
        code="torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)",
        place=Msg("framework.where.torch_clip"),
        set_at="train.py:12",
        causes=("no_grad_clipping",),
        first=True,
    )
    data = strict_loads(Report(prescription=Prescription(framework="torch", changes=(change,))).to_json())
    p = data["prescription"]
    assert p["framework"] == "torch" and p["dropped"] == []
    assert p["changes"] == [
        {
            "param": "max_grad_norm",
            "from": 0.0,
            "to": 1.0,
            "code": "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)",
            "where": "between loss.backward() and optimizer.step()",
            "set_at": "train.py:12",
            "why": [
                "bounds every update to a gradient norm of 1, a safe bound for fine-tuning that rarely slows training"
            ],
            "causes": ["no_grad_clipping"],
            "first": True,
        }
    ]
