"""TensorBoard event files: trainmedic's reader against the floor of merely reading the records.

``python -m bench.tensorboard_speed [--steps 10000 100000 1000000] [--rounds 3]`` writes event files (``train/loss``
every step, ``eval/loss`` every 1 %, framed as TensorBoard frames them) under ``bench/results/tmp/`` and measures,
each in a fresh process, alternating, the CPU time of the work itself (imports done before the clock starts):

- ``floor``: the records read with ``struct`` and each ``Event`` parsed with tensorboard's generated class, with its
  step, tag and value taken out (no CRC check, Python lists);
- ``trainmedic``: :mod:`trainmedic.readers.tensorboard` reading the same file (every record's data CRC verified, the
  length CRC too where the data CRC fails; points in arrays),
  with the native CRC32C and, at the smallest size, with the pure-Python fallback;
- ``tensorboard loader``: tensorboard's ``RawEventFileLoader`` (the reader before), at sizes up to 10^5;
- ``diagnose``: ``trainmedic.diagnose(file)`` end to end (wall time and peak RSS, interpreter start included).

Results: ``bench/results/tensorboard.json`` and ``tensorboard.md`` (medians of the rounds; the ratio is what counts).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TMP = RESULTS / "tmp"
TARGET_RATIO = 1.5  # the reader within 1.5x of reading the records
OLD_LOADER_MAX_STEPS = 100_000  # the old loader takes about a minute per 10^6 steps


def write_events(path: Path, n: int) -> None:
    """An event file with train/loss at every step and eval/loss every 1 % (TFRecord framing, masked CRC32C)."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary

    from trainmedic.readers.tensorboard_records import masked_crc

    def frame(data: bytes) -> bytes:
        head = struct.pack("<Q", len(data))
        return head + struct.pack("<I", masked_crc(head)) + data + struct.pack("<I", masked_crc(data))

    rng = random.Random(0)
    every = max(n // 100, 1)
    with open(path, "wb") as fh:
        fh.write(frame(Event(wall_time=1.7e9, file_version="brain.Event:2").SerializeToString()))
        for s in range(1, n + 1):
            loss = 2.0 * math.exp(-5.0 * s / n) + 0.1 + 0.02 * rng.random()
            vals = [Summary.Value(tag="train/loss", simple_value=loss)]
            if s % every == 0:
                vals.append(Summary.Value(tag="eval/loss", simple_value=loss + 0.05))
            fh.write(frame(Event(wall_time=1.7e9 + s, step=s, summary=Summary(value=vals)).SerializeToString()))


PROBE = r"""
import json, resource, struct, sys, time
kind, path = sys.argv[1], sys.argv[2]
# Imports first: the clock times the reading, not the interpreter loading modules (diagnose is timed from outside).
from tensorboard.compat.proto import event_pb2
if kind.startswith("trainmedic"):
    from pathlib import Path
    from google.protobuf.message import DecodeError
    from tensorboard.compat.proto import types_pb2
    from trainmedic.readers import tensorboard, tensorboard_records
elif kind == "loader":
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
elif kind == "diagnose":
    import trainmedic
t0, c0 = time.perf_counter(), time.process_time()
if kind == "floor":
    parse, unpack = event_pb2.Event.FromString, struct.Struct("<Q").unpack_from
    with open(path, "rb") as fh:
        data = fh.read()
    pos, n, points = 0, len(data), []
    while pos + 12 <= n:
        (length,) = unpack(data, pos)
        event = parse(data[pos + 12:pos + 12 + length])
        pos += 16 + length
        for v in event.summary.value:
            points.append((event.step, v.tag, v.simple_value))
    info = {"points": len(points)}
elif kind in ("trainmedic", "trainmedic-pure"):
    if kind == "trainmedic-pure":
        from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import crc32c
        tensorboard_records.crc32c = crc32c
    scalars, scan = tensorboard._scalars(Path(path))
    info = {"points": sum(len(v) for v, _ in scalars.values()), "crc": tensorboard_records.CRC_IMPLEMENTATION
            if kind == "trainmedic" else "tensorboard (pure Python)"}
elif kind == "loader":
    points = 0
    for record in RawEventFileLoader(path).Load():
        points += len(event_pb2.Event.FromString(record).summary.value)
    info = {"points": points}
elif kind == "diagnose":
    info = {"findings": len(trainmedic.diagnose(path).findings)}
info.update(cpu=time.process_time() - c0, wall=time.perf_counter() - t0,
            rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(info))
"""


def probe(kind: str, path: Path) -> dict:
    """One measurement in a fresh process (``wall`` of diagnose includes the interpreter and package start)."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", PROBE, kind, str(path)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    info = json.loads(out.stdout.strip().splitlines()[-1])
    if kind == "diagnose":
        info["wall"] = time.perf_counter() - started
    return info


def measure(steps: list, rounds: int) -> list:
    """One row per size: medians over the rounds of every probe."""
    TMP.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in steps:
        path = TMP / f"events.out.tfevents.{n}.bench"
        if not path.exists():
            write_events(path, n)
        kinds = ["floor", "trainmedic", "diagnose"]
        if n == min(steps):
            kinds.append("trainmedic-pure")
        if n <= OLD_LOADER_MAX_STEPS:
            kinds.append("loader")
        samples: dict = {k: [] for k in kinds}
        for _ in range(rounds):
            for k in kinds:  # alternating, so that load on the machine falls on all of them alike
                samples[k].append(probe(k, path))
        row = {"steps": n, "bytes": path.stat().st_size}
        for k, runs in samples.items():
            row[k] = {
                "cpu": statistics.median(r["cpu"] for r in runs),
                "wall": statistics.median(r["wall"] for r in runs),
                "rss_mb": statistics.median(r["rss_mb"] for r in runs),
                **{key: runs[0][key] for key in ("points", "crc", "findings") if key in runs[0]},
            }
        row["ratio"] = row["trainmedic"]["cpu"] / row["floor"]["cpu"]
        rows.append(row)
        print(
            f"{n:>9,} steps: floor {row['floor']['cpu']:.3f} s, trainmedic {row['trainmedic']['cpu']:.3f} s "
            f"({row['ratio']:.2f}x), diagnose {row['diagnose']['wall']:.2f} s / {row['diagnose']['rss_mb']:.0f} MB",
            flush=True,
        )
    return rows


def write(rows: list) -> None:
    """bench/results/tensorboard.json and tensorboard.md."""
    (RESULTS / "tensorboard.json").write_text(json.dumps(rows, indent=2) + "\n")
    crc = rows[0]["trainmedic"].get("crc", "")
    lines = [
        "# TensorBoard event files",
        "",
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{_cpus()} CPU(s) shared with other work. CRC32C: {crc}. CPU seconds of the work in a fresh process, "
        "median of the rounds; `floor` reads the records with struct and parses each Event with tensorboard's "
        "generated class (no CRC check); `trainmedic` verifies every record's data CRC (and its length CRC where the "
        "data CRC fails, to tell a bad record from lost framing) and keeps the points in arrays. `diagnose` runs the "
        "rules too.",
        "",
        "| steps | file | floor | trainmedic | ratio | tensorboard loader | diagnose (wall / peak RSS) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        loader = f"{r['loader']['cpu']:.2f} s" if "loader" in r else "-"
        lines.append(
            f"| {r['steps']:,} | {r['bytes'] / 1e6:.1f} MB | {r['floor']['cpu']:.3f} s | "
            f"{r['trainmedic']['cpu']:.3f} s | {r['ratio']:.2f}x | {loader} | "
            f"{r['diagnose']['wall']:.2f} s / {r['diagnose']['rss_mb']:.0f} MB |"
        )
    pure = next((r for r in rows if "trainmedic-pure" in r), None)
    if pure:
        lines += [
            "",
            f"Without `google-crc32c` (tensorboard's pure-Python CRC32C, every record still verified): "
            f"{pure['trainmedic-pure']['cpu']:.2f} s at {pure['steps']:,} steps, against "
            f"{pure['trainmedic']['cpu']:.3f} s with it.",
        ]
    lines += [
        "",
        f"Target: within {TARGET_RATIO}x of the floor; "
        f"{'met' if all(r['ratio'] <= TARGET_RATIO for r in rows) else 'NOT met'} at every size.",
    ]
    (RESULTS / "tensorboard.md").write_text("\n".join(lines) + "\n")


def _cpus() -> int:
    return os.cpu_count() or 1


def main(argv: list = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    write(measure(args.steps, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
