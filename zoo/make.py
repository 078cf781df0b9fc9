"""Regenerate the zoo: ``python -m zoo.make [--only NAME ...] [--out DIR] [--seeds-all]``.

Every module in ``zoo/scenarios`` is a scenario with ``run(out_dir, seed) -> truth`` and ``SEEDS``. Artifacts go to
``<out>/<scenario>/`` for the first seed and ``<out>/<scenario>_seed<k>/`` for the others; a summary table is
printed and written to ``<out>/SUMMARY.json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
import traceback
from pathlib import Path

ZOO = Path(__file__).resolve().parent
DEFAULT_OUT = ZOO / "artifacts"


def scenario_names() -> list:
    """All scenario module names, sorted."""
    from . import scenarios

    return sorted(m.name for m in pkgutil.iter_modules(scenarios.__path__))


def load(name: str):
    """The scenario module ``name``."""
    return importlib.import_module(f"zoo.scenarios.{name}")


def run_dir(out: Path, name: str, seed: int, first_seed: int) -> Path:
    """Where one (scenario, seed) run is written."""
    return out / (name if seed == first_seed else f"{name}_seed{seed}")


def generate(names: list, out: Path, *, all_seeds: bool = True) -> list:
    """Run the scenarios; return one summary row per run (failures are reported, not raised)."""
    rows = []
    for name in names:
        mod = load(name)
        seeds = list(getattr(mod, "SEEDS", (0,)))
        for seed in seeds if all_seeds else seeds[:1]:
            target = run_dir(out, name, seed, seeds[0])
            t0 = time.perf_counter()
            try:
                truth = mod.run(target, seed)
                status = "ok"
            except Exception:  # keep going: one broken scenario must not hide the others
                truth, status = {}, "error: " + traceback.format_exc(limit=3).strip().splitlines()[-1]
            rows.append(
                {
                    "scenario": name,
                    "seed": seed,
                    "dir": str(target),
                    "status": status,
                    "seconds": round(time.perf_counter() - t0, 1),
                    "healthy": truth.get("healthy"),
                    "symptoms": truth.get("symptoms"),
                    "cause": truth.get("cause"),
                    "first_bad": (truth.get("first_bad") or {}).get(
                        "step", (truth.get("first_bad") or {}).get("epoch")
                    ),
                    "injected": bool(truth.get("injected")),
                }
            )
            print(
                f"{name:28s} seed {seed}  {rows[-1]['seconds']:6.1f}s  {status}  "
                f"cause={rows[-1]['cause']} first_bad={rows[-1]['first_bad']}",
                file=sys.__stdout__,
                flush=True,
            )
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m zoo.make", description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", metavar="NAME", help="scenarios to run (default: all)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    ap.add_argument("--first-seed-only", action="store_true", help="one seed per scenario (faster)")
    args = ap.parse_args(argv)
    names = scenario_names()
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            ap.error(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(names)}")
        names = [n for n in names if n in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    rows = generate(names, args.out, all_seeds=not args.first_seed_only)
    summary = args.out / "SUMMARY.json"
    old = json.loads(summary.read_text()) if summary.exists() else []
    keep = [r for r in old if (r["scenario"], r["seed"]) not in {(x["scenario"], x["seed"]) for x in rows}]
    summary.write_text(json.dumps(keep + rows, indent=2) + "\n")
    bad = [r for r in rows if r["status"] != "ok"]
    print(f"{len(rows) - len(bad)}/{len(rows)} runs ok, {sum(r['seconds'] for r in rows):.0f}s; summary: {summary}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
