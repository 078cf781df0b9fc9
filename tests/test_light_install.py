"""``pip install -e .`` alone: every feature whose optional dependency is missing says so in one line, names the
extra that installs it, and exits 2; what needs none works. Each missing package is hidden from a fresh
interpreter by an import hook, as if it were not installed."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "healthy_lightning"
HIDE = """
import importlib.abc, sys
HIDDEN = set(sys.argv[1].split(","))
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Hide())
for name in list(sys.modules):
    if name.split(".")[0] in HIDDEN:
        del sys.modules[name]
from trainmedic.cli import main
raise SystemExit(main(sys.argv[2:]))
"""
HEAVY = "torch,transformers,accelerate,lightning,pytorch_lightning,tensorboard,safetensors,matplotlib,jinja2,markupsafe"


def run(hidden: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", HIDE, hidden, *map(str, args)], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def one_line_naming(p: subprocess.CompletedProcess, extra: str) -> None:
    assert p.returncode == 2, (p.returncode, p.stderr[-2000:])
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    assert f"pip install 'trainmedic[{extra}]'" in lines[0], lines[0]


def safetensors_file(path: Path) -> None:
    """A valid safetensors file written by hand (8-byte header length, JSON header, data)."""
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header + struct.pack("<2f", 1.0, 2.0))


@pytest.mark.parametrize("hidden", ["jinja2", "markupsafe", "matplotlib"])
def test_html_report_names_the_html_extra(hidden, tmp_path):
    one_line_naming(run(hidden, "diagnose", EXAMPLE, "--format", "html", "--out", tmp_path / "r.html"), "html")
    assert not (tmp_path / "r.html").exists()


def test_checkpoints_in_safetensors_name_the_hf_extra(tmp_path):
    (tmp_path / "checkpoint-10").mkdir()
    safetensors_file(tmp_path / "checkpoint-10" / "model.safetensors")
    one_line_naming(run("safetensors", "checkpoints", tmp_path), "hf")


def test_torch_checkpoints_name_the_torch_extra(tmp_path):
    (tmp_path / "model.pt").write_bytes(b"PK\x03\x04 not read without torch")
    one_line_naming(run("torch", "checkpoints", tmp_path), "torch")


def test_tensorboard_logs_name_the_tensorboard_extra(tmp_path):
    (tmp_path / "events.out.tfevents.1700000000.host").write_bytes(b"\x00" * 32)
    p = run("tensorboard", "diagnose", tmp_path / "events.out.tfevents.1700000000.host")
    if "trainmedic[tensorboard]" not in p.stderr and p.returncode != 2:
        pytest.skip("event files are read without the tensorboard package in this build")
    one_line_naming(p, "tensorboard")


def test_binary_wandb_runs_name_the_wandb_extra(tmp_path):
    (tmp_path / "run-abc.wandb").write_bytes(b":W&B" + b"\x00" * 64)
    one_line_naming(run("wandb", "diagnose", tmp_path / "run-abc.wandb"), "wandb")


@pytest.mark.parametrize("fmt", ["text", "md", "json"])
def test_reading_a_metrics_file_needs_no_heavy_dependency(fmt):
    p = run(HEAVY, "diagnose", EXAMPLE, "--format", fmt)
    assert p.returncode in (0, 1) and p.stdout and not p.stderr, p.stderr[-2000:]


def test_a_newline_in_a_file_name_cannot_split_the_one_line_error(tmp_path):
    bad = tmp_path / "evil\nALL CHECKS PASSED\x1b[2J.log"
    bad.write_text("nothing a training log would say\n", encoding="utf-8")
    p = run("", "diagnose", bad)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "\x1b" not in p.stderr and "evil\\nALL CHECKS PASSED\\x1b[2J.log" in p.stderr
