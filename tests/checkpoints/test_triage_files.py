"""Checkpoint triage on files written by torch.save and safetensors: NaN weights, norm jumps, unsafe pickles."""

from __future__ import annotations

import json
import os

import pytest

torch = pytest.importorskip("torch")

from trainmedic.checkpoints import refine, triage, triage_paths  # noqa: E402
from trainmedic.cli import main as cli_main  # noqa: E402
from trainmedic.errors import InputError  # noqa: E402


def tiny_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))


def write_series(folder, n, *, nan_at=None, jump_at=None, fmt="torch"):
    """Save n checkpoints of a model that drifts a little each epoch; plant NaN or a 100x update where asked."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    m = tiny_model()
    for ep in range(1, n + 1):
        with torch.no_grad():
            for p in m.parameters():
                p.add_(0.01 * torch.randn_like(p))
            if ep == nan_at:
                m[2].weight[1, 3] = float("nan")
            if ep == jump_at:
                m[0].weight.mul_(30.0)
        if fmt == "safetensors":
            save_file(
                {k: v.contiguous() for k, v in m.state_dict().items()},
                str(folder / f"model_step{ep * 100}.safetensors"),
            )
        else:
            torch.save(m.state_dict(), folder / f"rag_bert.model.ep{ep}")
    return folder


def test_nan_in_suffixed_torch_files_names_last_healthy(tmp_path):
    d = write_series(tmp_path / "out", 5, nan_at=3)
    rep = triage(d)
    ck = rep.checkpoints
    assert ck["last_healthy"].endswith("rag_bert.model.ep2")
    assert [os.path.basename(b) for b in ck["broken"]] == [
        "rag_bert.model.ep3",
        "rag_bert.model.ep4",
        "rag_bert.model.ep5",
    ]
    assert "load_state_dict" in ck["resume"] and "rag_bert.model.ep2" in ck["resume"]
    f = next(f for f in rep.findings if f.code == "TM1101")
    assert f.symptom == "nonfinite" and f.severity == "error" and f.at.as_dict() == {"epoch": 3}
    rows = {os.path.basename(r[0]): r for r in rep.tables[0].rows}
    assert rows["rag_bert.model.ep3"][4] == 1  # one non-finite weight counted
    assert rep.verdict == "failed"


def test_norm_jump_in_safetensors_is_broken(tmp_path):
    d = write_series(tmp_path / "st", 5, jump_at=4, fmt="safetensors")
    rep = triage(d)
    assert rep.checkpoints["last_healthy"].endswith("model_step300.safetensors")
    assert any(f.code == "TM1102" and f.at.as_dict() == {"step": 400} for f in rep.findings)
    evidence = rep.checkpoints["evidence"]
    assert [os.path.basename(k) for k in evidence] == ["model_step400.safetensors", "model_step500.safetensors"]
    assert list(evidence.values())[0] == ["norm_jump"]


def test_healthy_series_is_quiet_and_exits_0(tmp_path, capsys):
    d = write_series(tmp_path / "ok", 4)
    rep = triage(d)
    assert rep.findings == () and rep.checkpoints["broken"] == []
    assert rep.checkpoints["last_healthy"].endswith("rag_bert.model.ep4")
    assert cli_main(["checkpoints", str(d), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "healthy"


class Payload:
    """Unpickling this runs `touch <path>`: what a malicious checkpoint would do."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_malicious_pickle_is_refused_without_running_it(tmp_path, capsys):
    d = write_series(tmp_path / "run", 2)
    marker = tmp_path / "PAYLOAD_RAN"
    torch.save({"state_dict": tiny_model().state_dict(), "extra": Payload(marker)}, d / "evil.pt")
    torch.save({"w": torch.zeros(2), "p": Payload(marker)}, d / "legacy_evil.pt", _use_new_zipfile_serialization=False)
    assert cli_main(["checkpoints", str(d), "--format", "json"]) == 0  # nothing broken, the unsafe files refused
    assert not marker.exists()
    out = json.loads(capsys.readouterr().out)
    assert {os.path.basename(u) for u in out["checkpoints"]["unreadable"]} == {"evil.pt", "legacy_evil.pt"}
    assert sum("not safely readable" in n for n in out["notes"]) == 2
    statuses = {os.path.basename(r[0]): r[-1] for r in out["tables"][0]["rows"]}
    assert statuses["evil.pt"] == "not safely readable"
    assert out["checkpoints"]["last_healthy"].endswith("rag_bert.model.ep2")


class HParams:
    def __init__(self):
        self.hidden = 16


def test_lightning_ckpt_with_object_hyperparameters_is_not_safely_readable(tmp_path):
    torch.save(
        {
            "state_dict": tiny_model().state_dict(),
            "hyper_parameters": {"cfg": HParams()},
            "epoch": 0,
            "global_step": 10,
        },
        tmp_path / "epoch=0-step=10.ckpt",
    )
    # The only checkpoint is refused and there are no metrics: nothing could be judged, which is not "healthy".
    with pytest.raises(InputError, match="epoch=0-step=10.ckpt needs a full unpickler, which can execute code"):
        triage(tmp_path)
    (tmp_path / "metrics.csv").write_text("epoch,step,train_loss\n0,5,0.9\n0,10,0.8\n")
    rep = triage(tmp_path)
    assert rep.verdict == "unknown" and rep.checkpoints["last_healthy"] is None
    assert rep.checkpoints["unreadable"][0].endswith("epoch=0-step=10.ckpt")
    assert "not safely readable" in rep.to_json()


def test_triage_paths_and_refine_for_diagnose(tmp_path):
    d = write_series(tmp_path / "out", 4, nan_at=4)
    weights = triage_paths([tmp_path / "train.log", d])
    assert weights["last_healthy"].endswith("rag_bert.model.ep3")
    # The logs named ep3 healthy too: the weights agree, nothing changes but the added evidence.
    merged = refine({"last_healthy": "output/rag_bert.model.ep3", "broken": ["output/rag_bert.model.ep4"]}, weights)
    assert merged["last_healthy"] == "output/rag_bert.model.ep3" and len(merged["broken"]) == 1
    # The logs thought ep4 was healthy: its NaN weights overrule them.
    merged = refine({"last_healthy": "output/rag_bert.model.ep4", "broken": []}, weights)
    assert merged["last_healthy"].endswith("rag_bert.model.ep3") and "load_state_dict" in merged["resume"]
    assert refine(None, weights)["last_healthy"] == weights["last_healthy"]
    assert refine({"last_healthy": "x"}, None) == {"last_healthy": "x"}
    assert triage_paths([tmp_path / "nothing_here"]) is None
