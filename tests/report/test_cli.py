"""The command line a CI job runs: formats, --out, --lang, --fail-on exit codes."""

from __future__ import annotations

import json

import pytest
from report_samples import failed_report, healthy_report

from trainmedic import cli, engine


@pytest.fixture
def diagnosed(monkeypatch):
    """``trainmedic diagnose`` returning a chosen report, so the CLI is tested apart from readers and rules."""
    holder = {"report": failed_report()}

    def fake(*paths, lang="en", **settings):
        holder["report"] = holder["report"].replace(lang=lang)
        return holder["report"]

    monkeypatch.setattr(engine, "diagnose", fake)
    return holder


def test_json_to_stdout_is_strict(diagnosed, capsys):
    code = cli.main(["diagnose", "run/", "--format", "json"])
    out = capsys.readouterr().out

    def refuse(name):
        raise ValueError(name)

    data = json.loads(out, parse_constant=refuse)
    assert code == 1 and data["verdict"] == "failed"


def test_out_writes_the_file_and_nothing_to_stdout(diagnosed, capsys, tmp_path):
    target = tmp_path / "report.md"
    assert cli.main(["diagnose", "run/", "--format", "md", "--out", str(target)]) == 1
    assert capsys.readouterr().out == ""
    assert target.read_text(encoding="utf-8").startswith("**FAILED** · trainmedic · Training run diagnosis")


def test_text_out_file_is_plain(diagnosed, tmp_path):
    target = tmp_path / "report.txt"
    cli.main(["diagnose", "run/", "--out", str(target), "--lang", "zh"])
    text = target.read_text(encoding="utf-8")
    assert "\x1b[" not in text and "修复建议" in text


def test_fail_on_warning(diagnosed, capsys):
    diagnosed["report"] = failed_report()
    diagnosed["report"] = diagnosed["report"].replace(
        findings=[f for f in diagnosed["report"].findings if f.severity == "warning"]
    )
    assert cli.main(["diagnose", "run/", "--format", "json"]) == 0  # default: fail on error only
    assert cli.main(["diagnose", "run/", "--format", "json", "--fail-on", "warning"]) == 1
    diagnosed["report"] = healthy_report()
    assert cli.main(["diagnose", "run/", "--format", "json", "--fail-on", "warning"]) == 0
    capsys.readouterr()


def test_text_to_terminal_in_chinese(diagnosed, capsys):
    cli.main(["diagnose", "run/", "--lang", "zh"])
    out = capsys.readouterr().out
    assert "读取了什么" in out and "原因" in out and "检查点" in out


def test_html_out(diagnosed, tmp_path):
    target = tmp_path / "r.html"
    cli.main(["diagnose", "run/", "--format", "html", "--out", str(target)])
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html


def test_unwritable_out_is_one_line_exit_2(diagnosed, capsys, tmp_path):
    code = cli.main(["diagnose", "run/", "--format", "json", "--out", str(tmp_path / "no" / "dir" / "r.json")])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write the report" in err and len(err.strip().splitlines()) == 1


def test_end_to_end_from_a_console_log(tmp_path):
    """A real log through readers and rules: strict JSON, an HTML file, the exit code a CI job sees."""
    import subprocess
    import sys

    lines = [
        f"Epoch {ep}/6 | Train Loss: {0.9 / ep if ep < 4 else float('nan'):.4f} | Val Acc: {0.5 + ep / 20:.4f}"
        for ep in range(1, 7)
    ]
    log = tmp_path / "train.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page = tmp_path / "report.html"

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "trainmedic", "diagnose", str(log), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    p = run("--format", "json")
    assert p.returncode == 1, p.stderr

    def refuse(name):
        raise ValueError(name)

    data = json.loads(p.stdout, parse_constant=refuse)
    assert data["verdict"] == "failed" and data["runs"][0]["format"] == "text-log"
    first = next(f for f in data["findings"] if f["symptom"] == "nonfinite")
    assert first["at"]["epoch"] == 4
    p = run("--format", "html", "--out", str(page), "--lang", "zh")
    assert p.returncode == 1 and p.stdout == ""
    html = page.read_text(encoding="utf-8")
    assert '<html lang="zh">' in html and "<svg" in html and "证据" in html
