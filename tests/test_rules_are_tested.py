"""Every rule has a test that fails when the rule returns nothing.

The tests marked ``@pytest.mark.rule(CODE)`` are run once more in a subprocess with the rules they name replaced by
``return []``; each must fail, and every registered rule must be named by at least one of them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from trainmedic.rules import all_rules

ROOT = Path(__file__).resolve().parents[1]


def test_every_rule_has_a_test_that_fails_without_it(tmp_path):
    log, junit = tmp_path / "silenced.tsv", tmp_path / "junit.xml"
    env = {**os.environ, "TRAINMEDIC_SILENCE_MARKED_RULES": str(log)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "rule",
            f"--junitxml={junit}",
            str(ROOT / "tests"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert log.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    covered = {code for line in log.read_text().splitlines() for code in line.split("\t")[1].split(",") if code}
    missing = sorted(r.code for r in all_rules() if r.code not in covered)
    assert not missing, f"rules with no @pytest.mark.rule test: {missing}"
    survivors = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is None and case.find("error") is None and case.find("skipped") is None:
            survivors.append(f"{case.get('classname')}::{case.get('name')}")
    assert not survivors, f"these tests still pass with their rule returning nothing: {survivors}"
