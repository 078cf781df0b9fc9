"""Documentation generated from the registry must match the code: regenerate with
`trainmedic rules --format md > docs/rules.md`."""

from pathlib import Path

from trainmedic.rules.docs import markdown

ROOT = Path(__file__).resolve().parents[1]


def test_rules_page_is_not_stale():
    page = ROOT / "docs" / "rules.md"
    assert page.read_text(encoding="utf-8") == markdown("en"), (
        "docs/rules.md is stale: run `trainmedic rules --format md > docs/rules.md`"
    )


def test_rule_index_is_not_stale():
    from trainmedic.rules import documented, index

    assert documented.RULES == index.records(), (
        "src/trainmedic/rules/documented.py is stale: run `python -m trainmedic.rules.index --write`"
    )
