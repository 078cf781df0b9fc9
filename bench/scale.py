"""Diagnose time and peak memory at scale, next to the time to merely parse the same file.

``python -m bench.scale [--steps 10000 100000 1000000] [--text-mb 10 100] [--profile]`` generates realistic files
(HF ``trainer_state.json`` with eval entries, a Lightning-shaped CSV, a TensorBoard event file, tqdm-like and
``Step N | Train Loss: ...`` console logs) under ``bench/results/tmp/`` and measures, each in a fresh subprocess:
``trainmedic.diagnose(path)`` (wall time, peak RSS from ``VmHWM``) and the floor — ``json.load``, ``csv.reader``,
pandas ``read_csv`` when installed, TensorBoard's ``EventAccumulator``, and a plain line loop for text. Results go
to ``bench/results/scale.json`` and ``scale.md``; ``--profile`` adds cProfile's top functions for the slowest path.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TMP = RESULTS / "tmp"
TARGET_RATIO = 2.0  # diagnose within 2x of the bare parse


def _loss(step: int, n: int, rng: random.Random) -> float:
    return 2.0 * math.exp(-5.0 * step / n) + 0.1 + 0.02 * rng.random()


def write_trainer_state(path: Path, n: int) -> None:
    """HF-shaped trainer_state.json: one train entry per step, an eval entry every 1% of the run."""
    rng = random.Random(0)
    every = max(n // 100, 1)
    with open(path, "w") as fh:
        fh.write(f'{{"best_metric": null, "epoch": 3.0, "global_step": {n}, "log_history": [\n')
        for s in range(1, n + 1):
            ep = 3.0 * s / n
            fh.write(
                json.dumps(
                    {
                        "epoch": round(ep, 4),
                        "grad_norm": 1.0 + rng.random(),
                        "learning_rate": 2e-5,
                        "loss": round(_loss(s, n, rng), 4),
                        "step": s,
                    }
                )
            )
            if s % every == 0:
                fh.write(
                    ",\n"
                    + json.dumps(
                        {
                            "epoch": round(ep, 4),
                            "eval_loss": _loss(s, n, rng) + 0.05,
                            "eval_f1": 0.9,
                            "eval_runtime": 1.2,
                            "step": s,
                        }
                    )
                )
            fh.write(",\n" if s < n else "\n")
        fh.write(f'], "logging_steps": 1, "max_steps": {n}, "num_train_epochs": 3, "train_batch_size": 16}}\n')


def write_csv(path: Path, n: int) -> None:
    """Lightning-shaped metrics.csv: train rows every step, val rows every 1%."""
    rng = random.Random(0)
    every = max(n // 100, 1)
    with open(path, "w") as fh:
        fh.write("epoch,step,train_loss,val_loss,val_acc\n")
        for s in range(1, n + 1):
            fh.write(f"{3 * s // n},{s},{_loss(s, n, rng):.5f},,\n")
            if s % every == 0:
                fh.write(f"{3 * s // n},{s},,{_loss(s, n, rng) + 0.05:.5f},0.9\n")


def write_tensorboard(path: Path, n: int) -> None:
    """A TensorBoard event file with train/loss every step and eval/loss every 1%."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    rng = random.Random(0)
    path.mkdir(parents=True, exist_ok=True)
    w = EventFileWriter(str(path))
    every = max(n // 100, 1)
    for s in range(1, n + 1):
        vals = [Summary.Value(tag="train/loss", simple_value=_loss(s, n, rng))]
        if s % every == 0:
            vals.append(Summary.Value(tag="eval/loss", simple_value=_loss(s, n, rng) + 0.05))
        w.add_event(Event(wall_time=1.7e9 + s, step=s, summary=Summary(value=vals)))
    w.close()


def write_text_log(path: Path, target_bytes: int) -> int:
    """A console log mixing tqdm progress (carriage returns) and ``Step N | Train Loss`` lines; returns steps."""
    rng = random.Random(0)
    s = 0
    with open(path, "w") as fh:
        while fh.tell() < target_bytes:
            s += 1
            loss = 2.0 * math.exp(-s / 200000) + 0.1 + 0.02 * rng.random()
            fh.write(f"\r 37%|███▋      | {s}/1000000 [01:02<01:45, 9.51it/s, loss={loss:.4f}, lr=2e-05]")
            if s % 10 == 0:
                fh.write(f"\nEpoch 1 | Step {s} | Train Loss: {loss:.4f} | Grad Norm: {1 + rng.random():.4f}\n")
    return s


PROBE = r"""
import sys, time, json
kind, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if kind == "diagnose":
    import trainmedic
    rep = trainmedic.diagnose(path)
    info = {"findings": len(rep.findings)}
elif kind == "json":
    d = json.load(open(path)); info = {"entries": len(d["log_history"])}
elif kind == "csv":
    import csv
    with open(path, newline="") as fh:
        info = {"rows": sum(1 for _ in csv.reader(fh))}
elif kind == "pandas":
    import pandas as pd
    info = {"rows": len(pd.read_csv(path))}
elif kind == "tensorboard":
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    ea = EventAccumulator(path, size_guidance={"scalars": 0}); ea.Reload()
    info = {"points": sum(len(ea.Scalars(t)) for t in ea.Tags()["scalars"])}
elif kind == "lines":
    n = 0
    with open(path, "rb") as fh:
        for line in fh:
            n += 1
    info = {"lines": n}
secs = time.perf_counter() - t0
hwm = 0
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        hwm = int(line.split()[1]) // 1024
print(json.dumps({"seconds": secs, "peak_rss_mb": hwm, **info}))
"""


def measure(kind: str, path: Path, timeout: int = 900) -> dict:
    """Run one probe in a fresh interpreter; its own time and peak RSS."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(
            [sys.executable, "-c", PROBE, kind, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(ROOT),
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout}s"}
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["?"])[-1][:200], "wall": time.perf_counter() - t0}
    return json.loads(p.stdout.strip().splitlines()[-1])


def has_pandas() -> bool:
    return subprocess.run([sys.executable, "-c", "import pandas"], capture_output=True).returncode == 0


def profile(path: Path, top: int = 15) -> str:
    """cProfile's top functions (cumulative) for diagnosing ``path``."""
    code = (
        "import cProfile, pstats, io, trainmedic\npr = cProfile.Profile(); pr.enable()\n"
        f"trainmedic.diagnose({str(path)!r})\npr.disable(); s = io.StringIO()\n"
        f"pstats.Stats(pr, stream=s).sort_stats('tottime').print_stats({top}); print(s.getvalue())"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT), timeout=1800)
    return p.stdout[-6000:] if p.returncode == 0 else p.stderr[-2000:]


