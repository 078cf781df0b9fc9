"""Console-log reader speed: lines per second and peak memory, next to a bare line loop on the same file.

``python -m bench.textlog_speed [--mb 10 100] [--out bench/results]`` writes realistic console logs (HF-style
``Step N | Train Loss: ... | LR: ... | Epoch: ...`` with an eval line every 500 steps, tqdm bars refreshed with
carriage returns, HF Trainer dict lines, timestamp and level prefixes, and now and then ``nan``, ``inf``, ``1,234``
or ``6.7E+00``) under ``bench/results/tmp/`` (ignored by git), then measures each in a fresh interpreter:

* ``textlog``: :func:`trainmedic.readers.textlog.read` on the file (wall time, peak RSS from ``VmHWM``);
* ``floor``: a plain loop that reads the same file's lines and runs one number-finding regex on each.

Results go to ``textlog_speed.json`` and ``textlog_speed.md`` in the output folder. ``--profile`` prints
cProfile's top functions of one read.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TMP = RESULTS / "tmp"
# The reader should stay within this factor of the bare loop (read, split lines, one regex finding numbers).
TARGET_RATIO = 2.0
# HF Trainer evaluates every eval_steps; 500 is its default.
EVAL_EVERY = 500
# A tqdm bar printed this many refreshes (carriage returns) before the line ends.
BAR_REFRESHES = 20
# Steps per epoch of the generated run (decides the epoch column and when bars restart).
STEPS_PER_EPOCH = 2000


def _loss(step: int, rng: random.Random) -> float:
    return 2.0 * math.exp(-step / 200000) + 0.1 + 0.02 * rng.random()


def _odd_value(rng: random.Random, value: float) -> str:
    """Mostly an ordinary number; now and then one that prints in another shape (nan, inf, 1,234, 6.7E+00)."""
    r = rng.random()
    if r < 0.002:
        return "nan"
    if r < 0.003:
        return "inf"
    if r < 0.004:
        return f"{rng.randint(1000, 99999):,}"
    if r < 0.006:
        return f"{value:.1E}"
    return f"{value:.4f}"


def write_log(path: Path, target_bytes: int, seed: int = 0) -> int:
    """Write a mixed-style console log of about ``target_bytes``; returns the number of lines written."""
    rng = random.Random(seed)
    lines = 0
    step = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("2025-12-13 09:12:01,123 - INFO - __main__ - lr: 3e-05, per_device_train_batch_size: 8\n")
        lines += 1
        while fh.tell() < target_bytes:
            step += 1
            loss = _loss(step, rng)
            lr = 2e-5 * (1 - step / 5e6)
            epoch = step / STEPS_PER_EPOCH
            style = (step // 1000) % 4
            if style == 0:
                fh.write(f"Step {step} | Train Loss: {_odd_value(rng, loss)} | LR: {lr:.3e} | Epoch: {epoch:.2f}\n")
            elif style == 1:
                sec = step % 60
                fh.write(
                    f"2025-12-13 10:{(step // 60) % 60:02d}:{sec:02d},{step % 1000:03d} - INFO - trainer - "
                    f"Step {step} | Train Loss: {loss:.4f} | Grad Norm: {1 + rng.random():.3f} | LR: {lr:.3e}\n"
                )
            elif style == 2:
                fh.write(
                    str(
                        {
                            "loss": round(loss, 4),
                            "grad_norm": 1 + rng.random(),
                            "learning_rate": lr,
                            "epoch": round(epoch, 2),
                        }
                    )
                    + "\n"
                )
            else:
                b = step % STEPS_PER_EPOCH
                if b % BAR_REFRESHES == 0:
                    bar = "".join(
                        f"\rEpoch {step // STEPS_PER_EPOCH}: {100 * (b + i) // STEPS_PER_EPOCH:3d}%|███▋      | "
                        f"{b + i}/{STEPS_PER_EPOCH} [01:02<01:45, 9.51it/s, loss={_loss(step + i, rng):.4f}]"
                        for i in range(1, BAR_REFRESHES + 1)
                    )
                    fh.write(bar + "\n")
                else:
                    continue
            lines += 1
            if step % EVAL_EVERY == 0:
                fh.write(f"Step {step} | Eval Loss: {loss + 0.05:.4f} | Eval Acc: {0.5 + 0.4 * rng.random():.4f}\n")
                lines += 1
            if step % 5000 == 0:
                fh.write(f"Saving model checkpoint to out/checkpoint-{step}\n")
                lines += 1
    return lines


PROBE = r"""
import json, re, sys, time
kind, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if kind == "textlog":
    from pathlib import Path
    from trainmedic.readers import textlog
    run = textlog.read(Path(path))
    info = {"points": run.points, "series": len(run.series)}
