"""Every Python and shell snippet in README.md and docs/ runs, as a newcomer would run it from the repository root.

Python blocks run in a fresh interpreter; shell blocks run line by line (`trainmedic ...` commands for real, `pip
install` lines checked against the extras the package declares, the test command left to CI). A block that imports
torch, transformers, lightning or accelerate is skipped when that package is not installed. Blocks fenced as
``text``, ``json`` or ``yaml`` are output or excerpts, not run. Everything runs in a scratch folder where
``examples/`` is the bundled one, so nothing is written into the repository.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.M | re.S)
RUN_LANGS = {"python": "python", "bash": "shell", "sh": "shell", "shell": "shell", "console": "shell"}
HEAVY = ("torch", "transformers", "lightning", "accelerate")


def snippets() -> list:
    out = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            lang = RUN_LANGS.get(m.group(1))
            if lang:
                line = text[: m.start()].count("\n") + 1
                out.append(pytest.param(lang, m.group(2), id=f"{doc.relative_to(ROOT).as_posix()}:{line}"))
    return out


@pytest.fixture
def scratch(tmp_path):
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    return tmp_path


def _needs(code: str) -> list:
    return [m for m in HEAVY if re.search(rf"^\s*(import|from)\s+{m}\b|\b{m}\.", code, re.M)]


def _extras() -> set:
    try:
        import tomllib
    except ImportError:  # Python 3.9/3.10
        import tomli as tomllib
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(meta["project"]["optional-dependencies"])


def _shell(line: str, cwd: Path) -> None:
    words = shlex.split(line, comments=True)
    if not words:
        return
    if words[:2] == ["pip", "install"]:
        for spec in words[2:]:
            m = re.search(r"\[([^\]]+)\]", spec)
            if m:
                assert set(m.group(1).split(",")) <= _extras(), f"unknown extra in {spec}"
        return
    if words[:3] == ["python", "-m", "pytest"] or words[:3] == ["python", "-m", "ruff"]:
        return  # the test suite and the linter are what CI runs around these tests
    if words[0] == "trainmedic":
        words = [sys.executable, "-m", "trainmedic", *words[1:]]
    elif words[0] == "python":
        words = [sys.executable, *words[1:]]
    redirect = None
    if ">" in words:
        i = words.index(">")
        redirect, words = cwd / words[i + 1], words[:i]
    p = subprocess.run(words, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert p.returncode in (0, 1), f"{line}\nexit {p.returncode}\n{p.stderr[-3000:]}"
    assert "Traceback" not in p.stderr, p.stderr[-3000:]
    if redirect is not None:
        redirect.write_text(p.stdout, encoding="utf-8")


@pytest.mark.parametrize("lang, code", snippets())
def test_snippet_runs(lang, code, scratch):
    missing = [m for m in _needs(code) if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    if lang == "python":
        p = subprocess.run([sys.executable, "-c", code], cwd=scratch, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr[-3000:]
        return
    (scratch / "docs").mkdir(exist_ok=True)
    for line in code.replace("\\\n", " ").splitlines():
        for part in line.split("&&"):
            _shell(part.strip(), scratch)
