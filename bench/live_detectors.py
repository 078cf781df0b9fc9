"""The streaming detectors over long series, offline: ``Detector.scan`` in bulk (the vectorised prefilter of
:mod:`trainmedic.rules.fastscan`) against feeding every point, on the same series, with the alarms compared.

Each series is a realistic training curve of N points (a decaying noisy loss or gradient norm) with what the rules
look for planted in it: spikes, a NaN, a stretch of zero gradients, a climbing norm, an evaluation metric frozen at
chance. The point-by-point path is timed once (it is the slow one); the bulk path is the median of three runs.

    python -m bench.live_detectors [--points 1000000]

Writes bench/results/live_detectors.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from trainmedic.rules.streaming import (
    FrozenMetric,
    GradientExplosion,
    GradientGrowth,
    GradientSpike,
    Spike,
    ZeroGradient,
)

HERE = Path(__file__).resolve().parent


def series(n: int, seed: int = 0) -> dict:
    """A loss, a gradient norm and an evaluation accuracy of ``n`` points with planted symptoms."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    loss = 2.0 * np.exp(-t / (n / 5)) + 0.3 + 0.05 * rng.standard_normal(n)
    norm = 1.0 + 0.1 * rng.standard_normal(n) ** 2
    for k in rng.integers(1000, n - 1000, size=20):  # isolated spikes
        loss[k] *= 8
        norm[k] *= 30
    loss[n // 3] = np.nan
    norm[n // 2 : n // 2 + 40] = 0.0  # no gradient for 40 steps
    climb = slice(3 * n // 4, 3 * n // 4 + 400)
    norm[climb] = np.geomspace(1, 50, 400)  # a norm that climbs steadily (never zeroed), the loss not diverging
    jump = slice(7 * n // 8, 7 * n // 8 + 10)
    norm[jump] *= 30  # a sudden explosion while the loss does not fall
    loss[jump] *= 1.2
    acc = np.clip(0.5 + 0.4 * (1 - np.exp(-t / (n / 10))) + 0.01 * rng.standard_normal(n), 0, 1)
    acc[n // 10 : n // 10 + n // 20] = 0.5  # frozen at chance while the loss still falls
    return {"loss": loss, "norm": norm, "acc": acc}


CASES = (
    ("TM402 loss spike", Spike, "loss", {}),
    ("TM404 gradient spike", GradientSpike, "norm", {}),
    ("TM801 gradient explosion", GradientExplosion, "norm", {"loss": "loss"}),
    ("TM804 gradient growth", GradientGrowth, "norm", {"loss": "loss"}),
    ("TM805 zero gradient", ZeroGradient, "norm", {}),
    ("TM703 frozen metric", FrozenMetric, "acc", {"train_loss": "loss", "chance": None}),
)


def measure(points: int) -> list:
    """One row per detector: seconds point by point and in bulk, and whether the alarms are the same."""
    s = series(points)
    x = np.arange(points, dtype=float)
    rows = []
    for label, det, key, ctx_keys in CASES:
        ctx = {k: (s[v] if v else np.full(points, 0.5)) for k, v in ctx_keys.items()}
        t0 = time.perf_counter()
        slow = det.scan(s[key], x, fast=False, **ctx)
        slow_s = time.perf_counter() - t0
        fast_times, fast = [], None
        for _ in range(3):
            t0 = time.perf_counter()
            fast = det.scan(s[key], x, fast=True, **ctx)
            fast_times.append(time.perf_counter() - t0)
        fast_s = statistics.median(fast_times)
        rows.append(
            {
                "detector": label,
                "points": points,
                "alarms": len(slow),
                "same_alarms": fast == slow,
                "point_by_point_s": slow_s,
                "bulk_s": fast_s,
                "speedup": slow_s / fast_s,
                "bulk_us_per_point": 1e6 * fast_s / points,
            }
        )
        print(
            f"{label}: {slow_s:.2f} s point by point, {fast_s:.3f} s in bulk, {len(slow)} alarms, same: {fast == slow}"
        )
    return rows


def render(rows: list) -> str:
    """The Markdown table."""
    n = rows[0]["points"] if rows else 0
    lines = [
        f"Offline `Detector.scan` over {n:,} points: the bulk path against feeding every point (the same "
        "series, symptoms planted; bulk: median of 3).",
        "",
        "| detector | alarms | same alarms | point by point (s) | bulk (s) | speed-up | bulk (us/point) |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['detector']} | {r['alarms']} | {'yes' if r['same_alarms'] else 'NO'} | "
            f"{r['point_by_point_s']:.2f} | {r['bulk_s']:.3f} | {r['speedup']:.0f}x | "
            f"{r['bulk_us_per_point']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list | None = None) -> int:
    """Measure; write results/live_detectors.{json,md}; 1 when a bulk scan answered differently."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    rows = measure(args.points)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "live_detectors.json").write_text(json.dumps(rows, indent=2) + "\n")
    text = render(rows)
    (HERE / "results" / "live_detectors.md").write_text(text)
    print(text)
    return 0 if all(r["same_alarms"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
