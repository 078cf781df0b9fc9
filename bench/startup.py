"""``python -m bench startup``: the light commands' start-up against ``python -c pass``, and what each imports.

Each command runs in a fresh process, alternating with ``python -c pass`` so that both see the same machine load;
the figures are medians of CPU time (user + system). A shared or slow machine moves the floor, so the target is
judged above it: the issue's 80 ms (``--help``, ``rules``, ``explain``) and 250 ms (``diagnose`` of a small CSV)
were set where ``python -c pass`` took 15 ms, hence 65 ms and 235 ms above the floor.

Two ways the interpreter finds trainmedic's code are measured:

* ``cached``: bytecode compiled once and reused, as after ``pip install`` (a private ``PYTHONPYCACHEPREFIX`` under
  ``bench/results/tmp/``, warmed by one run of each command; the checkout is not written);
* ``inherited``: the environment the bench runs in; with ``PYTHONDONTWRITEBYTECODE=1`` and no ``__pycache__`` in
  ``src/``, every start compiles trainmedic's modules from source.

Results go to ``bench/results/startup.json`` and ``startup.md``; ``python -m bench speed`` measures the same rows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from . import speed_inputs as inputs
from .speed import RESULTS, ROOT, TINY_STEPS, _env, input_path, machine, paired

# Command -> the issue's target (CPU time, ms, at a 15 ms `python -c pass`).
TARGET_MS = {"--help": 80, "rules": 80, "explain TM101": 80, "diagnose small.csv": 250}
ISSUE_FLOOR_MS = 15
FLOOR = [sys.executable, "-c", "pass"]
# Modules a light command should import only when it needs them (a name or a package prefix).
HEAVY = (
    "numpy",
    "rich.console",
    "rich.table",
    "yaml",
    "torch",
    "ftfy",
    "charset_normalizer",
    "tensorboard",
    "matplotlib",
    "jinja2",
    "transformers",
    "pandas",
    "importlib.metadata",
)
PYCACHE = RESULTS / "tmp" / "pycache"


def mode_env(mode: str) -> dict:
    """The environment of one way of finding the code (see the module docstring)."""
    env = _env()
    if mode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def inherited_label() -> str:
    """What ``inherited`` means on this machine."""
    if os.environ.get("PYTHONDONTWRITEBYTECODE") and not any((ROOT / "src" / "trainmedic").rglob("__pycache__")):
        return "compiled from source at every start (PYTHONDONTWRITEBYTECODE=1)"
    return "as this environment runs it"


def commands() -> dict:
    """Label -> command line."""
    small = input_path("metrics.csv", inputs.write_metrics_csv, TINY_STEPS)
    return {
        label: [sys.executable, "-m", "trainmedic", *(str(small) if a == "small.csv" else a for a in label.split())]
        for label in TARGET_MS
    }


def heavy_imports(cmd: list, env: dict) -> list:
    """The heavy modules ``cmd`` imports (``python -X importtime``)."""
    p = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True, text=True, env=env, cwd=str(ROOT))
    names = {line.rsplit("|", 1)[-1].strip() for line in p.stderr.splitlines() if line.startswith("import time:")}
    return [h for h in HEAVY if any(n == h or n.startswith(h + ".") for n in names)]


def measure(repeat: int, modes: tuple = ("cached", "inherited")) -> list:
    """One row per command and mode: medians of the command and of ``python -c pass`` run alternately."""
    rows = []
    for mode in modes:
        env = mode_env(mode)
        for label, cmd in commands().items():
            if mode == "cached":
                subprocess.run(cmd, env=env, cwd=str(ROOT), capture_output=True)  # compile once
                subprocess.run(FLOOR, env=env, cwd=str(ROOT), capture_output=True)
            tm, fl = paired(cmd, FLOOR, repeat, env=env)
            rows.append(
                {
                    "command": f"trainmedic {label}",
                    "mode": mode,
                    "trainmedic": tm,
                    "floor_run": fl,
                    "target_ms": TARGET_MS[label],
                    "heavy": heavy_imports(cmd, env),
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def table(rows: list) -> list:
    """The rows as Markdown."""
    out = [
        "| command | bytecode | CPU time | `python -c pass` | above it | target above it | heavy modules imported |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        tm, fl = r["trainmedic"], r["floor_run"]
        if "error" in tm:
            out.append(f"| `{r['command']}` | {r.get('mode', '')} | error: {tm['error'][:80]} | | | | |")
            continue
        above = 1000 * (tm["cpu"] - fl["cpu"])
        target = r["target_ms"] - ISSUE_FLOOR_MS
        out.append(
            f"| `{r['command']}` | {r.get('mode', 'inherited')} | {1000 * tm['cpu']:.0f} ms | {1000 * fl['cpu']:.0f} ms "
            f"| {above:.0f} ms | ≤ {target} ms {'(met)' if above <= target else '(**missed**)'} | "
            f"{', '.join(r['heavy']) or 'none'} |"
        )
    return out


def markdown(res: dict) -> str:
    """The results page."""
    return "\n".join(
        [
            "# Start-up: the light commands against `python -c pass`",
            "",
            f"Machine: {res['machine']}; measured {res['measured_at']}, {res['repeat']} runs of each command "
            "(medians of CPU time, each command alternating with `python -c pass`, each a fresh process).",
            "",
            "Targets: the issue's 80 ms and 250 ms at a 15 ms `python -c pass`, judged above the floor measured here. "
            f"Bytecode *cached*: compiled once, as after `pip install`; *inherited*: {res['inherited']}.",
            "",
            *table(res["startup"]),
            "",
        ]
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench startup", description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="runs of each command (default 7)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    res = {
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M"),
        "repeat": args.repeat,
        "inherited": inherited_label(),
        "startup": measure(args.repeat),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "startup.json").write_text(json.dumps(res, indent=1) + "\n")
    text = markdown(res)
    (args.out / "startup.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
