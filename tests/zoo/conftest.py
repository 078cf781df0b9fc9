"""The zoo's artifacts, trained once per test session and shared by every test that reads them."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def zoo_dir(tmp_path_factory) -> Path:
    """Every scenario's first-seed artifacts: generated fresh, or ``TRAINMEDIC_ZOO_DIR`` when set."""
    for module in ("torch", "transformers", "lightning", "tensorboard"):
        pytest.importorskip(module)
    from zoo.make import scenario_names

    given = os.environ.get("TRAINMEDIC_ZOO_DIR")
    if given:
        out = Path(given)
        missing = [n for n in scenario_names() if not (out / n / "truth.json").exists()]
        assert not missing, f"{out} lacks artifacts for {missing}; run python -m zoo.make --out {out}"
        return out
    from zoo.make import generate

    out = tmp_path_factory.mktemp("zoo")
    t0 = time.perf_counter()
    rows = generate(scenario_names(), out, all_seeds=False)
    print(f"generated {len(rows)} scenarios in {time.perf_counter() - t0:.0f}s", file=sys.__stdout__)
    bad = [r for r in rows if r["status"] != "ok"]
    assert not bad, bad
    return out
