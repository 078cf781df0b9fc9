"""Every finding code that preflight, checkpoints and compare emit is documented, and `trainmedic explain` shows it."""

import re
from pathlib import Path

import pytest

import trainmedic
from trainmedic.cli import main
from trainmedic.i18n import LANGS, catalog
from trainmedic.rules.checks import all_checks, get_check

SRC = Path(trainmedic.__file__).resolve().parent
EMITTERS = sorted((SRC / "preflight").glob("*.py")) + [SRC / "compare" / "__init__.py"]
# Finding(code="TM1002", rule="optimizer-misses-params", symptom="stuck_at_chance", ...
FINDING = re.compile(r'code="(TM1\d{3})",\s*rule="([a-z0-9-]+)"')


def emitted() -> dict:
    """code -> rule name, scanned from the source of the modules that emit check findings."""
    from trainmedic.checkpoints.build import REASONS

    found = {}
    for path in EMITTERS:
        for code, name in FINDING.findall(path.read_text(encoding="utf-8")):
            found[code] = name
    for code, name, _symptom in REASONS.values():
        found[code] = name
    return found


def test_the_scan_sees_every_emitting_module():
    codes = emitted()
    assert {"TM1000", "TM1002", "TM1030", "TM1101", "TM1104", "TM1201", "TM1202"} <= set(codes)


@pytest.mark.parametrize("code,name", sorted(emitted().items()))
def test_every_emitted_check_is_registered_under_its_name(code, name):
    check = get_check(code)
    assert check is not None, f"{code} ({name}) is emitted but has no entry in trainmedic.rules.checks"
    assert check.name == name


def test_no_registered_check_is_stale():
    assert sorted(c.code for c in all_checks()) == sorted(emitted())


@pytest.mark.parametrize("lang", LANGS)
def test_every_check_has_catalog_text(lang):
    cat = catalog(lang)
    for c in all_checks():
        for part in ("summary", "what", "why", "fix"):
            key = c.summary if part == "summary" else f"{c.explanation}.{part}"
            assert cat.get(key), f"{lang}: {key}"


@pytest.mark.parametrize("code,lang", [("TM1002", "en"), ("TM1002", "zh"), ("TM1101", "en"), ("tm1101", "zh")])
def test_explain_a_check(code, lang, capsys):
    assert main(["explain", code, "--lang", lang]) == 0
    out = capsys.readouterr().out
    c = get_check(code)
    assert out.startswith(f"{c.code} {c.name}")
    assert catalog(lang)[f"check.{c.code}.fix"] in out


def test_explain_unknown_code_exits_2(capsys):
    assert main(["explain", "TM1999"]) == 2
    assert "TM1999" in capsys.readouterr().err


def test_rules_lists_run_rules_then_checks(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    heading = catalog("en")["checks.docs.title"]
    assert heading in out
    assert out.index("TM101") < out.index(heading) < out.index("TM1002")
    for c in all_checks():
        assert c.code in out.split(heading, 1)[1]


@pytest.mark.parametrize("lang", LANGS)
def test_rule_and_check_tables_fit_80_columns(lang):
    import unicodedata

    from trainmedic.rules.docs import list_checks, list_rules

    for line in (list_rules(lang) + list_checks(lang)).splitlines():
        cols = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        assert cols <= 80, line
