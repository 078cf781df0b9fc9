"""What one poll of ``trainmedic watch`` costs against the length of the history already read: a run's files are
written up to 10^3, 10^4 and 10^5 logged steps, the watch has read them, then each poll finds about ten new steps
appended (cut at any byte, as a writer flushes). A poll is timed as the follower reads it and the streaming
detectors judge it, against re-reading the file with ``load_run`` and feeding the points beyond those already fed
(what ``watch`` did for every format but its own live log before). Median wall time of the polls of one process.

    python -m bench watch          # or: python -m bench.watch_poll [--steps 1000 10000 100000] [--polls 5]

Writes bench/results/watch_poll.{json,md}.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from trainmedic.live.stream import StreamAlarms
from trainmedic.live.watch import _Follower
from trainmedic.readers import load_run

from . import speed_inputs
from .scale import machine

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
# Steps a poll finds appended (a watch polling twice a second behind a run logging 20 steps a second).
NEW_STEPS = 10
# Polls re-reading the whole file at the largest size: each costs about a second there.
REREAD_POLLS = 2


def _write_jsonl(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for s in range(1, n + 1):
            fh.write(json.dumps({"step": s, "loss": 2.0 / (1 + s / 1000), "grad_norm": 1.0 + (s % 7) / 10}) + "\n")


FORMATS = {  # name -> (file name, writer, lines a step)
    "console log of `Epoch 1 / Step 100 / Train Loss` lines": ("keyvalue.log", speed_inputs.write_keyvalue),
    "Trainer console log (tqdm bars, dict lines)": ("hf_console.log", speed_inputs.write_hf_console),
    "Lightning `metrics.csv`": ("metrics.csv", speed_inputs.write_metrics_csv),
    "JSON Lines history": ("history.jsonl", _write_jsonl),
    "TensorBoard event file": ("tb", speed_inputs.write_tensorboard),
}


def _source(workdir: Path, fname: str, writer, steps: int) -> tuple:
    """(file name, its bytes): the run written to ``steps`` plus the steps the polls will find."""
    total = steps + NEW_STEPS * 12
    src = workdir / "src" / fname
    src.parent.mkdir(parents=True, exist_ok=True)
    writer(src, total)
    if src.is_dir():  # TensorBoard: the event file the writer put in the folder
        src = next(p for p in src.iterdir() if "tfevents" in p.name)
    return src.name, src.read_bytes(), total


def _time_polls(path: Path, data: bytes, start: int, chunk: int, polls: int, rereads: int) -> tuple:
    """(seconds of each poll following the file, seconds of each poll re-reading it whole) after appending
    ``chunk`` bytes: the follower's poll and judging its pieces, or ``load_run`` and judging the points beyond those
    fed. Both start from the detectors fed with the history (fed once: that costs seconds at 10^5 steps)."""
    path.write_bytes(data[:start])
    follower, alarms = _Follower(path), StreamAlarms()
    for piece in follower.poll()[0]:
        alarms.feed_run(piece.run, continues=not piece.whole)
    again = copy.deepcopy(alarms)
    following, rereading = [], []
    for times, n, reread in ((following, polls, False), (rereading, rereads, True)):
        path.write_bytes(data[:start])
        follower = _Follower(path) if not reread else None
        if follower is not None:
            follower.poll()
        pos = start
        for _ in range(n):
            with open(path, "ab") as fh:
                fh.write(data[pos : pos + chunk])
            pos += chunk
            t0 = time.perf_counter()
            if reread:
                again.feed_run(load_run([path]))
            else:
                got = follower.poll()
                for piece in got[0] if got else []:
                    alarms.feed_run(piece.run, continues=not piece.whole)
            times.append(time.perf_counter() - t0)
    return following, rereading


def run(steps: list, polls: int) -> list:
    rows = []
    workdir = Path(tempfile.mkdtemp(prefix="tm-watch-bench-"))
    try:
        for label, (fname, writer) in FORMATS.items():
            for n in steps:
                name, data, total = _source(workdir / f"{fname}-{n}", fname, writer, n)
                start = len(data) * n // total
                chunk = len(data) * NEW_STEPS // total
                path = workdir / f"watched-{n}" / name
                path.parent.mkdir(exist_ok=True)
                inc, re = _time_polls(
                    path, data, start, chunk, polls, min(polls, REREAD_POLLS if n >= 100_000 else polls)
                )
                rows.append(
                    {
                        "format": label,
                        "steps": n,
                        "bytes": start,
                        "poll_ms": 1e3 * statistics.median(inc),
                        "reread_ms": 1e3 * statistics.median(re),
                    }
                )
                print(
                    f"{label:50s} {n:>7d} steps  poll {rows[-1]['poll_ms']:8.2f} ms  "
                    f"re-read {rows[-1]['reread_ms']:9.1f} ms",
                    flush=True,
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return rows


def report(rows: list) -> str:
    steps = sorted({r["steps"] for r in rows})
    head = " | ".join(f"10^{len(str(s)) - 1} steps" for s in steps)
    out = [
        f"# `trainmedic watch`: the cost of a poll against the history already read ({machine()})",
        "",
        f"A poll finds about {NEW_STEPS} new steps appended. Median wall time of a poll: following the file "
        "(this version) / re-reading it with `load_run` (before).",
        "",
        f"| format | {head} |",
        "|---|" + "---|" * len(steps),
    ]
    for fmt in dict.fromkeys(r["format"] for r in rows):
        cells = []
        for s in steps:
            r = next(r for r in rows if r["format"] == fmt and r["steps"] == s)
            cells.append(f"{r['poll_ms']:.1f} ms / {r['reread_ms']:.0f} ms")
        out.append(f"| {fmt} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.watch_poll", description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--polls", type=int, default=5)
    args = ap.parse_args(argv)
    rows = run(args.steps, args.polls)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "watch_poll.json").write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2) + "\n")
    (RESULTS / "watch_poll.md").write_text(report(rows))
    print(report(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
