"""The seed acceptance cases and the real-world runs, through the command line, as a user runs them.

The cases live in the `shared` directory beside the repository root; the tests are skipped when it is absent.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
ACCEPTANCE = SHARED / "acceptance"
REALWORLD = SHARED / "realworld"
CASES = sorted(p.name for p in ACCEPTANCE.glob("*/expected.json") for p in [p.parent]) if ACCEPTANCE.is_dir() else []

pytestmark = pytest.mark.skipif(not ACCEPTANCE.is_dir(), reason=f"no acceptance cases at {ACCEPTANCE}")


def diagnose(*paths):
    p = subprocess.run(
        [sys.executable, "-m", "trainmedic", "diagnose", *map(str, paths), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.stdout, p.stderr[-2000:]
    return p.returncode, json.loads(p.stdout)


def _hits(report, symptom, at=None, series=None):
    out = []
    for f in report["findings"]:
        if f["symptom"] != symptom or f["severity"] == "info":
            continue
        names = " ".join([f.get("series", ""), f.get("series_label", "")] + [e["series"] for e in f["evidence"]])
        if series and series.split("_")[0] not in names.replace("/", " ").replace("_", " ").split():
            continue
        if at and "step" in at and abs(f["at"].get("step", -1e9) - at["step"]) > max(100, 0.02 * at["step"]):
            continue
        if at and "step" not in at and "epoch" in at and abs(f["at"].get("epoch", -1e9) - at["epoch"]) > 0.51:
            continue
        out.append(f)
    return out


@pytest.mark.parametrize("case", CASES)
def test_acceptance_case(case):
    exp = json.loads((ACCEPTANCE / case / "expected.json").read_text())
    rc, rep = diagnose(*[ACCEPTANCE / case / p for p in exp["inputs"]])
    assert rep["schema"] == "trainmedic.report/1"
    for m in exp.get("must_find", []):
        assert _hits(rep, m["symptom"], m.get("at"), m.get("series")), f"missing {m}"
    for m in exp.get("must_not_find", []):
        assert not _hits(rep, m["symptom"], None, m.get("series")), f"false {m}"
    top = [d["cause"] for d in rep["diagnoses"][:3]]
    want = exp.get("causes_top3", [])
    assert want[0] in top and len(set(want) & set(top)) >= min(2, len(want)), top
    fixes = [fx for d in rep["diagnoses"] for fx in d["fixes"]]
    for fx in exp.get("fixes_must_include", []):
        if isinstance(fx, dict) and isinstance(fx.get("to"), (int, float)):
            got = [
                float(f["to"])
                for f in fixes
                if (f.get("param") or "").endswith(fx["param"]) and isinstance(f.get("to"), (int, float))
            ]
            assert any(math.isclose(g, fx["to"], rel_tol=0.35) for g in got), (fx, got)
    assert rc == (1 if rep["verdict"] == "failed" else 0)  # exit 1 on an error finding (default --fail-on)
    assert rep["verdict"] != "healthy"


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="no realworld runs")
def test_realworld_healthy_lora_run_is_healthy_and_exits_0():
    rc, rep = diagnose(next(REALWORLD.glob("029_*")))
    assert rep["verdict"] == "healthy", [(f["code"], f["severity"]) for f in rep["findings"]]
    assert rc == 0


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="no realworld runs")
def test_realworld_overfitting_found_near_epoch_2():
    rc, rep = diagnose(next(REALWORLD.glob("030_*")))
    over = [f for f in rep["findings"] if f["symptom"] == "overfitting"]
    assert over and abs(over[0]["at"]["epoch"] - 2) <= 0.51
    assert rep["diagnoses"][0]["cause"] == "overfitting_capacity"
    assert not [f for f in rep["findings"] if f["symptom"] in ("divergence", "oscillation", "metric_collapse")]
