"""Step-time overhead of the live Monitor against the bare training loop, in the same process.

A 4-layer BERT-style classifier (BertConfig, hidden 256) trained with AdamW on random tokens, CPU. Each variant runs
the same number of steps after a warm-up; variants are interleaved round by round so that drift in the machine's
load hits them all alike; the median step time per variant is reported. Compared with the bare loop:
``Monitor`` under each policy (default monitoring = ``skip``), the same with clipping done by the Monitor (one norm
for both), ``torch.autograd.detect_anomaly`` and a naive loop calling ``.item()`` on every parameter's gradient norm.

    python bench/live_overhead.py [--steps 20] [--rounds 3]

Writes bench/results/live_overhead.json and bench/results/live_overhead.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import warnings
from pathlib import Path

import torch
import transformers

import trainmedic

HERE = Path(__file__).resolve().parent


def build(seed: int = 0):
    torch.manual_seed(seed)
    config = transformers.BertConfig(vocab_size=8000, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                                     intermediate_size=1024, max_position_embeddings=128, num_labels=2)
    model = transformers.BertForSequenceClassification(config)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    return model, opt


def batches(n: int, batch: int = 8, seq: int = 64):
    g = torch.Generator().manual_seed(1)
    return [{"input_ids": torch.randint(0, 8000, (batch, seq), generator=g),
             "labels": torch.randint(0, 2, (batch,), generator=g)} for _ in range(n)]


def run_variant(name: str, steps: int, data: list, tmp: Path) -> list:
    model, opt = build()
    monitor = None
    if name.startswith("monitor"):
        policy = name.split(":")[1]
        clip = 1.0 if name.endswith("+clip") else None
        policy = policy.replace("+clip", "")
        monitor = trainmedic.Monitor(model, opt, policy=policy, max_grad_norm=clip,
                                     log_path=str(tmp / f"{policy}.jsonl"), snapshot_every=100)
    times = []
    for i in range(steps):
        batch = data[i % len(data)]
        t0 = time.perf_counter()
        if name == "detect_anomaly":
            with torch.autograd.detect_anomaly(check_nan=True):
                loss = model(**batch).loss
                loss.backward()
        else:
            loss = model(**batch).loss
            loss.backward()
        if monitor is not None:
            monitor.step(loss, batch)
        else:
            if name == "naive_item":
                norms = [p.grad.norm().item() for p in model.parameters() if p.grad is not None]
                loss.item()
                assert all(n == n for n in norms)
            opt.step()
        opt.zero_grad()
        times.append(time.perf_counter() - t0)
    if monitor is not None:
        monitor.close()
    return times


VARIANTS = ["bare", "monitor:observe", "monitor:skip", "monitor:rollback", "monitor:stop", "monitor:skip+clip",
            "detect_anomaly", "naive_item"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    warnings.filterwarnings("ignore", message="Anomaly Detection")
    torch.set_num_threads(os.cpu_count() or 1)
    data = batches(8)
    tmp = HERE / "results" / "tmp_live"
    tmp.mkdir(parents=True, exist_ok=True)
    samples: dict = {v: [] for v in VARIANTS}
    for _ in range(args.rounds):
        for v in VARIANTS:
            samples[v].extend(run_variant(v, args.steps + args.warmup, data, tmp)[args.warmup:])
    for f in tmp.glob("*"):
        f.unlink()
    tmp.rmdir()
    model, _ = build()
    params = sum(p.numel() for p in model.parameters())
    bare = statistics.median(samples["bare"])
    rows = []
    for v in VARIANTS:
        med = statistics.median(samples[v])
        rows.append({"variant": v, "median_step_s": med, "overhead_pct": 100.0 * (med - bare) / bare,
                     "steps": len(samples[v])})
    machine = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
               "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
               "python": platform.python_version(), "system": platform.platform()}
    out = {"model": "BertForSequenceClassification(4 layers, hidden 256, vocab 8000)", "params": params,
           "batch": "8 x 64 tokens", "optimizer": "AdamW", "machine": machine, "results": rows}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "live_overhead.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = [f"Step-time overhead against the bare loop: {out['model']}, {params:,} parameters, batch "
             f"{out['batch']}, AdamW; {machine['cores']}-core CPU ({machine['cpu']}), torch {machine['torch']}, "
             f"median of {rows[0]['steps']} steps per variant.", "",
             "| variant | median step (ms) | overhead |", "|---|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['variant']} | {1000 * r['median_step_s']:.1f} | {r['overhead_pct']:+.1f}% |")
    (HERE / "results" / "live_overhead.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
