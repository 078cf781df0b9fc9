"""The message catalogs: the same keys in English and Chinese, every rule documented in both languages with the same
threshold placeholders, and every key the code uses present."""

import importlib
import pkgutil
import string

import pytest

import trainmedic.i18n.en as en_pkg
from trainmedic.i18n import catalog
from trainmedic.rules import DOC_SECTIONS, all_rules

MODULES = sorted(m.name for m in pkgutil.iter_modules(en_pkg.__path__))
DOC_PARTS = ("summary", *DOC_SECTIONS)


def _rule_doc_keys() -> set:
    return {f"rule.{r.code}.{part}" for r in all_rules() for part in DOC_PARTS}


def _placeholders(text: str) -> set:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("module", MODULES)
def test_en_and_zh_have_the_same_keys(module):
    en = importlib.import_module(f"trainmedic.i18n.en.{module}").MESSAGES
    zh = importlib.import_module(f"trainmedic.i18n.zh.{module}").MESSAGES
    # The English documentation of a rule is its docstring; Chinese has it in the catalog.
    assert sorted(set(en) - set(zh)) == [] and sorted(set(zh) - set(en) - _rule_doc_keys()) == []


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_every_rule_is_documented_in_both_languages_with_the_same_placeholders(rule):
    zh = catalog("zh")
    params = set(rule.params.as_dict())
    assert rule.doc.summary, f"{rule.code}: docstring has no summary line"
    for part in DOC_PARTS:
        en_text = rule.doc.summary if part == "summary" else getattr(rule.doc, part)
        assert en_text, f"{rule.code}: docstring lacks its '{part}' section"
        zh_text = zh.get(f"rule.{rule.code}.{part}")
        assert zh_text, f"{rule.code}: no Chinese text for {part}"
        assert _placeholders(en_text) <= params, f"{rule.code}.{part}: unknown threshold in the docstring"
        assert _placeholders(zh_text) == _placeholders(en_text), f"{rule.code}.{part}: placeholders differ"


def test_messages_of_rules_exist_in_both_languages():
    en, zh = catalog("en"), catalog("zh")
    for r in all_rules():
        assert any(k.startswith(f"rule.{r.code}.message") for k in en) or r.code == "TM151", r.code
    assert set(k for k in en if k.startswith("rule.")) <= set(zh)
