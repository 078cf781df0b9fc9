"""Diagnose time and peak memory on text logs of growing size: random text and a real-shaped console log.

``python -m bench.hostile_text [--mb 1 10] [--big] [--timeout 300]`` writes, under ``bench/results/tmp/``:

- ``random``: random printable text in lines of random length, with digits, ``=``, ``:`` and ``|`` scattered
  through it (what a binary dumped as text, a corrupted log or a hostile file looks like to a log reader);
- ``real``: the console log of ``bench.scale`` (tqdm refreshes with carriage returns, ``Step N | Train Loss`` lines);

and runs ``trainmedic.diagnose(file)`` on each in a fresh process, recording wall time, peak RSS and how it ended
(a report, an input error, or the timeout). ``--big`` adds the 100 MB size (minutes when the reader is linear, far
longer when it is not). Growth is linear when the time per MB stays flat from size to size. Results:
``bench/results/hostile_text.json`` and ``hostile_text.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

from bench.scale import write_text_log

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TMP = RESULTS / "tmp"
# Per-MB cost may grow by this much from the smallest to the largest size and still count as linear (start-up and
# rule costs that do not scale with the text make small sizes relatively dearer, not cheaper).
LINEAR_SLACK = 1.5

PROBE = r"""
import json, resource, sys, time
from trainmedic.errors import InputError
import trainmedic
t0 = time.perf_counter()
try:
    rep = trainmedic.diagnose(sys.argv[1])
    info = {"end": "report", "series": sum(len(r.series) for r in rep.runs), "findings": len(rep.findings)}
except InputError as exc:
    info = {"end": "input error", "reason": str(exc).split(": ", 1)[-1][:80]}
info.update(seconds=time.perf_counter() - t0, rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(info))
"""


def write_random_text(path: Path, target_bytes: int) -> None:
    """Random printable lines (seeded): words, numbers and separators in no order a training script prints."""
    rng = random.Random(0)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     ====::::||||..--__%%/\\()[]{},;'\""
    block = "".join(rng.choice(alphabet) for _ in range(1 << 20))
    written = 0
    with open(path, "w") as fh:
        while written < target_bytes:
            start = rng.randrange(len(block) - 300)
            line = block[start : start + rng.randrange(1, 300)] + "\n"
            fh.write(line)
            written += len(line)


def run_cell(path: Path, timeout: float) -> dict:
    """diagnose(path) in a fresh process: how it ended, seconds, peak MB."""
    started = time.perf_counter()
    try:
        out = subprocess.run(
            [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, cwd=ROOT, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"end": f"timeout ({timeout:.0f} s)", "seconds": None, "rss_mb": None}
    if out.returncode != 0:
        return {"end": "crash", "detail": out.stderr.strip().splitlines()[-1:], "seconds": None, "rss_mb": None}
    info = json.loads(out.stdout.strip().splitlines()[-1])
    info["wall"] = time.perf_counter() - started
    return info


def measure(sizes: list, timeout: float) -> list:
    TMP.mkdir(parents=True, exist_ok=True)
    rows = []
    for kind in ("random", "real"):
        for mb in sizes:
            path = TMP / f"{kind}_{mb}mb.log"
            if not path.exists():
                (write_random_text if kind == "random" else write_text_log)(path, mb * 1_000_000)
            row = {"kind": kind, "mb": mb, **run_cell(path, timeout)}
            rows.append(row)
            secs = f"{row['seconds']:.1f} s" if row.get("seconds") is not None else "-"
            rss = f"{row['rss_mb']:.0f} MB" if row.get("rss_mb") is not None else "-"
            print(f"{kind:>6} {mb:>4} MB: {row['end']}, {secs}, {rss}", flush=True)
    return rows


def _linear(rows: list, kind: str) -> str:
    done = [r for r in rows if r["kind"] == kind and r.get("seconds")]
    if len(done) < 2:
        return "not enough sizes finished to tell"
    first, last = done[0], done[-1]
    growth = (last["seconds"] / last["mb"]) / (first["seconds"] / first["mb"])
    verdict = "linear" if growth <= LINEAR_SLACK else "NOT linear"
    return f"seconds per MB x{growth:.2f} from {first['mb']} to {last['mb']} MB: {verdict}"


def write(rows: list) -> None:
    (RESULTS / "hostile_text.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = [
        "# Text logs of growing size: random text and a real-shaped log",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, shared with other work. "
        "`trainmedic.diagnose(file)` in a fresh process; seconds exclude the interpreter's start; peak RSS.",
        "",
        "| input | size | ended | seconds | s/MB | peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        secs, rss = r.get("seconds"), r.get("rss_mb")
        cells = [f"{secs:.1f}", f"{secs / r['mb']:.2f}"] if secs else ["-", "-"]
        cells.append(f"{rss:.0f} MB" if rss else "-")
        lines.append(f"| {r['kind']} | {r['mb']} MB | {r['end']} | " + " | ".join(cells) + " |")
    lines += ["", f"- random text: {_linear(rows, 'random')}", f"- real-shaped log: {_linear(rows, 'real')}"]
    (RESULTS / "hostile_text.md").write_text("\n".join(lines) + "\n")


def main(argv: list = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=int, nargs="+", default=[1, 10])
    p.add_argument("--big", action="store_true", help="add the 100 MB size")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds allowed per diagnose (default 300)")
    args = p.parse_args(argv)
    sizes = sorted(set(args.mb + ([100] if args.big else [])))
    write(measure(sizes, args.timeout))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
