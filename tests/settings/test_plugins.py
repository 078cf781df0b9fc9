"""A team's own rule, registered from its own package through the `trainmedic.plugins` entry point: listed by
`trainmedic rules`, explained, run by `diagnose`, selectable like a built-in rule."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
import zipfile
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from trainmedic import registry
from trainmedic.cli import main

PLUGIN = '''
from dataclasses import dataclass

from trainmedic.i18n import add_messages
from trainmedic.rules import Params, param, rule
from trainmedic.rules.curves import evidence, make_finding, train_loss

add_messages("en", {"rule.XY100.message": "{series} went above the ceiling at {where}."})


@dataclass(frozen=True)
class Ceiling(Params):
    ceiling: float = param(10.0, "losses of our models never exceed this")


@rule("XY100", "loss-ceiling", symptom="divergence", severity="error", params=Ceiling)
def loss_ceiling(run, p):
    """Train loss above {ceiling}.

    What it does:
        Flags the first train loss above {ceiling}.
    Why it matters:
        Our models never go there unless the data loader is broken.
    Example:
        loss 12.5 at step 3.
    Fix:
        Check the loader.
    """
    loss = train_loss(run, None)
    if loss is None:
        return []
    over = [i for i, v in enumerate(loss.values) if v > p.ceiling]
    if not over:
        return []
    return [make_finding("XY100", loss, over[0], ev=[evidence(loss, over[0])], params={})]


from trainmedic.causes import provider
from trainmedic.findings import Diagnosis, Fix


@provider("myteam")
def loader_cause(ctx):
    if not any(f.code == "XY100" for f in ctx.findings):
        return []
    return [Diagnosis(cause="bad_input_data", confidence=0.9, title="Our loader broke", explanation="as always",
                      findings=["XY100"], fixes=[Fix(action="rebuild the shards", why="they are corrupt")])]
'''


METADATA = "Metadata-Version: 2.1\nName: myteam-rules\nVersion: 1.0\n"
ENTRY_POINTS = "[console_scripts]\nmyteam = myteam_rules:main\n\n[trainmedic.plugins]\nmyteam = myteam_rules\n"
# The ways an installed package keeps its metadata, all read by importlib.metadata: a wheel's .dist-info folder, a
# setuptools .egg-info folder, an egg on sys.path, a zip archive on sys.path.
LAYOUTS = ("dist-info", "egg-info", "egg", "zip")


def install(site: Path, layout: str) -> str:
    """The plugin package and its metadata under ``site``; the entry to put on sys.path."""
    files = {"myteam_rules/__init__.py": textwrap.dedent(PLUGIN)}
    if layout == "egg-info":
        files |= {"myteam_rules.egg-info/PKG-INFO": METADATA, "myteam_rules.egg-info/entry_points.txt": ENTRY_POINTS}
    elif layout == "egg":
        files |= {"EGG-INFO/PKG-INFO": METADATA, "EGG-INFO/entry_points.txt": ENTRY_POINTS}
        site = site / "myteam_rules-1.0-py3.egg"
    else:
        files |= {
            "myteam_rules-1.0.dist-info/METADATA": METADATA,
            "myteam_rules-1.0.dist-info/entry_points.txt": ENTRY_POINTS,
        }
    if layout == "zip":
        site.mkdir(parents=True)
        with zipfile.ZipFile(site / "myteam_rules.zip", "w") as zf:
            for name, text in files.items():
                zf.writestr(name, text)
        return str(site / "myteam_rules.zip")
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    return str(site)


@pytest.fixture(params=LAYOUTS)
def plugin(request, tmp_path: Path, monkeypatch):
    monkeypatch.syspath_prepend(install(tmp_path / "site", request.param))
    importlib.invalidate_caches()
    registry.reset_plugins()
    yield
    from trainmedic.i18n import remove_messages
    from trainmedic.rules import REGISTRY

    REGISTRY.remove("XY100")
    from trainmedic.causes import REGISTRY as CAUSES

    CAUSES.remove("myteam")
    remove_messages(["rule.XY100.message"])
    sys.modules.pop("myteam_rules", None)
    registry.reset_plugins()


def test_plugin_rule_is_listed_explained_and_run(plugin, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    csv = tmp_path / "m.csv"
    csv.write_text("step,loss\n1,2.0\n2,3.0\n3,12.5\n4,2.0\n")
    assert main(["rules"]) == 0
    assert "XY100" in capsys.readouterr().out
    assert main(["explain", "XY100"]) == 0
    assert "Flags the first train loss above 10." in capsys.readouterr().out
    assert main(["diagnose", str(csv), "--format", "json"]) == 1
    rep = json.loads(capsys.readouterr().out)
    found = [f for f in rep["findings"] if f["code"] == "XY100"]
    assert found and found[0]["at"] == {"step": 3} and found[0]["severity"] == "error"
    assert rep["diagnoses"][0]["title"] == "Our loader broke"  # the plugin's cause provider ranks it
    assert main(["diagnose", str(csv), "--format", "json", "--ignore", "XY"]) == 0
    assert not [f for f in json.loads(capsys.readouterr().out)["findings"] if f["code"] == "XY100"]


def test_a_broken_plugin_does_not_break_diagnose(tmp_path, monkeypatch, capsys):
    site = tmp_path / "site"
    dist = site / "broken-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[trainmedic.plugins]\nbroken = no_such_module_here\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    registry.reset_plugins()
    try:
        registry.load_plugins()
        assert any("no_such_module_here" in e for e in registry.PLUGIN_ERRORS)
    finally:
        registry.reset_plugins()


@pytest.mark.skipif(bool(entry_points(group=registry.ENTRY_POINT_GROUP)), reason="a plugin is installed here")
def test_distributions_that_declare_no_plugin_are_not_parsed(tmp_path):
    """importlib.metadata parses every installed distribution: with none declaring the group it is not imported."""
    dist = tmp_path / "other-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: other\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[console_scripts]\nother = other:main\n")
    probe = (
        "import sys\nsys.path.insert(0, sys.argv[1])\nfrom trainmedic.cli import main\n"
        "main(['explain', 'TM101'])\nprint('importlib.metadata' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
