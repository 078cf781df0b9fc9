"""Shared test machinery: strict messages, the ``rule`` marker and the switch that silences marked rules for the meta-test.

``@pytest.mark.rule("TM301")`` says: this test fails when rule TM301 finds nothing. ``tests/test_rules_are_tested.py``
runs every marked test with its rules replaced by ``return []`` and requires each to fail, and requires every
registered rule to have such a test.
"""

from __future__ import annotations

import dataclasses
import os

import pytest

# Messages are strict in every test (and in the CLI subprocesses tests start): an unknown key, a placeholder left
# without a value or a malformed template fails the test instead of reaching a report.
os.environ["TRAINMEDIC_STRICT_MESSAGES"] = "1"

from trainmedic.i18n import set_strict  # noqa: E402

set_strict(True)

SILENCE = "TRAINMEDIC_SILENCE_MARKED_RULES"  # path of a log file: set by the meta-test only


def pytest_configure(config):
    config.addinivalue_line("markers", "rule(*codes): the test fails when these rules find nothing")


@pytest.fixture(autouse=True)
def _silence_marked_rules(request, monkeypatch):
    log = os.environ.get(SILENCE)
    if not log:
        return
    from trainmedic.rules import REGISTRY

    codes = [c for m in request.node.iter_markers("rule") for c in m.args]
    for code in codes:
        r = REGISTRY.get(code)
        assert r is not None, f"marker names no rule: {code}"
        monkeypatch.setitem(REGISTRY._items, code, dataclasses.replace(r, check=lambda *a, **k: []))
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"{request.node.nodeid}\t{','.join(codes)}\n")
