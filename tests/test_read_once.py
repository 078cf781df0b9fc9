"""A diagnosis reads each artifact once and judges the run once, also when checkpoint weights are triaged beside
the logs (the triage takes the Run and the findings the diagnosis already has)."""

import json
from collections import Counter

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")


def _hf_output(root):
    from safetensors.torch import save_file

    history = []
    for step in range(10, 130, 10):
        loss = 1.0 / step * 10 if step < 80 else float("nan")
        history.append({"step": step, "epoch": step / 100, "loss": loss, "learning_rate": 1e-4})
    for step in (40, 80, 120):
        ck = root / f"checkpoint-{step}"
        ck.mkdir(parents=True)
        value = np.nan if step >= 80 else 1.0
        save_file({"w": torch.full((4,), value)}, str(ck / "model.safetensors"))
        (ck / "trainer_state.json").write_text(
            json.dumps({"global_step": step, "log_history": [h for h in history if h["step"] <= step]})
        )
    (root / "trainer_state.json").write_text(json.dumps({"global_step": 120, "log_history": history}))
    return root


def test_every_artifact_is_read_once_and_every_rule_runs_once(tmp_path, monkeypatch):
    import trainmedic
    from trainmedic import readers, rules

    root = _hf_output(tmp_path / "output")
    reads = Counter()
    for r in readers.readers():
        original = r.read

        def counting(path, original=original, name=r.name):
            reads[(name, str(path))] += 1
            return original(path)

        monkeypatch.setattr(r, "read", counting)
    checks = Counter()
    original_check_all = rules.check_all

    def counting_check_all(*args, **kwargs):
        checks["check_all"] += 1
        return original_check_all(*args, **kwargs)

    monkeypatch.setattr(rules, "check_all", counting_check_all)
    report = trainmedic.diagnose(root)
    assert reads and max(reads.values()) == 1, reads
    assert checks["check_all"] == 1
    ck = report.checkpoints
    assert ck["last_healthy"].endswith("checkpoint-40") and any(b.endswith("checkpoint-80") for b in ck["broken"])