def run(steps: list, text_mb: list, do_profile: bool) -> dict:
    TMP.mkdir(parents=True, exist_ok=True)
    pandas = has_pandas()
    rows = []
    for n in steps:
        for fmt, writer, floors in (
            ("trainer_state.json", write_trainer_state, ["json"]),
            ("metrics.csv", write_csv, ["csv"] + (["pandas"] if pandas else [])),
            ("tensorboard", write_tensorboard, ["tensorboard"]),
        ):
            path = TMP / f"{n}" / fmt
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                writer(path, n)
            target = path if fmt != "tensorboard" else path
            row = {"format": fmt, "steps": n, "diagnose": measure("diagnose", target)}
            for f in floors:
                row[f] = measure(f, target)
            rows.append(row)
            print(json.dumps(row), flush=True)
    for mb in text_mb:
        path = TMP / f"console_{mb}MB.log"
        if not path.exists():
            write_text_log(path, mb * 1024 * 1024)
        row = {
            "format": "text log",
            "megabytes": mb,
            "diagnose": measure("diagnose", path),
            "lines": measure("lines", path),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    res = {"rows": rows, "pandas": pandas, "target_ratio": TARGET_RATIO}
    if do_profile:
        ok = [r for r in rows if "seconds" in r["diagnose"]]
        if ok:
            worst = max(ok, key=lambda r: r["diagnose"]["seconds"])
            path = TMP / (
                f"{worst['steps']}/{worst['format']}" if "steps" in worst else f"console_{worst['megabytes']}MB.log"
            )
            res["profile"] = {"path": str(path.relative_to(ROOT)), "top": profile(path)}
    return res


def markdown(res: dict, machine: str) -> str:
    def cell(m):
        if "error" in m:
            return f"error: {m['error'][:60]}"
        return f"{m['seconds']:.2f} s / {m['peak_rss_mb']} MB"

    lines = [
        "# Scale: diagnose vs. bare parse",
        "",
        f"Machine: {machine}. Each cell: wall time / peak RSS of a "
        "fresh process (VmHWM). Target: diagnose within "
        f"{res['target_ratio']:.0f}x of the bare parse.",
        "",
        "| input | size | diagnose | floor | floor time / RSS | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in res["rows"]:
        size = f"{r['steps']:,} steps" if "steps" in r else f"{r['megabytes']} MB"
        floors = [k for k in r if k not in ("format", "steps", "megabytes", "diagnose")]
        for f in floors:
            ratio = (
                f"{r['diagnose']['seconds'] / r[f]['seconds']:.1f}x"
                if "seconds" in r["diagnose"] and "seconds" in r[f] and r[f]["seconds"] > 0
                else "–"
            )
            lines.append(f"| {r['format']} | {size} | {cell(r['diagnose'])} | {f} | {cell(r[f])} | {ratio} |")
    if res.get("profile"):
        lines += [
            "",
            f"## Profile of the slowest path ({res['profile']['path']})",
            "",
            "```",
            res["profile"]["top"].strip()[:4000],
            "```",
        ]
    return "\n".join(lines) + "\n"


def machine() -> str:
    import os
    import platform

    return f"{os.cpu_count()}-core CPU ({platform.machine()}), no GPU, Python {platform.python_version()}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--text-mb", type=int, nargs="+", default=[10, 100])
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args(argv)
    res = run(args.steps, args.text_mb, args.profile)
    res["machine"] = machine()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps(res, indent=2) + "\n")
    (RESULTS / "scale.md").write_text(markdown(res, res["machine"]))
    print(markdown(res, res["machine"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
