"""Accuracy on real runs: every folder with a ``truth.json`` under a corpus root (``../shared/realworld`` when present).

Each case is copied without its truth file into a neutral temporary folder (no name hints at the answer) and
diagnosed with every file in it, as a user would pass them. Measured: symptom accuracy (a faulty case counts when its
true symptom is among the warning/error findings, a healthy case when the verdict is healthy), per-symptom precision
and recall, false alarms on healthy runs, unreadable cases, the onset error of caught faults in logging intervals,
and confirmed causes (``cause_id``) among the top three diagnoses.

``python -m bench corpus [ROOT]`` prints the table and writes ``bench/results/corpus.json`` and ``corpus.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_CORPUS = ROOT.parent / "shared" / "realworld"
ALARM = ("warning", "error")


def _interval(series_x: list) -> Optional[float]:
    xs = sorted({float(x) for x in series_x if x is not None and math.isfinite(float(x))})
    if len(xs) < 2:
        return None
    gaps = sorted(b - a for a, b in zip(xs, xs[1:]) if b > a)
    return gaps[len(gaps) // 2] if gaps else None


def onset_error(truth_at: Optional[float], finding: dict, report: dict) -> Optional[float]:
    """How far the finding starts from the labelled onset, in logging intervals of its series (None if unknown)."""
    if truth_at is None:
        return None
    at = finding.get("at") or {}
    best = None
    for axis in ("step", "epoch", "index"):
        v = at.get(axis)
        if v is None:
            continue
        v = float(v) + (1 if axis == "index" else 0)  # labels count lines from 1
        xs = [
            e.get(axis)
            for f in report.get("findings", [])
            if f.get("series") == finding.get("series")
            for e in f.get("evidence", [])
        ]
        interval = _interval(xs) or 1.0
        err = abs(v - float(truth_at)) / interval
        best = err if best is None else min(best, err)
    return best


def diagnose_case(case: Path, tmp: Path) -> tuple:
    """(report dict or None, error or None): the case's files diagnosed from a neutral folder."""
    import trainmedic

    dst = tmp / "run"
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(case, dst, ignore=shutil.ignore_patterns("truth.json"))
    files = sorted(str(p) for p in dst.iterdir())
    try:
        return trainmedic.diagnose(*files).to_dict(), None
    except Exception as exc:  # the bench records every failure
        return None, f"{type(exc).__name__}: {exc}"[:300]


def score(root: Path = DEFAULT_CORPUS) -> dict:
    """Diagnose every case under ``root`` and aggregate (see the module docstring)."""
    cases = sorted(p.parent for p in root.glob("**/truth.json"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="tm-corpus-") as tmp:
        for case in cases:
            truth = json.loads((case / "truth.json").read_text(encoding="utf-8"))
            rep, err = diagnose_case(case, Path(tmp))
            want = truth.get("symptom")
            row = {"case": case.name, "truth": want, "cause_id": truth.get("cause_id"), "error": err}
            if rep is not None:
                alarms = [f for f in rep.get("findings", []) if f.get("severity") in ALARM]
                found = sorted({f["symptom"] for f in alarms})
                row.update(
                    found=found,
                    verdict=rep.get("verdict"),
                    top_causes=[d["cause"] for d in rep.get("diagnoses", [])[:3]],
                    correct=(rep.get("verdict") == "healthy") if want == "healthy" else (want in found),
                )
                hits = [f for f in alarms if f["symptom"] == want]
                errs = [
                    e
                    for e in (onset_error(truth.get("first_bad_step_or_epoch"), f, rep) for f in hits)
                    if e is not None
                ]
                row["onset_intervals"] = min(errs) if errs else None
            else:
                row.update(found=[], verdict=None, top_causes=[], correct=False, onset_intervals=None)
            rows.append(row)
    return aggregate(rows)


def aggregate(rows: list) -> dict:
    healthy = [r for r in rows if r["truth"] == "healthy"]
    faulty = [r for r in rows if r["truth"] != "healthy"]
    per = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0})
    for r in rows:
        if r["truth"] != "healthy":
            per[r["truth"]]["tp" if r["truth"] in r["found"] else "fn"] += 1
        for s in r["found"]:
            if s != r["truth"]:
                per[s]["fp"] += 1
    caught = [r for r in faulty if r["correct"]]
    timed = [r for r in caught if r["onset_intervals"] is not None]
    confirmed = [r for r in faulty if r["cause_id"]]
    return {
        "cases": len(rows),
        "unreadable": sum(1 for r in rows if r["verdict"] is None),
        "symptom_accuracy": sum(r["correct"] for r in rows) / max(1, len(rows)),
        "faults_caught": len(caught),
        "faults": len(faulty),
        "healthy_false_alarms": sum(1 for r in healthy if not r["correct"]),
        "healthy": len(healthy),
        "onset_within_one_interval": sum(1 for r in timed if r["onset_intervals"] <= 1.0),
        "onset_timed": len(timed),
        "confirmed_causes_top3": sum(1 for r in confirmed if r["cause_id"] in r["top_causes"]),
        "confirmed_causes": len(confirmed),
        "per_symptom": {
            k: dict(
                v,
                recall=v["tp"] / (v["tp"] + v["fn"]) if v["tp"] + v["fn"] else None,
                precision=v["tp"] / (v["tp"] + v["fp"]) if v["tp"] + v["fp"] else None,
            )
            for k, v in sorted(per.items())
        },
        "rows": rows,
    }


def markdown(res: dict) -> str:
    def pct(v):
        return "–" if v is None else f"{100 * v:.0f}%"

    lines = [
        "# Accuracy on real runs",
        "",
        f"{res['cases']} cases, {res['unreadable']} unreadable. Symptom accuracy **{res['symptom_accuracy']:.2f}**; "
        f"faults caught {res['faults_caught']}/{res['faults']}; healthy runs with a false alarm "
        f"{res['healthy_false_alarms']}/{res['healthy']}; onset within one logging interval "
        f"{res['onset_within_one_interval']}/{res['onset_timed']} of the caught faults with a labelled onset; "
        f"confirmed causes in the top three {res['confirmed_causes_top3']}/{res['confirmed_causes']}.",
        "",
        "| symptom | recall | precision | tp | fn | fp |",
        "|---|---|---|---|---|---|",
    ]
    for k, v in res["per_symptom"].items():
        lines.append(f"| {k} | {pct(v['recall'])} | {pct(v['precision'])} | {v['tp']} | {v['fn']} | {v['fp']} |")
    lines += [
        "",
        "| case | truth | found (warning/error) | onset error (intervals) | top causes | |",
        "|---|---|---|---|---|---|",
    ]
    for r in res["rows"]:
        onset = "" if r.get("onset_intervals") is None else f"{r['onset_intervals']:.1f}"
        lines.append(
            f"| {r['case']} | {r['truth']} | {', '.join(r['found']) or (r['error'] or '')[:60]} | {onset} | "
            f"{', '.join(r['top_causes'])} | {'ok' if r['correct'] else 'WRONG'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench corpus", description=__doc__.splitlines()[0])
    ap.add_argument("root", nargs="?", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args(argv)
    if not args.root.exists():
        print(f"no corpus at {args.root}")
        return 0
    res = score(args.root)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "corpus.json").write_text(json.dumps(res, indent=2, default=str) + "\n")
    (RESULTS / "corpus.md").write_text(markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
