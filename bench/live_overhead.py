"""What the live guard costs per step: its fixed cost on a small MLP and its share of a transformer's step, by
policy; where the MLP's microseconds go; the callbacks' extra cost; memory; the offline detectors; the log.

- Small MLP (Linear 128-256-256-10, batch 64, Adam, ~100k parameters): one model, one optimizer, one Monitor; a
  guarded step and a bare step alternate on that same model (which goes first alternates too), and the fixed cost is
  the median over pairs of (guarded - bare) whole-step times, over several repetitions. The bare step is forward,
  backward, ``loss.item()``, ``optimizer.step()``, ``zero_grad()``: a loop that reads its loss, as loops do (the guard
  reads it with its own values); ``loss.item()`` alone is timed too. The same pairs with only the fused norm of
  every gradient and its reads, and with only the Monitor's measurement, split the cost into its parts.
- Transformer: a 4-layer BERT-style classifier (hidden 256, 5.3M parameters, batch 8 x 64 tokens, AdamW). Each
  variant has its own model and takes one step per round, in rotating order; the work a variant adds is timed around
  that work alone (whole 100 ms steps drift by more than the guard costs on a shared machine) and set against the
  median bare step; the median per-round whole-step ratio is given beside it.
- bench/live_callbacks.py, bench/live_detectors.py and bench/live_memory.py: the other studies, run from here.

    python -m bench live [--quick]        (or python -m bench.live_overhead [--quick] [--threads 1])

Writes bench/results/live_overhead.{json,md} (tables in bench/live_render.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

import trainmedic
from trainmedic.live import records
from trainmedic.live.measure import measure

HERE = Path(__file__).resolve().parent
POLICIES = ("observe", "skip", "rollback", "stop")


def machine() -> dict:
    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "gpu": "none (CPU only)",
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "system": platform.platform(),
    }


# Small MLP ------------------------------------------------------------------------------------------------------
def mlp():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(128, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)
    )
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def mlp_cost(policy: str, log: str | None, pairs: int, reps: int, part: str = "guard") -> dict:
    """Median (guarded - bare) over alternating pairs on one model, per repetition. ``part``: ``guard`` (the whole
    guarded step), ``measure`` (only the Monitor's one-read measurement, then ``optimizer.step()``) or ``norm``
    (only the fused norm of every gradient and its reads: what any guard that looks at each gradient pays)."""
    x, y = torch.randn(64, 128), torch.randint(0, 10, (64,))
    loss_of = lambda m, b: torch.nn.functional.cross_entropy(m(b[0]), b[1])  # noqa: E731
    per_rep, bare_steps, item = [], [], []
    for _ in range(reps):
        model, opt = mlp()
        monitor = trainmedic.Monitor(model, opt, policy=policy, loss_fn=loss_of, log_path=log, announce=False)

        def bare(model=model, opt=opt):
            t = time.perf_counter()
            loss = loss_of(model, (x, y))
            loss.backward()
            t1 = time.perf_counter()
            loss.item()
            item.append(time.perf_counter() - t1)
            opt.step()
            opt.zero_grad()
            return time.perf_counter() - t

        params = list(model.parameters())

        def guarded(model=model, opt=opt, monitor=monitor, params=params):
            t = time.perf_counter()
            loss = loss_of(model, (x, y))
            loss.backward()
            if part == "guard":
                monitor.step(loss, (x, y))
            else:
                if part == "measure":
                    measure(monitor, loss)
                else:
                    loss.item()
                    list(map(torch.Tensor.item, torch._foreach_norm([p.grad for p in params])))
                opt.step()
            opt.zero_grad()
            return time.perf_counter() - t

        for _ in range(200):  # warm up (and past the probe's first 50 steps)
            bare(), guarded()
        diffs = []
        for i in range(pairs):
            if i % 2:
                b, g = bare(), guarded()
            else:
                g, b = guarded(), bare()
            diffs.append(g - b)
            bare_steps.append(b)
        monitor.close()
        per_rep.append(statistics.median(diffs))
        mean = statistics.mean(diffs)
    return {
        "policy": policy,
        "part": part,
        "log": bool(log),
        "fixed_us": 1e6 * statistics.median(per_rep),
        "reps_us": [round(1e6 * d, 1) for d in per_rep],
        "mean_us_last_rep": 1e6 * mean,
        "bare_step_us": 1e6 * statistics.median(bare_steps),
        "item_us": 1e6 * statistics.median(item),
    }


def parts_of_step(pairs: int, reps: int) -> list:
    """The skip policy's fixed cost and that of its parts (``norm``, ``measure``), one repetition of each in turn,
    so that the machine's drift hits them alike; medians over repetitions."""
    parts = ("norm", "measure", "guard")
    runs: dict = {p: [] for p in parts}
    for _ in range(reps):
        for part in parts:
            runs[part].append(mlp_cost("skip", None, pairs, 1, part=part))
    return [
        {
            "part": p,
            "fixed_us": statistics.median(r["fixed_us"] for r in runs[p]),
            "reps_us": [r["reps_us"][0] for r in runs[p]],
        }
        for p in parts
    ]


# Transformer ----------------------------------------------------------------------------------------------------
def bert(seed: int = 0):
    import transformers

    torch.manual_seed(seed)
    config = transformers.BertConfig(
        vocab_size=8000,
        hidden_size=256,
        num_hidden_layers=4,
        num_attention_heads=4,
        intermediate_size=1024,
        max_position_embeddings=128,
        num_labels=2,
    )
    model = transformers.BertForSequenceClassification(config)
    return model, torch.optim.AdamW(model.parameters(), lr=1e-4)


class Variant:
    """One transformer setup (``bare``, ``monitor:POLICY``, ``monitor:skip+clip``, ``naive_item``)."""

    def __init__(self, name: str, tmp: Path) -> None:
        self.name = name
        self.model, self.opt = bert()
        self.monitor = None
        if name.startswith("monitor"):
            policy = name.split(":")[1]
            clip = 1.0 if policy.endswith("+clip") else None
            self.monitor = trainmedic.Monitor(
                self.model,
                self.opt,
                policy=policy.replace("+clip", ""),
                max_grad_norm=clip,
                announce=False,
                log_path=str(tmp / f"{name.replace(':', '_')}.jsonl"),
            )
        self.times: list = []
        self.added: list = []

    def step(self, batch: dict) -> float:
        t0 = time.perf_counter()
        loss = self.model(**batch).loss
        loss.backward()
        added = 0.0
        if self.monitor is not None:
            t1 = time.perf_counter()
            result = self.monitor.judge(loss, batch)
            added += time.perf_counter() - t1
            self.monitor.apply() if result.applied else self.monitor.discard()
            t2 = time.perf_counter()
            self.monitor.after(result)
            added += time.perf_counter() - t2
        else:
            t1 = time.perf_counter()
            if self.name == "naive_item":  # a hand-written check: every gradient's norm read back, and the loss
                norms = [p.grad.norm().item() for p in self.model.parameters() if p.grad is not None]
                assert all(n == n for n in norms) and loss.item() == loss.item()
            else:
                loss.item()
            added += time.perf_counter() - t1
            self.opt.step()
        self.opt.zero_grad()
        self.added.append(added)
        return time.perf_counter() - t0


def transformer(rounds: int, warmup: int) -> dict:
    g = torch.Generator().manual_seed(1)
    data = [
        {"input_ids": torch.randint(0, 8000, (8, 64), generator=g), "labels": torch.randint(0, 2, (8,), generator=g)}
        for _ in range(8)
    ]
    names = ["bare", *(f"monitor:{p}" for p in POLICIES), "monitor:skip+clip", "naive_item"]
    with tempfile.TemporaryDirectory() as tmp:
        variants = [Variant(n, Path(tmp)) for n in names]
        ratios: dict = {n: [] for n in names}
        for i in range(warmup + rounds):
            order = variants[i % len(variants) :] + variants[: i % len(variants)]
            took = {v.name: v.step(data[i % len(data)]) for v in order}
            if i >= warmup:
                for v in variants:
                    v.times.append(took[v.name])
                    ratios[v.name].append(took[v.name] / took["bare"])
        for v in variants:
            if v.monitor is not None:
                v.monitor.close()
    bare = statistics.median(variants[0].times)
    base = statistics.median(variants[0].added[warmup:])  # the bare loop's own loss.item()
    rows = []
    for v in variants:
        added = statistics.median(v.added[warmup:]) - base
        rows.append(
            {
                "variant": v.name,
                "median_step_ms": 1e3 * statistics.median(v.times),
                "added_ms": 1e3 * added,
                "overhead_pct": 100 * added / bare,
                "whole_step_ratio_pct": 100 * (statistics.median(ratios[v.name]) - 1),
            }
        )
    params = sum(p.numel() for p in variants[0].model.parameters())
    return {
        "model": "BertForSequenceClassification (4 layers, hidden 256, vocab 8000)",
        "params": params,
        "batch": "8 x 64 tokens",
        "rounds": rounds,
        "bare_step_ms": 1e3 * bare,
        "rows": rows,
    }


# The log --------------------------------------------------------------------------------------------------------
def log_behaviour(steps: int) -> dict:
    """How often the log reaches the disk in a healthy run and with one skipped step, and its size."""
    model, opt = mlp()
    x, y = torch.randn(64, 128), torch.randint(0, 10, (64,))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "live.jsonl"
        monitor = trainmedic.Monitor(model, opt, policy="skip", log_path=str(path), announce=False)
        flushes = []
        real = monitor.log.flush

        def counted():
            flushes.append(monitor.step_count)
            real()

        monitor.log.flush = counted
        for i in range(steps):
            xb = x.clone()
            if i == steps // 2:
                xb[0, 0] = float("nan")
            loss = torch.nn.functional.cross_entropy(model(xb), y)
            loss.backward()
            monitor.step(loss, (xb, y))
            opt.zero_grad()
        on_disk = path.stat().st_size
        monitor.close()
        size = path.stat().st_size
    gaps = [b - a for a, b in zip(flushes, flushes[1:])]
    return {
        "flush_records": records.FLUSH_RECORDS,
        "flush_seconds": records.FLUSH_SECONDS,
        "steps": steps,
        "flushes": len(flushes),
        "largest_gap_steps": max(gaps) if gaps else 0,
        "flushed_at_skip": steps // 2 + 1 in flushes,
        "bytes_per_step": size / steps,
        "on_disk_before_close": on_disk,
        "at_close": size,
    }


def main(argv: list | None = None) -> int:
    """Run every live study; write results/live_overhead.{json,md} (and the studies' own files)."""
    from . import live_callbacks, live_detectors, live_memory
    from .live_render import render

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer pairs, rounds, points and steps")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: steady timings on a shared machine)")
    ap.add_argument("--rounds", type=int, default=None, help="transformer rounds (default 20, 8 with --quick)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    pairs, reps = (800, 2) if args.quick else (2500, 3)
    rounds = args.rounds or (8 if args.quick else 20)
    out = {"machine": machine(), "mlp": [], "parts": [], "transformer": None, "log": None}
    with tempfile.TemporaryDirectory() as tmp:
        for policy in POLICIES:
            out["mlp"].append(mlp_cost(policy, None, pairs, reps))
        out["mlp"].append(mlp_cost("skip", str(Path(tmp) / "live.jsonl"), pairs, reps))
    out["parts"] = parts_of_step(pairs, reps)
    out["transformer"] = transformer(rounds, warmup=3)
    out["callbacks"] = live_callbacks.main(["--steps", "300" if args.quick else "600"])
    out["detectors"] = live_detectors.measure(100_000 if args.quick else 1_000_000)
    steps = ["10000", "100000"] + ([] if args.quick else ["1000000"])
    live_memory.main(["--steps", *steps] + (["--extrapolate", "0"] if args.quick else []))
    out["memory"] = json.loads((HERE / "results" / "live_memory.json").read_text())
    out["log"] = log_behaviour(3000)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "live_overhead.json").write_text(json.dumps(out, indent=2) + "\n")
    text = render(out)
    (HERE / "results" / "live_overhead.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
