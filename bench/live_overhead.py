"""Step-time overhead of the live Monitor against the bare training loop, in the same process.

A 4-layer BERT-style classifier (BertConfig, hidden 256) trained with AdamW on random tokens, CPU. Each variant has
its own model; in every round each variant takes one step, so that drift in the machine's load hits them alike. Compared with the bare loop:
``Monitor`` under each policy (default monitoring = ``skip``), the same with clipping done by the Monitor (one norm
for both), ``torch.autograd.detect_anomaly`` and a naive loop calling ``.item()`` on every parameter's gradient norm.

    python bench/live_overhead.py [--steps 20] [--warmup 3]

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


class Variant:
    """One training setup; :meth:`step` runs one timed optimizer step."""

    def __init__(self, name: str, tmp: Path) -> None:
        self.name = name
        self.model, self.opt = build()
        self.monitor = None
        if name.startswith("monitor"):
            policy = name.split(":")[1]
            clip = 1.0 if policy.endswith("+clip") else None
            policy = policy.replace("+clip", "")
            self.monitor = trainmedic.Monitor(self.model, self.opt, policy=policy, max_grad_norm=clip,
                                              log_path=str(tmp / f"{name.replace(':', '_')}.jsonl"))
        self.times: list = []
        self.extra: list = []  # seconds of work this variant adds to the bare step, timed around that work alone

    def step(self, batch: dict) -> float:
        model, opt = self.model, self.opt
        extra = 0.0
        t0 = time.perf_counter()
        if self.name == "detect_anomaly":
            with torch.autograd.detect_anomaly(check_nan=True):
                loss = model(**batch).loss
                loss.backward()
        else:
            loss = model(**batch).loss
            loss.backward()
        if self.monitor is not None:
            t1 = time.perf_counter()
            result = self.monitor.judge(loss, batch)
            extra += time.perf_counter() - t1
            self.monitor.apply() if result.applied else self.monitor.discard()
            t2 = time.perf_counter()
            self.monitor.after(result)
            extra += time.perf_counter() - t2
        else:
            if self.name == "naive_item":
                t1 = time.perf_counter()
                norms = [p.grad.norm().item() for p in model.parameters() if p.grad is not None]
                assert all(n == n for n in norms) and loss.item() == loss.item()
                extra += time.perf_counter() - t1
            opt.step()
        opt.zero_grad()
        took = time.perf_counter() - t0
        self.extra.append(extra)
        return took


VARIANTS = ["bare", "monitor:observe", "monitor:skip", "monitor:rollback", "monitor:stop", "monitor:skip+clip",
            "detect_anomaly", "naive_item"]


def main(argv: list | None = None) -> int:
    """Measure every variant and write results/live_overhead.{json,md}; ``argv`` as on the command line."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--variants", nargs="+", choices=VARIANTS, help="measure only these (bare is always included)")
    ap.add_argument("--no-write", action="store_true", help="print the table only (results/ left as they are)")
    args = ap.parse_args(argv)
    chosen = ["bare"] + [v for v in (args.variants or VARIANTS) if v != "bare"]
    warnings.filterwarnings("ignore", message="Anomaly Detection")
    torch.set_num_threads(os.cpu_count() or 1)
    data = batches(8)
    tmp = HERE / "results" / "tmp_live"
    tmp.mkdir(parents=True, exist_ok=True)
    # Every variant takes one step in turn (starting point rotating), so that the load of a shared machine hits
    # them alike; the overhead is the median over rounds of (variant step time / bare step time in that round).
    variants = [Variant(v, tmp) for v in chosen]
    ratios: dict = {v: [] for v in chosen}
    for i in range(args.warmup + args.steps):
        batch = data[i % len(data)]
        order = variants[i % len(variants):] + variants[:i % len(variants)]
        took = {v.name: v.step(batch) for v in order}
        if i >= args.warmup:
            for v in variants:
                v.times.append(took[v.name])
                ratios[v.name].append(took[v.name] / took["bare"])
    for v in variants:
        if v.monitor is not None:
            v.monitor.close()
    for f in tmp.glob("*"):
        f.unlink()
    tmp.rmdir()
    model, _ = build()
    params = sum(p.numel() for p in model.parameters())
    # On a shared machine whole-step times drift by more than the monitor costs; the work a variant adds is timed
    # around that work alone and set against the bare step. detect_anomaly changes forward and backward themselves,
    # so only the whole-step ratio measures it.
    bare = statistics.median(variants[0].times)
    rows = []
    for v in variants:
        whole = 100.0 * (statistics.median(ratios[v.name]) - 1.0)
        added = statistics.median(v.extra[args.warmup:] if len(v.extra) > args.warmup else v.extra)
        rows.append({"variant": v.name, "median_step_s": statistics.median(v.times),
                     "added_ms": 1000 * added, "overhead_pct": whole if v.name == "detect_anomaly" else 100 * added / bare,
                     "whole_step_ratio_pct": whole, "steps": len(v.times)})
    machine = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
               "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
               "python": platform.python_version(), "system": platform.platform()}
    out = {"model": "BertForSequenceClassification(4 layers, hidden 256, vocab 8000)", "params": params,
           "batch": "8 x 64 tokens", "optimizer": "AdamW", "machine": machine, "results": rows}
    if args.no_write:
        print("\n".join(f"{r['variant']}: added {r['added_ms']:.3f} ms = {r['overhead_pct']:+.2f}% of "
                        f"{1000 * r['median_step_s']:.1f} ms" for r in rows))
        return 0
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "live_overhead.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = [f"Step-time overhead against the bare loop: {out['model']}, {params:,} parameters, batch "
             f"{out['batch']}, AdamW; {machine['cores']}-core CPU ({machine['cpu']}), torch {machine['torch']}, "
             f"{rows[0]['steps']} interleaved rounds. Overhead = the work a variant adds (timed around it) / the median bare "
             "step; for detect_anomaly, which slows forward and backward, the median per-round whole-step ratio.", "",
             "| variant | median step (ms) | added work per step (ms) | overhead |", "|---|---:|---:|---:|"]
    for r in rows:
        added = "(whole step)" if r["variant"] == "detect_anomaly" else f"{r['added_ms']:.2f}"
        lines.append(f"| {r['variant']} | {1000 * r['median_step_s']:.1f} | {added} | {r['overhead_pct']:+.2f}% |")
    (HERE / "results" / "live_overhead.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
