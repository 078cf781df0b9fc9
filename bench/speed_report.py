"""The tables of ``python -m bench speed`` (see :mod:`bench.speed`): figures per format and size, the ratio at each
size and its growth (the start-up rows are :mod:`bench.startup`'s)."""

from __future__ import annotations

TARGET_RATIO = 2.0  # reading within this factor of the floor
TARGET_BYTES_PER_BYTE = 1.5  # peak memory above start-up per input byte at 10^6 steps
# A marginal ratio needs the floor to grow by more than timing noise between the sizes compared.
MIN_FLOOR_GROWTH_S = 0.05


def _ratio(a: dict, b: dict) -> float:
    return a["cpu"] / b["cpu"] if "cpu" in a and "cpu" in b and b["cpu"] > 0 else float("nan")


def _mb(nbytes: int) -> str:
    return f"{nbytes / 1e6:.1f} MB" if nbytes >= 1e5 else f"{nbytes / 1e3:.0f} kB"


def _steps(n: int) -> str:
    exp = len(str(n)) - 1
    return f"10^{exp}" if n == 10**exp else f"{n:,}"


def reading_table(rows: list) -> list:
    """The reading rows as Markdown: figures per size, then the ratio at each size and its growth."""
    out = [
        "| input | steps | size | trainmedic | floor | floor time | ratio | marginal ratio | reading alone (ratio) | "
        "peak RSS | bytes per input byte |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    first: dict = {}
    for r in rows:
        tm, fl = r["trainmedic"], r["floor_run"]
        if "error" in tm or "error" in fl:
            out.append(
                f"| {r['format']} | {_steps(r['steps'])} | {_mb(r['bytes'])} | "
                f"error: {(tm.get('error') or fl.get('error'))[:80]} | | | | | | | |"
            )
            continue
        base = first.setdefault(r["format"], r)
        marginal = "–"
        if base is not r and fl["cpu"] > base["floor_run"]["cpu"] + MIN_FLOOR_GROWTH_S:
            marginal = f"{(tm['cpu'] - base['trainmedic']['cpu']) / (fl['cpu'] - base['floor_run']['cpu']):.2f}x"
        extra = (tm["rss_mb"] - (r["fixed_rss_mb"] or 0)) * 2**20 / r["bytes"]
        rd = r.get("read_only") or {}
        read = f"{rd['cpu']:.2f} s ({_ratio(rd, fl):.2f}x)" if "cpu" in rd else "–"
        out.append(
            f"| {r['format']} | {_steps(r['steps'])} | {_mb(r['bytes'])} | {tm['cpu']:.2f} s | {r['floor']} | "
            f"{fl['cpu']:.2f} s | {_ratio(tm, fl):.2f}x | {marginal} | {read} | {tm['rss_mb']:.0f} MB | "
            f"{max(extra, 0.0):.2f} |"
        )
    sizes = sorted({r["steps"] for r in rows})
    out += [
        "",
        "| input | " + " | ".join(f"ratio at {_steps(n)}" for n in sizes) + " | growth |",
        "|---|" + "---|" * (len(sizes) + 1),
    ]
    for fmt in dict.fromkeys(r["format"] for r in rows):
        by = {r["steps"]: _ratio(r["trainmedic"], r["floor_run"]) for r in rows if r["format"] == fmt}
        cells = [f"{by[n]:.2f}x" if by.get(n) == by.get(n) and n in by else "–" for n in sizes]
        growth = by.get(sizes[-1], float("nan")) / by.get(sizes[0], float("nan")) if len(sizes) > 1 else float("nan")
        out.append(f"| {fmt} | " + " | ".join(cells) + (f" | {growth:.2f}x |" if growth == growth else " | – |"))
    return out


def markdown(res: dict) -> str:
    """The results page."""
    lines = [
        "# Speed: trainmedic against the floor of each format",
        "",
        f"Machine: {res['machine']}; measured {res['measured_at']}, {res['repeat']} runs of each command "
        "(medians of CPU time, each trainmedic run alternating with its floor, each a fresh process).",
        "",
        f"Target: within {TARGET_RATIO:.0f}x of the floor; peak memory above start-up at most "
        f"{TARGET_BYTES_PER_BYTE} bytes per input byte. *Marginal ratio*: what each extra step costs trainmedic "
        "against the floor (times from the smallest size on), start-up left out. *Reading alone*: the readers "
        "without the rules (`load_run` in a fresh process). *Bytes per input byte*: "
        "(peak RSS - peak RSS of diagnosing a tiny file of the format) / file size.",
        "",
    ]
    if res.get("reading"):
        lines += reading_table(res["reading"]) + [""]
    return "\n".join(lines)
