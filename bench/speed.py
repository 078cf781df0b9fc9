"""``python -m bench speed``: trainmedic against the floor of each input format, and its start-up.

Every figure is the median CPU time (user + system) of fresh processes, each trainmedic command alternating with
its floor on the same file, so that both pay the interpreter's start-up and both see the same machine load. The
floors are what merely parsing the file costs in Python:

* ``trainer_state.json``: ``json.load`` of the whole file;
* Lightning ``metrics.csv``: ``csv.reader`` with every non-empty cell through ``float``;
* console logs: one compiled key/value regex (``KV_FLOOR``) over the lines, every value through ``float``;
* TensorBoard: the records read with ``struct`` and each one decoded as an ``Event`` protobuf (no CRC check);
* start-up: ``python -c pass`` (the rows of :mod:`bench.startup`).

For each format and size the table gives trainmedic's time (``trainmedic diagnose FILE``, the text report; and reading
alone, ``load_run``), the floor's,
their ratio, the marginal ratio (the growth of both from the smallest size on, which leaves out the fixed start-up),
the peak RSS and the memory diagnose needed per input byte above what it needs for a tiny file of the same format.
``--quick`` measures 10^4 and 10^5 steps; the default adds 10^6. Results go to ``bench/results/speed.json`` and
``speed.md``; the inputs are written once under ``bench/results/tmp/speed/``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import speed_inputs as inputs
from .speed_report import markdown

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TMP = RESULTS / "tmp" / "speed"
# Steps of the tiny input whose peak memory is the fixed cost of a diagnosis (and the start-up study's small CSV).
TINY_STEPS = 200
KV_FLOOR = r"""([A-Za-z_][\w./-]*)['"]?\s*[:=]\s*([-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|nan|inf))"""

FLOORS = {
    "json.load": "import json, sys\nwith open(sys.argv[1]) as fh:\n    json.load(fh)\n",
    "csv.reader + float": (
        "import csv, sys\nwith open(sys.argv[1], newline='') as fh:\n    rows = csv.reader(fh)\n    next(rows)\n"
        "    for row in rows:\n        for cell in row:\n            if cell:\n                float(cell)\n"
    ),
    "key/value regex + float": (
        f"import re, sys\nKV = re.compile(r'''{KV_FLOOR}''')\n"
        "with open(sys.argv[1], encoding='utf-8', errors='replace', newline='\\n') as fh:\n"
        "    for line in fh:\n        for key, value in KV.findall(line):\n            float(value)\n"
    ),
    "records: struct + protobuf": (
        "import glob, struct, sys\nfrom tensorboard.compat.proto.event_pb2 import Event\n"
        "path = glob.glob(sys.argv[1] + '/events.out.tfevents.*')[0]\nwith open(path, 'rb') as fh:\n"
        "    data = fh.read()\npos = 0\nwhile pos < len(data):\n    (n,) = struct.unpack_from('<Q', data, pos)\n"
        "    event = Event.FromString(data[pos + 12:pos + 12 + n])\n    pos += n + 16\n"
        "    for v in event.summary.value:\n        v.simple_value\n"
    ),
}

# (row label, file name, writer, floor)
FORMATS = (
    ("trainer_state.json", "trainer_state.json", inputs.write_trainer_state, "json.load"),
    ("Lightning metrics.csv", "metrics.csv", inputs.write_metrics_csv, "csv.reader + float"),
    ("HF console log, tqdm refreshes", "hf_console.log", inputs.write_hf_console, "key/value regex + float"),
    ("plain key: value log", "keyvalue.log", inputs.write_keyvalue, "key/value regex + float"),
    ("tqdm postfix bars", "tqdm_postfix.log", inputs.write_tqdm_postfix, "key/value regex + float"),
    ("TensorBoard event file", "tensorboard", inputs.write_tensorboard, "records: struct + protobuf"),
)


def _env() -> dict:
    env = dict(os.environ)
    src = str(ROOT / "src")  # measure the checkout the bench lives in
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def measure(cmd: list, env=None) -> dict:
    """One fresh process (in ``env``, by default :func:`_env`): its CPU time, wall time, peak RSS and exit code."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env or _env(), cwd=str(ROOT))
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        if p.returncode not in (0, 1):
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").strip().splitlines()
            return {"error": (tail or [f"exit {p.returncode}"])[-1][:200]}
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "rss_mb": usage.ru_maxrss / 1024}


def diagnose_cmd(path: Path) -> list:
    return [sys.executable, "-m", "trainmedic", "diagnose", str(path)]


def floor_cmd(floor: str, path: Path) -> list:
    return [sys.executable, "-c", FLOORS[floor], str(path)]


def paired(cmd: list, base: list, repeat: int, *more: list, env=None) -> tuple:
    """Medians of ``cmd``, ``base`` (and ``more`` commands) run alternately ``repeat`` times each."""
    runs: list = [[] for _ in range(2 + len(more))]
    for _ in range(repeat):
        for out, c in zip(runs, (cmd, base, *more)):
            out.append(measure(c, env))
    return tuple(_median(r) for r in runs)


def read_cmd(path: Path) -> list:
    """Reading alone (the readers, no rule), to tell the reading's share of a diagnosis."""
    code = "import sys\nfrom trainmedic.readers import load_run\nload_run([sys.argv[1]])\n"
    return [sys.executable, "-c", code, str(path)]


def _median(runs: list) -> dict:
    errors = [r for r in runs if "error" in r]
    if errors:
        return errors[0]
    return {k: statistics.median(r[k] for r in runs) for k in ("cpu", "wall", "rss_mb")}


def input_path(name: str, writer, steps: int) -> Path:
    """The input for ``steps`` steps, written on first use."""
    path = TMP / str(steps) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        writer(path, steps)
    return path


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def reading(steps: list, repeat: int, only: tuple = ()) -> list:
    """Rows for every format and size."""
    rows = []
    for label, name, writer, floor in FORMATS:
        if only and not any(o in label or o in name for o in only):
            continue
        if name == "tensorboard" and not _has("tensorboard"):
            continue
        tiny = measure(diagnose_cmd(input_path(name, writer, TINY_STEPS)))
        for n in steps:
            path = input_path(name, writer, n)
            tm, fl, rd = paired(diagnose_cmd(path), floor_cmd(floor, path), repeat, read_cmd(path))
            row = {
                "format": label,
                "steps": n,
                "bytes": _size(path),
                "floor": floor,
                "trainmedic": tm,
                "floor_run": fl,
                "read_only": rd,
                "fixed_rss_mb": tiny.get("rss_mb"),
            }
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def _has(module: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


def machine() -> str:
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    return f"{os.cpu_count()} cores of {cpu}, Python {platform.python_version()}, {platform.system()}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench speed", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10^4 and 10^5 steps only")
    ap.add_argument("--steps", type=int, nargs="+", help="sizes to measure (default 10^4 10^5 10^6)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each command (default 3)")
    ap.add_argument("--only", nargs="*", default=(), help="formats whose label or file name holds one of these")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up commands")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    steps = args.steps or ([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    res = {
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M"),
        "repeat": args.repeat,
        "reading": reading(steps, args.repeat, tuple(args.only)),
    }
    if not args.no_startup:
        from . import startup  # it measures with this module's helpers

        res["startup"] = startup.measure(max(args.repeat, 5))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed.json").write_text(json.dumps(res, indent=1) + "\n")
    text = markdown(res)
    if res.get("startup"):
        text += "\n".join(["## Start-up", "", *startup.table(res["startup"]), ""])
    (args.out / "speed.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
