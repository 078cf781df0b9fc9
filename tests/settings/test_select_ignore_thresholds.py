"""Which rules run and with which thresholds: --select / --ignore, [tool.trainmedic] in pyproject.toml or
trainmedic.toml, and the Python API's select/ignore."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import trainmedic
from trainmedic.cli import main
from trainmedic.settings import Settings

# A loss that falls and spikes 4x its local level twice: a warning-free run has no TM402; one spike of 4x with the
# default ratio 3 is an info finding, and the count and size decide the severity.
SPIKY = "step,train_loss\n" + "\n".join(
    f"{i},{(4.0 if i in (40, 80, 120) else 1.0) * (2.0 - i / 200):.4f}" for i in range(1, 161)
)


@pytest.fixture
def spiky(tmp_path: Path) -> Path:
    p = tmp_path / "metrics.csv"
    p.write_text(SPIKY)
    return p


def _codes(capsys) -> list:
    return [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]]


def test_spikes_are_found_by_default(spiky, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert main(["diagnose", str(spiky), "--format", "json"]) in (0, 1)
    assert "TM402" in _codes(capsys)


def test_ignore_and_select_on_the_command_line(spiky, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    main(["diagnose", str(spiky), "--format", "json", "--ignore", "TM402"])
    assert "TM402" not in _codes(capsys)
    main(["diagnose", str(spiky), "--format", "json", "--select", "TM1,TM2"])
    assert all(c.startswith(("TM1", "TM2")) for c in _codes(capsys))
    main(["diagnose", str(spiky), "--format", "json", "--select", "TM4"])
    codes = _codes(capsys)
    assert set(codes) <= {"TM401", "TM402"} and "TM402" in codes


def test_pyproject_threshold_override_changes_the_finding(spiky, capsys, monkeypatch, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.trainmedic.rules.loss-spike]\nspike_ratio = 5.0\n'
    )
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")  # found from a subdirectory, as ruff finds its settings
    main(["diagnose", str(spiky), "--format", "json"])
    assert "TM402" not in _codes(capsys)  # 4x spikes are below a ratio of 5


def test_trainmedic_toml_ignore_and_explicit_config(spiky, capsys, monkeypatch, tmp_path):
    (tmp_path / "trainmedic.toml").write_text('ignore = ["TM402"]\n')
    monkeypatch.chdir(tmp_path)
    main(["diagnose", str(spiky), "--format", "json"])
    assert "TM402" not in _codes(capsys)
    other = tmp_path / "strict.toml"
    other.write_text("[rules.TM402]\nspike_ratio = 2.0\n")
    main(["diagnose", str(spiky), "--format", "json", "--config", str(other)])
    assert "TM402" in _codes(capsys)


@pytest.mark.parametrize(
    "text,word",
    [
        ("[rules.TM999]\nratio = 2.0\n", "TM999"),
        ("[rules.TM402]\nnot_a_threshold = 2.0\n", "not_a_threshold"),
        ('[rules.TM402]\nspike_ratio = "high"\n', "spike_ratio"),
        ('select = ["ZZ"]\n', "ZZ"),
        ('colour = "red"\n', "colour"),
        ("ratio = [\n", "TOML"),
    ],
)
def test_bad_settings_are_one_line_and_exit_2(spiky, capsys, monkeypatch, tmp_path, text, word):
    (tmp_path / "trainmedic.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main(["diagnose", str(spiky)]) == 2
    err = capsys.readouterr().err
    assert word in err and err.count("\n") == 1 and "Traceback" not in err


def test_python_api_select_ignore_and_settings(spiky, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert any(f.code == "TM402" for f in trainmedic.diagnose(spiky).findings)
    assert not any(f.code == "TM402" for f in trainmedic.diagnose(spiky, ignore=["TM402"]).findings)
    strict = Settings.from_mapping({"rules": {"TM402": {"spike_ratio": 6.0}}})
    assert not any(f.code == "TM402" for f in trainmedic.diagnose(spiky, settings=strict).findings)


def test_explain_shows_the_thresholds_in_force_by_default():
    out = subprocess.run([sys.executable, "-m", "trainmedic", "explain", "TM402"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "spike_ratio = 3.0" in out.stdout and "a spike is 3x that level" in out.stdout
