"""Memory of the live guard's record of a run, against the number of steps: what the Monitor keeps (the Run builder
with its bounded histories, the streaming detectors) after N steps of a loop logging loss, gradient norm, lr and
step time, with a skipped NaN step now and then. Peak traced Python/numpy allocations (tracemalloc).

    python -m bench.live_memory [--steps 10000 100000 1000000]

Longer runs are extrapolated (``--extrapolate``, default 10^7 steps) from the growth between the two longest
lengths measured, and marked so. Writes bench/results/live_memory.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import math
import time
import tracemalloc
from pathlib import Path

from trainmedic.live.signals import Signals
from trainmedic.livelog import RunBuilder

HERE = Path(__file__).resolve().parent


def record_run(steps: int, traced: bool = True) -> tuple:
    """(peak bytes or None, seconds) of recording ``steps`` steps the way the Monitor does (timed untraced:
    tracemalloc slows every allocation)."""
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    builder, signals = RunBuilder("live.jsonl"), Signals()
    builder.add({"format": "trainmedic-live", "type": "header", "config": {}})
    for i in range(1, steps + 1):
        loss = 2.0 * math.exp(-i / (steps / 5)) + 0.05 * math.sin(i * 0.37)
        norm = 1.0 + 0.1 * math.cos(i * 0.11)
        if i % 10007 == 0:
            loss = math.nan
            builder.add({"type": "event", "kind": "skip", "step": i, "message": "", "data": {"batch": i - 1}})
        builder.add(
            {
                "type": "step",
                "step": i,
                "loss": loss,
                "grad_norm": norm,
                "lr": [1e-3],
                "step_time": 0.01,
                "action": "step",
                "batch": i - 1,
            }
        )
        signals.update(i, loss, norm, no_grads=False)
    builder.run()  # the report builds the Run once
    seconds = time.perf_counter() - t0
    if not traced:
        return None, seconds
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, seconds


def main(argv: list | None = None) -> int:
    """Measure each length; write results/live_memory.{json,md}."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--extrapolate", type=int, default=10_000_000, help="a length estimated, not run (0: none)")
    args = ap.parse_args(argv)
    rows = []
    for n in args.steps:
        peak, _ = record_run(n)
        _, seconds = record_run(min(n, 100_000), traced=False)
        seconds *= n / min(n, 100_000)
        rows.append({"steps": n, "peak_mb": peak / 1e6, "seconds": seconds, "us_per_step": 1e6 * seconds / n})
        print(f"{n:>10,} steps: peak {peak / 1e6:6.2f} MB, {1e6 * seconds / n:5.1f} us/step")
    if args.extrapolate and rows and args.extrapolate > rows[-1]["steps"]:
        rows.append(extrapolated(rows, args.extrapolate))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "live_memory.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = [
        "Memory of the live record of a run (Run builder with bounded histories + streaming detectors; 4 series "
        "a step, a NaN step every 10,007), peak traced allocations.",
        "",
        "| steps | peak memory (MB) | recording cost (us/step) |",
        "|---:|---:|---:|",
    ]
    lines += [
        f"| {r['steps']:,}{' (extrapolated)' if r.get('extrapolated') else ''} | {r['peak_mb']:.2f} | "
        f"{r['us_per_step']:.1f} |"
        for r in rows
    ]
    (HERE / "results" / "live_memory.md").write_text("\n".join(lines) + "\n")
    return 0


def extrapolated(rows: list, steps: int) -> dict:
    """The peak at ``steps``, extrapolated: the growth per step between the last two lengths measured, carried on
    (none when the peak did not grow: the record is bounded); the cost per step of the longest run."""
    last = rows[-1]
    slope = 0.0
    if len(rows) >= 2:
        prev = rows[-2]
        slope = max(0.0, (last["peak_mb"] - prev["peak_mb"]) / (last["steps"] - prev["steps"]))
    peak = max(r["peak_mb"] for r in rows) + slope * (steps - last["steps"])
    return {
        "steps": steps,
        "peak_mb": peak,
        "seconds": last["us_per_step"] * steps / 1e6,
        "us_per_step": last["us_per_step"],
        "extrapolated": True,
    }


if __name__ == "__main__":
    raise SystemExit(main())