else:
    from trainmedic.readers.textlog_patterns import NUM_RE
    t0 = time.perf_counter()
    n = found = 0
    with open(path, encoding="utf-8", errors="replace", newline="\n") as fh:
        for line in fh:
            n += 1
            found += len(NUM_RE.findall(line))
    info = {"lines": n, "numbers": found}
secs = time.perf_counter() - t0
hwm = 0
for row in open("/proc/self/status"):
    if row.startswith("VmHWM:"):
        hwm = int(row.split()[1]) // 1024
print(json.dumps({"seconds": secs, "peak_rss_mb": hwm, **info}))
"""


def measure(kind: str, path: Path, timeout: int = 3600) -> dict:
    """One probe in a fresh interpreter: its own time and peak RSS."""
    p = subprocess.run(
        [sys.executable, "-c", PROBE, kind, str(path)], capture_output=True, text=True, timeout=timeout, cwd=str(ROOT)
    )
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["?"])[-1][:200]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def profile(path: Path, top: int = 20) -> str:
    """cProfile's top functions (own time) for reading ``path``."""
    code = (
        "import cProfile, pstats, io\nfrom pathlib import Path\nfrom trainmedic.readers import textlog\n"
        f"pr = cProfile.Profile(); pr.enable(); textlog.read(Path({str(path)!r})); pr.disable()\n"
        f"s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats('tottime').print_stats({top}); "
        "print(s.getvalue())"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT))
    return p.stdout[-8000:] if p.returncode == 0 else p.stderr[-2000:]


def run(sizes_mb: list) -> dict:
    """Generate (once) and measure each size; rows of figures."""
    TMP.mkdir(parents=True, exist_ok=True)
    rows = []
    for mb in sizes_mb:
        path = TMP / f"textlog_{mb}MB.log"
        if not path.exists():
            write_log(path, int(mb * 1024 * 1024))
        floor = measure("floor", path)
        reader = measure("textlog", path)
        row = {"megabytes": mb, "lines": floor.get("lines"), "floor": floor, "textlog": reader}
        if "seconds" in reader and "seconds" in floor and floor["lines"]:
            n = floor["lines"]
            row["lines_per_s"] = n / reader["seconds"]
            row["us_per_line"] = 1e6 * reader["seconds"] / n
            row["floor_us_per_line"] = 1e6 * floor["seconds"] / n
            row["ratio"] = reader["seconds"] / floor["seconds"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    return {"rows": rows, "target_ratio": TARGET_RATIO, "python": platform.python_version()}


def markdown(res: dict, machine: str) -> str:
    """The results as a Markdown table."""
    out = [
        "# Console-log reader speed",
        "",
        f"Machine: {machine}; Python {res['python']}. Each figure comes from a fresh process. The floor reads "
        "the same file's lines and runs one number-finding regex on each. Target: within "
        f"{res['target_ratio']:.0f}x of the floor, memory flat in the log's length.",
        "",
        "| log | lines | lines/s | µs/line | floor µs/line | ratio | peak RSS (reader / floor) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in res["rows"]:
        if "ratio" not in r:
            out.append(f"| {r['megabytes']} MB | {r['lines']} | error: {r['textlog'].get('error', '?')} | | | | |")
            continue
        out.append(
            f"| {r['megabytes']} MB | {r['lines']:,} | {r['lines_per_s']:,.0f} | {r['us_per_line']:.2f} | "
            f"{r['floor_us_per_line']:.2f} | {r['ratio']:.2f}x | {r['textlog']['peak_rss_mb']} MB / "
            f"{r['floor']['peak_rss_mb']} MB |"
        )
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    """Command line: sizes in MB, output folder, optional profile."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, nargs="+", default=[10, 100], help="log sizes to generate and read")
    ap.add_argument("--out", type=Path, default=RESULTS, help="folder for textlog_speed.json and .md")
    ap.add_argument("--machine", default=f"{platform.machine()}, {platform.system()}", help="words for the report")
    ap.add_argument("--profile", action="store_true", help="print cProfile's top functions for the first size")
    args = ap.parse_args(argv)
    sizes = [int(mb) if float(mb).is_integer() else mb for mb in args.mb]
    res = run(sizes)
    res["machine"] = args.machine
    res["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "textlog_speed.json").write_text(json.dumps(res, indent=1) + "\n")
    (args.out / "textlog_speed.md").write_text(markdown(res, args.machine))
    if args.profile:
        print(profile(TMP / f"textlog_{sizes[0]}MB.log"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
