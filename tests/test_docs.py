"""README and docs/: short README, every page in place and linked, no dead link, nothing a user does not have; the
bundled examples carry no path of the machine that generated them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = ("reading-runs", "rules", "diagnosis", "reports", "checks", "benchmarks", "architecture")
# Pages other work writes; README links them from the start.
DRAFTED_ELSEWHERE = ("live", "security")
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")


def test_readme_is_short():
    assert README.stat().st_size < 15_000, f"README.md is {README.stat().st_size} bytes"


def test_every_page_exists_and_the_readme_links_it():
    text = README.read_text(encoding="utf-8")
    for page in PAGES:
        assert (ROOT / "docs" / f"{page}.md").is_file(), page
    for page in PAGES + DRAFTED_ELSEWHERE:
        assert f"(docs/{page}.md)" in text, page


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_resolve(doc):
    text = doc.read_text(encoding="utf-8")
    for target, _ in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # an external address
        path = (doc.parent / target).resolve()
        if path.stem in DRAFTED_ELSEWHERE and path.parent == ROOT / "docs":
            continue
        assert path.exists(), f"{doc.name}: dead link {target}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_docs_speak_of_what_users_have(doc):
    text = doc.read_text(encoding="utf-8")
    for pattern in (r"CONTRACT\.md", r"\.\./shared", r"\bshared/", r"\bseed ?0\d\d\b", r"/work/", r"acceptance/"):
        assert not re.search(pattern, text), f"{doc.name} mentions {pattern}"


def test_examples_hold_no_absolute_path_of_the_generating_machine():
    for f in sorted((ROOT / "examples").rglob("*")):
        if f.is_file():
            data = f.read_bytes()
            for marker in (b"/work/", b"/home/", b"/root/", b"/tmp/", b"C:\\Users", b"/Users/"):
                assert marker not in data, f"{f.relative_to(ROOT)} holds {marker!r}"


def test_the_readme_shows_what_the_first_command_prints():
    """The sample under "Try it" is the head of the bundled example's report at 80 columns, as it is today."""
    import os

    from trainmedic import diagnose

    text = README.read_text(encoding="utf-8")
    sample = re.search(r"```text\n(─.*?)```", text, re.S).group(1)
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)  # the README's command is run from the project root
        printed = diagnose("examples/hf_nan_lr").to_text(width=80)
    finally:
        os.chdir(cwd)
    assert printed.startswith(sample), (
        "README's sample output is stale: paste the head of `COLUMNS=80 trainmedic diagnose examples/hf_nan_lr`"
    )
