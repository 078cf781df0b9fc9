"""The light commands import only what they use: `--help`, `rules` and `explain` no numpy (nor yaml, torch), a
diagnosis of a metrics file as JSON no rich, torch, ftfy, checkpoint code or console-log parser. Each command runs in a fresh interpreter;
what matters is which modules it loaded, not how long it took."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import io, json, sys, contextlib
from trainmedic.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:  # --help and --version end in argparse
        code = exc.code
names = {m.split(".")[0] for m in sys.modules} | {m for m in sys.modules if m.startswith("trainmedic.")}
print(json.dumps({"code": code, "modules": sorted(names)}))
"""


def _loaded(*args: str) -> tuple:
    out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    return res["code"], set(res["modules"])


@pytest.mark.parametrize(
    "args,allowed",
    [
        (("--help",), ()),
        (("rules",), ("rich",)),
        (("explain", "TM101"), ()),
        (("explain", "TM1001", "--lang", "zh"), ()),
    ],
)
def test_documentation_commands_import_no_numpy(args, allowed):
    code, modules = _loaded(*args)
    assert code == 0
    heavy = {"numpy", "rich", "yaml", "torch", "ftfy", "charset_normalizer"} - set(allowed)
    assert not heavy & modules, heavy & modules
    assert not any(
        m.startswith("trainmedic.rules.") and m.rsplit(".", 1)[1] in ("curves", "spikes", "learning") for m in modules
    )  # the rules' documentation comes from their index


def test_diagnosing_a_metrics_file_loads_no_renderer_model_code_or_repair(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,step,train_loss\n" + "".join(f"0,{s},{2 - s / 100}\n" for s in range(100)))
    code, modules = _loaded("diagnose", str(path), "--format", "json")
    assert code == 0 and "numpy" in modules
    assert (
        not {
            "rich",
            "torch",
            "ftfy",
            "charset_normalizer",
            "trainmedic.checkpoints",
            "trainmedic.readers.textlog_parser",
            "trainmedic.readers.textlog_patterns",
        }
        & modules
    )
