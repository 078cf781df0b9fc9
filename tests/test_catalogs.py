"""Every message catalog module has the same keys in English and Chinese."""

import importlib
import pkgutil

import pytest

import trainmedic.i18n.en as en_pkg

MODULES = sorted(m.name for m in pkgutil.iter_modules(en_pkg.__path__))


@pytest.mark.parametrize("module", MODULES)
def test_en_and_zh_have_the_same_keys(module):
    en = importlib.import_module(f"trainmedic.i18n.en.{module}").MESSAGES
    zh = importlib.import_module(f"trainmedic.i18n.zh.{module}").MESSAGES
    assert sorted(set(en) - set(zh)) == [] and sorted(set(zh) - set(en)) == []


def test_rule_and_cause_keys_used_in_code_exist():
    from trainmedic.i18n import catalog
    from trainmedic.rules import all_rules

    cat = catalog("en")
    for r in all_rules():
        if r.code.startswith("TM15"):
            continue  # live guard rules keep their own catalog
        for part in ("summary", "what", "why", "example", "fix"):
            key = r.summary if part == "summary" else f"{r.explanation}.{part}"
            assert key in cat, key
