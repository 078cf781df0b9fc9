"""Checkpoints that are tiny and hostile (shared references, expanding keys) finish in bounded time and memory; a
triage that could read no checkpoint says so (verdict unknown, or exit 2) instead of calling the run healthy."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import zipfile
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
import samples  # noqa: E402
from budget import assert_clean, run_bounded  # noqa: E402

from trainmedic.cli import main  # noqa: E402


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(list(argv))
    return rc, out.getvalue(), err.getvalue()


def test_checkpoint_whose_lists_share_references_is_triaged_within_budget(tmp_path):
    shared: list = [torch.zeros(2)]
    for _ in range(40):
        shared = [shared, shared]
    torch.save({"state_dict": {"w": torch.ones(3, 3)}, "callbacks": shared, "epoch": 2}, tmp_path / "model.ep2")
    assert (tmp_path / "model.ep2").stat().st_size < 4000
    out = run_bounded(_cli, "checkpoints", str(tmp_path), "--format", "json", seconds=30, megabytes=300)
    assert_clean(out, "shared references")
    rc, stdout, _ = out.value
    report = json.loads(stdout)
    assert rc == 0 and report["verdict"] == "healthy"
    assert report["checkpoints"]["last_healthy"].endswith("model.ep2")


def test_checkpoint_keyed_by_shared_tuples_is_unreadable_not_a_hang(tmp_path):
    good = tmp_path / "model.ep1"
    torch.save({"w": torch.ones(3)}, good)
    bad = tmp_path / "model.ep2"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = samples.shared_tuple_key() if info.filename.endswith("data.pkl") else src.read(info)
            dst.writestr(info.filename.replace("model.ep1", "model.ep2"), data)
    out = run_bounded(_cli, "checkpoints", str(tmp_path), "--format", "json", seconds=30, megabytes=300)
    assert_clean(out, "expanding key")
    rc, stdout, _ = out.value
    report = json.loads(stdout)
    assert any("model.ep2" in p for p in report["checkpoints"]["unreadable"])
    assert any("too" in n.lower() or "key of more than" in n for n in report.get("notes", []))


def _hf_checkpoint(folder: Path, *, with_state: bool) -> Path:
    from safetensors.torch import save_file

    ck = folder / "checkpoint-10"
    ck.mkdir(parents=True)
    save_file({"w": torch.ones(4)}, str(ck / "model.safetensors"))
    if with_state:
        samples.trainer_state(ck, steps=10)
    return folder


def _hide_safetensors(monkeypatch):
    for name in [m for m in sys.modules if m == "safetensors" or m.startswith("safetensors.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "safetensors", None)  # `import safetensors` now fails as if not installed


def test_no_readable_checkpoint_with_metrics_is_verdict_unknown_naming_the_extra(tmp_path, monkeypatch):
    folder = _hf_checkpoint(tmp_path / "out", with_state=True)
    _hide_safetensors(monkeypatch)
    rc, stdout, stderr = _cli("checkpoints", str(folder), "--format", "json")
    report = json.loads(stdout)
    assert rc == 2
    assert report["verdict"] == "unknown"
    assert "pip install 'trainmedic[hf]'" in report["conclusion"]
    assert "safetensors is not installed" in stderr and stderr.count("\n") == 1


def test_no_readable_checkpoint_and_nothing_else_is_exit_2_with_one_line(tmp_path, monkeypatch):
    folder = _hf_checkpoint(tmp_path / "out", with_state=False)
    _hide_safetensors(monkeypatch)
    rc, stdout, stderr = _cli("checkpoints", str(folder))
    assert rc == 2 and stdout == ""
    assert stderr.count("\n") == 1 and "no checkpoint could be read" in stderr
    assert "pip install 'trainmedic[hf]'" in stderr


def test_unknown_verdict_reads_in_every_format(tmp_path, monkeypatch):
    folder = _hf_checkpoint(tmp_path / "out", with_state=True)
    _hide_safetensors(monkeypatch)
    for fmt, word in (("md", "unknown"), ("text", "UNKNOWN")):
        rc, stdout, _ = _cli("checkpoints", str(folder), "--format", fmt, "--lang", "en")
        assert rc == 2 and word in stdout
