"""The light commands import only what they use: `--help`, `rules` and `explain` no numpy (nor yaml, torch, rich's
console), a diagnosis of a metrics file no torch, yaml, html renderer, checkpoint code or console-log parser. Each
command runs in a fresh interpreter; what matters is which modules it loaded, not how long it took (the timings are
`python -m bench startup`'s)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from trainmedic.registry import ENTRY_POINT_GROUP

PROBE = """
import io, json, sys, contextlib
from trainmedic.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:  # --help and --version end in argparse
        code = exc.code
text = sys.modules.get("trainmedic.report.text")
cjk = text._cjk_token.cache_info().currsize if text else 0  # the CJK word breaker compiled
print(json.dumps({"code": code, "modules": sorted(sys.modules), "out": out.getvalue(), "cjk": cjk}))
"""
# What no command here needs: the training frameworks, the html report, text repair.
NEVER = {"torch", "transformers", "lightning", "tensorboard", "jinja2", "matplotlib", "ftfy", "charset_normalizer"}
# importlib.metadata parses every installed distribution: only worth it when one declares a plugin.
NO_PLUGINS = not entry_points(group=ENTRY_POINT_GROUP)


def _run(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _loaded(*args: str) -> tuple:
    res = _run(*args)
    return res["code"], set(res["modules"])


def _packages(modules: set) -> set:
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize(
    "args",
    [("--help",), ("rules",), ("rules", "--lang", "zh"), ("explain", "TM101"), ("explain", "TM1001", "--lang", "zh")],
)
def test_documentation_commands_import_no_numpy_nor_rich_console(args):
    code, modules = _loaded(*args)
    assert code == 0
    heavy = {"numpy", "yaml"} | NEVER
    assert not heavy & _packages(modules), heavy & _packages(modules)
    assert not {"rich.console", "rich.table"} & modules  # `rules` lays its tables out with rich's cell widths only
    assert not any(
        m.startswith("trainmedic.rules.") and m.rsplit(".", 1)[1] in ("curves", "spikes", "learning") for m in modules
    )  # the rules' documentation comes from their index
    if NO_PLUGINS:
        assert "importlib.metadata" not in modules
    if args[0] == "explain":
        assert "trainmedic.i18n.zh" not in modules or "zh" in args  # only the catalog of the language in use


def test_diagnosing_a_metrics_file_loads_no_renderer_model_code_or_repair(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,step,train_loss\n" + "".join(f"0,{s},{2 - s / 100}\n" for s in range(100)))
    code, modules = _loaded("diagnose", str(path), "--format", "json")
    assert code == 0 and "numpy" in modules
    assert not ({"rich", "yaml"} | NEVER) & _packages(modules)
    assert (
        not {
            "trainmedic.checkpoints",
            "trainmedic.safe_pickle",
            "trainmedic.readers.textlog_parser",
            "trainmedic.readers.textlog_patterns",
            "trainmedic.readers.config_yaml",
            "trainmedic.report.html",
        }
        & modules
    )


def test_the_text_report_of_a_csv_loads_rich_but_no_yaml_pickle_reader_or_plugin_scan(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,step,train_loss,val_loss\n" + "".join(f"{s // 20},{s},{2 - s / 100},\n" for s in range(100)))
    res = _run("diagnose", str(path))
    code, modules = res["code"], set(res["modules"])
    assert code == 0 and {"numpy", "rich.console"} <= modules and "Conclusion:" in res["out"]
    assert res["cjk"] == 0  # an English report breaks its lines without the CJK character tables
    assert not ({"yaml"} | NEVER) & _packages(modules)
    assert not {"trainmedic.safe_pickle", "trainmedic.report.html", "trainmedic.i18n.zh"} & modules
    if NO_PLUGINS:
        assert "importlib.metadata" not in modules


def test_a_lightning_run_with_hparams_still_reads_its_yaml(tmp_path):
    (tmp_path / "metrics.csv").write_text(
        "epoch,step,train_loss\n" + "".join(f"0,{s},{2 - s / 100}\n" for s in range(50))
    )
    (tmp_path / "hparams.yaml").write_text("lr: 0.003\nbatch_size: 32\n")
    res = _run("diagnose", str(tmp_path), "--format", "json")
    assert res["code"] == 0 and "yaml" in res["modules"]
    metrics = next(r for r in json.loads(res["out"])["runs"] if r["path"].endswith("metrics.csv"))
    assert metrics["config"]["lr"] == 0.003 and metrics["config_sources"]["lr"].endswith("hparams.yaml:1")


def test_a_chinese_report_breaks_its_lines_between_cjk_characters(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,step,train_loss\n" + "".join(f"0,{s},{2 - s / 100}\n" for s in range(100)))
    res = _run("diagnose", str(path), "--lang", "zh")
    assert res["code"] == 0 and res["cjk"] == 1
