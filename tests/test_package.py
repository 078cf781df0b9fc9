"""The package imports fast and the CLI answers bad input with one line and exit code 2."""

import subprocess
import sys


def run_cli(*args, **kw):
    return subprocess.run(
        [sys.executable, "-m", "trainmedic", *args], capture_output=True, text=True, timeout=120, **kw
    )


def test_import_does_not_pull_heavy_dependencies():
    code = "import sys, trainmedic; print(','.join(m for m in ('torch','transformers','lightning','tensorboard','matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_missing_path_is_one_line_and_exit_2(tmp_path):
    p = run_cli("diagnose", str(tmp_path / "nope.log"))
    assert p.returncode == 2
    assert "nope.log" in p.stderr
    assert "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_rules_in_chinese_lists_rules_and_checks():
    p = run_cli("rules", "--lang", "zh")
    assert p.returncode == 0
    assert "严重程度" in p.stdout and "TM101" in p.stdout and "TM1002" in p.stdout
