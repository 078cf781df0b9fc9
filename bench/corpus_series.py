"""``python -m bench corpus-series``: what the readers extract from each real run in ``shared/realworld``.

For every case: each input with its format and kind, the notes the readers left, and each series with its label,
point count, axis and range, so that it can be checked against the file by eye. Prints text; ``--json`` for a
machine-readable copy. Nothing is diagnosed here: this is the readers' view only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from trainmedic.errors import InputError
from trainmedic.readers import load_run

from .accuracy import SHARED


def _range(values) -> str:
    finite = [float(v) for v in values if math.isfinite(v)]
    return f"{finite[0]:.4g}..{finite[-1]:.4g}" if finite else "-"


def case_series(case: Path) -> dict:
    """The readers' view of one case folder (every file in it but ``truth.json``)."""
    files = sorted(p for p in case.iterdir() if p.name != "truth.json")
    try:
        run = load_run(files)
    except InputError as exc:
        return {"case": case.name, "unreadable": str(exc)}
    return {
        "case": case.name,
        "inputs": [
            {
                "path": Path(s.path).name,
                "format": s.format,
                "kind": s.role.value,
                "points": s.points,
                "notes": [n.render("en") if hasattr(n, "render") else str(n) for n in s.notes],
            }
            for s in run.sources
        ],
        "series": [
            {
                "name": s.name,
                "label": s.label,
                "points": len(s),
                "axis": s.axis,
                "x": _range(s.x),
                "values": _range(s.values),
                "nonfinite": int((~s.finite()).sum()),
            }
            for s in run.series.values()
        ],
        "config": {k: v.value for k, v in run.config.items()},
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench corpus-series", description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared folder holding realworld/")
    ap.add_argument("--json", action="store_true", help="print JSON instead of text")
    ap.add_argument("cases", nargs="*", help="only the cases whose folder name contains one of these")
    args = ap.parse_args(argv)
    root = args.shared / "realworld"
    if not root.is_dir():
        print(f"no corpus at {root}", file=sys.stderr)
        return 2
    cases = sorted(p.parent for p in root.glob("*/truth.json"))
    if args.cases:
        cases = [c for c in cases if any(sel in c.name for sel in args.cases)]
    views = [case_series(c) for c in cases]
    if args.json:
        print(json.dumps(views, indent=1))
        return 0
    for v in views:
        print(f"== {v['case']}")
        if "unreadable" in v:
            print(f"   UNREADABLE: {v['unreadable']}")
            continue
        for i in v["inputs"]:
            print(f"   input {i['path']}: {i['format']} ({i['kind']}), {i['points']} points")
            for n in i["notes"]:
                print(f"      note: {n}")
        for s in v["series"]:
            nf = f", {s['nonfinite']} non-finite" if s["nonfinite"] else ""
            print(
                f"   {s['name']:<28} {s['label'][:24]:<24} {s['points']:>5} pts  {s['axis']:<5} "
                f"x={s['x']:<20} v={s['values']}{nf}"
            )
        if v["config"]:
            print(f"   config: {v['config']}")
    unreadable = sum(1 for v in views if "unreadable" in v)
    print(f"\n{len(views) - unreadable}/{len(views)} cases read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
