"""The live guard's bench results as Markdown (bench/results/live_overhead.md): one section per study."""

from __future__ import annotations

from .live_detectors import render as detectors_table


def render(out: dict) -> str:
    """Every section of :func:`bench.live_overhead.main`'s results."""
    m = out["machine"]
    lines = [
        f"Live guard cost per step: {m['cores']}-core {m['cpu']} CPU, no GPU, torch {m['torch']} "
        f"({m['torch_threads']} thread), shared with other work.",
        "",
    ]
    lines += _mlp(out) + _parts(out) + _transformer(out["transformer"]) + _callbacks(out.get("callbacks"))
    lines += _memory(out.get("memory") or [])
    if out.get("detectors"):
        lines += [detectors_table(out["detectors"])]
    lines += _log(out["log"])
    return "\n".join(lines) + "\n"


def _mlp(out: dict) -> list:
    bare = out["mlp"][0]["bare_step_us"]
    lines = [
        f"Small MLP (~100k parameters, Adam; bare step {bare:.0f} us with `loss.item()`, which alone takes "
        f"{out['mlp'][0]['item_us']:.1f} us): fixed cost = median of (guarded - bare) over alternating pairs.",
        "",
        "| policy | log | fixed cost per step (us) | per repetition | % of the step |",
        "|---|---|---:|---|---:|",
    ]
    for r in out["mlp"]:
        lines.append(
            f"| {r['policy']} | {'JSONL' if r['log'] else '-'} | {r['fixed_us']:.1f} | "
            f"{', '.join(str(x) for x in r['reps_us'])} | {100 * r['fixed_us'] / r['bare_step_us']:.1f}% |"
        )
    return lines + [""]


def _parts(out: dict) -> list:
    if not out.get("parts"):
        return []
    parts = {r["part"]: r["fixed_us"] for r in out["parts"]}
    whole, norm, meas = parts["guard"], parts["norm"], parts["measure"]
    return [
        "Where the MLP's microseconds go (policy skip; the same pairs with only part of the guard, one repetition "
        "of each part in turn):",
        "",
        "| part | us per step |",
        "|---|---:|",
        f"| reading every gradient once: one fused norm (`torch._foreach_norm`, 6 tensors, 396 KiB) and 7 "
        f"reads | {norm:.1f} |",
        f"| the rest of the measurement (stale-gradient probe, gradient list, host norm) | {meas - norm:.1f} |",
        f"| judgement and records (decision, step row, streaming detectors' quiet-step check, history, result, "
        f"applying the step) | {whole - meas:.1f} |",
        f"| **whole guarded step** | **{whole:.1f}** |",
        "",
        "The gradients are read back from memory after backward (396 KiB, out of the core's cache once the "
        "optimizer state is counted): that read alone is most of the cost on this CPU, and any guard that looks "
        "at every gradient pays it.",
        "",
    ]


def _transformer(t: dict) -> list:
    lines = [
        f"Transformer ({t['model']}, {t['params']:,} parameters, batch {t['batch']}, AdamW; bare step "
        f"{t['bare_step_ms']:.1f} ms, {t['rounds']} rounds): work added per step, timed around it, against the "
        "median bare step; the median whole-step ratio beside it (noisy at this size).",
        "",
        "| variant | added per step (ms) | % of a step | whole-step ratio |",
        "|---|---:|---:|---:|",
    ]
    for r in t["rows"][1:]:
        lines.append(
            f"| {r['variant']} | {r['added_ms']:.2f} | {r['overhead_pct']:+.2f}% | {r['whole_step_ratio_pct']:+.1f}% |"
        )
    return lines + [""]


def _callbacks(c: dict | None) -> list:
    if not c:
        return []
    return [
        f"Callbacks over the bare Monitor (the MLP, policy skip, {c['steps']} steps; median over steps of the "
        "time in the callback's events and wrappers minus the time in the Monitor; timers included, so an upper "
        f"bound; an empty timed call costs {c['timer_us']:.2f} us):",
        "",
        "| callback | events a step | extra us per step |",
        "|---|---:|---:|",
        f"| Hugging Face Trainer | {c['hf_events']:g} | {c['hf_us']:.1f} |",
        f"| Lightning | {c['lightning_events']:g} | {c['lightning_us']:.1f} |",
        "",
    ]


def _memory(rows: list) -> list:
    if not rows:
        return []
    lines = [
        "Memory of the Monitor's record (Run builder with bounded histories and the streaming detectors; peak "
        "traced allocations, bench/live_memory.py):",
        "",
        "| steps | peak (MB) | recording (us/step) |",
        "|---:|---:|---:|",
    ]
    measured = max((r["peak_mb"] for r in rows if not r.get("extrapolated")), default=0.0)
    for r in rows:
        mark = ""
        if r.get("extrapolated"):
            flat = r["peak_mb"] <= measured
            mark = " (extrapolated: " + ("flat, the record is bounded)" if flat else "the last growth carried on)")
        lines.append(f"| {r['steps']:,}{mark} | {r['peak_mb']:.2f} | {r['us_per_step']:.1f} |")
    return lines + [""]


def _log(lg: dict) -> list:
    return [
        f"Log: flushed at every guard action and every {lg['flush_records']} step records or "
        f"{lg['flush_seconds']:g} s; over {lg['steps']} steps with one skipped step: {lg['flushes']} flushes, "
        f"at most {lg['largest_gap_steps']} steps apart, the skipped step flushed at once: "
        f"{'yes' if lg['flushed_at_skip'] else 'no'}; {lg['bytes_per_step']:.0f} bytes a step. A crash "
        f"loses at most {lg['flush_records'] - 1} healthy step records, never an action."
    ]
