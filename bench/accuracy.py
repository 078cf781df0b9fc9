"""Accuracy of ``trainmedic.diagnose`` on the zoo and on the acceptance cases.

``python -m bench.accuracy [--zoo DIR] [--regenerate]`` diagnoses every zoo run (generating missing ones) against its
``truth.json`` and writes ``bench/results/accuracy.json`` and ``accuracy.md``: recall and precision per symptom and
per cause, first-bad-step error, false alarms on healthy runs, and the acceptance pass count computed by the
acceptance suite's own ``check.py`` (imported from the ``shared`` folder beside the repository).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SHARED = ROOT.parent / "shared"
ALARM = ("warning", "error")


def load_check_module(acceptance_dir: Path):
    """The acceptance suite's ``check.py``, imported from its path (not copied)."""
    spec = importlib.util.spec_from_file_location("acceptance_check", acceptance_dir / "check.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def zoo_runs(zoo_dir: Path) -> list:
    """Every run folder under the zoo with a truth.json."""
    return sorted(p.parent for p in zoo_dir.glob("*/truth.json"))


def diagnose_dict(paths: list) -> tuple:
    """(report dict or None, error text or None, seconds)."""
    import trainmedic

    t0 = time.perf_counter()
    try:
        rep = trainmedic.diagnose(*[str(p) for p in paths]).to_dict()
        return rep, None, time.perf_counter() - t0
    except Exception as exc:  # the bench records failures; it must see all of them
        return None, f"{type(exc).__name__}: {exc}"[:300], time.perf_counter() - t0


# Symptoms that follow from a failure once it happened: a run that went NaN and kept training wasted the compute
# after it, its metrics collapsed and its gradient norm ran away on the way. Reporting them is right, but the truth
# files name the primary symptom only; these are neither counted as hits nor as false alarms.
CONSEQUENCES = {
    "nonfinite": {"wasted_compute", "metric_collapse", "gradient_explosion", "divergence"},
    "divergence": {"wasted_compute", "metric_collapse", "gradient_explosion", "nonfinite"},
    "crash": {"wasted_compute"},
    "stuck_at_chance": {"plateau"},
    "plateau": {"stuck_at_chance"},
}


def judge(truth: dict, rep: dict) -> dict:
    """Compare one report with one truth.json."""
    alarms = [f for f in rep.get("findings", []) if f.get("severity") in ALARM]
    found = sorted({f.get("symptom") for f in alarms})
    top = [d.get("cause") for d in rep.get("diagnoses", [])[:3]]
    want = set(truth.get("symptoms") or [])
    ok_extra = want | set(truth.get("also_symptoms") or [])
    for s in want:  # what a failure of this kind goes on to cause is neither a hit nor a false alarm
        ok_extra |= CONSEQUENCES.get(s, set())
    bad = truth.get("first_bad") or {}
    step_err = None
    if "step" in bad and bad["step"] is not None:
        errs = [
            abs(float(f["at"]["step"]) - float(bad["step"]))
            for f in alarms
            if f.get("symptom") in want and (f.get("at") or {}).get("step") is not None
        ]
        step_err = min(errs) if errs else None
    return {
        "found": found,
        "missed": sorted(want - set(found)),
        "extra": sorted(set(found) - ok_extra),
        "top_causes": top,
        "cause_top1": (top[0] if top else None) == truth.get("cause"),
        "cause_top3": truth.get("cause") in top,
        "step_error": step_err,
        "alarms": len(alarms),
        "verdict": rep.get("verdict"),
    }


def rates(runs: list) -> dict:
    """Recall and precision per symptom and per cause over the judged runs."""
    sym = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0})
    cause = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0})
    for r in runs:
        t, j = r["truth"], r.get("judge")
        if j is None:
            for s in t.get("symptoms") or []:
                sym[s]["fn"] += 1
            if t.get("cause"):
                cause[t["cause"]]["fn"] += 1
            continue
        for s in t.get("symptoms") or []:
            sym[s]["tp" if s in j["found"] else "fn"] += 1
        for s in j["extra"]:
            sym[s]["fp"] += 1
        if t.get("cause"):
            cause[t["cause"]]["tp" if j["cause_top3"] else "fn"] += 1
        top1 = j["top_causes"][0] if j["top_causes"] else None
        if top1 and top1 != t.get("cause") and top1 not in (t.get("also_acceptable") or []) and top1 != "unknown":
            cause[top1]["fp"] += 1

    def table(d):
        return {
            k: dict(
                v,
                recall=v["tp"] / (v["tp"] + v["fn"]) if v["tp"] + v["fn"] else None,
                precision=v["tp"] / (v["tp"] + v["fp"]) if v["tp"] + v["fp"] else None,
            )
            for k, v in sorted(d.items())
        }

    return {"symptoms": table(sym), "causes": table(cause)}


def acceptance(shared: Path) -> dict:
    """Pass count of the acceptance cases, with each case's failures, using check.py's own logic."""
    acc_dir = shared / "acceptance"
    if not (acc_dir / "check.py").exists():
        return {"available": False}
    check = load_check_module(acc_dir)
    cases = sorted(p for p in acc_dir.iterdir() if p.is_dir() and (p / "expected.json").exists())
    out = {}
    for c in cases:
        try:
            out[c.name] = check.check_case(str(c))
        except Exception as exc:
            out[c.name] = [f"check crashed: {exc}"]
    return {"available": True, "passed": sum(1 for f in out.values() if not f), "total": len(cases), "cases": out}


def realworld(shared: Path) -> Optional[dict]:
    """The real-run corpus beside the checkout, scored by :mod:`bench.corpus` (None when it is absent)."""
    from .corpus import score

    root = shared / "realworld"
    return score(root) if root.exists() else None


def run(zoo_dir: Path, regenerate: bool = False, shared: Path = SHARED) -> dict:
    """Everything: generate what is missing, diagnose, judge, aggregate."""
    sys.path.insert(0, str(ROOT))
    from zoo.make import generate, scenario_names

    missing = [n for n in scenario_names() if regenerate or not (zoo_dir / n / "truth.json").exists()]
    if missing:
        generate(missing, zoo_dir)
    runs = []
    for d in zoo_runs(zoo_dir):
        truth = json.loads((d / "truth.json").read_text())
        rep, err, secs = diagnose_dict([d / p for p in truth.get("inputs", ["."])])
        runs.append(
            {
                "run": d.name,
                "truth": truth,
                "error": err,
                "seconds": round(secs, 3),
                "judge": judge(truth, rep) if rep else None,
            }
        )
    healthy = [r for r in runs if r["truth"].get("healthy")]
    faulty = [r for r in runs if not r["truth"].get("healthy")]
    step_errs = [r["judge"]["step_error"] for r in faulty if r["judge"] and r["judge"]["step_error"] is not None]
    return {
        "zoo_runs": len(runs),
        "errors": sum(1 for r in runs if r["error"]),
        "rates": rates(faulty),
        "first_bad_step_error": {
            "n": len(step_errs),
            "median": sorted(step_errs)[len(step_errs) // 2] if step_errs else None,
            "max": max(step_errs) if step_errs else None,
        },
        "healthy_false_alarms": {
            "runs": len(healthy),
            "runs_with_alarm": sum(1 for r in healthy if r["judge"] is None or r["judge"]["alarms"]),
            "alarms": sum(r["judge"]["alarms"] for r in healthy if r["judge"]),
        },
        "acceptance": acceptance(shared),
        "realworld": realworld(shared),
        "runs": [
            {k: v for k, v in r.items() if k != "truth"}
            | {"cause": r["truth"].get("cause"), "symptoms": r["truth"].get("symptoms")}
            for r in runs
        ],
    }


def markdown(res: dict) -> str:
    """The result as the Markdown table the README links."""

    def pct(v):
        return "–" if v is None else f"{100 * v:.0f}%"

    acc = res["acceptance"]
    lines = [
        "# Diagnosis accuracy",
        "",
        f"Zoo runs: {res['zoo_runs']} ({res['errors']} could not be diagnosed). "
        f"Acceptance: {acc.get('passed', '–')}/{acc.get('total', '–')} cases pass. "
        f"Healthy runs with a warning/error finding: {res['healthy_false_alarms']['runs_with_alarm']}/"
        f"{res['healthy_false_alarms']['runs']}. First-bad-step error (median/max steps): "
        f"{res['first_bad_step_error']['median']}/{res['first_bad_step_error']['max']} "
        f"over {res['first_bad_step_error']['n']} runs.",
        "",
        "Symptoms that follow from a run's primary failure (e.g. wasted compute or a metric collapse after a "
        "NaN) are neither hits nor false alarms; `CONSEQUENCES` in bench/accuracy.py lists them.",
        "",
        "| symptom | recall | precision | tp | fn | fp |",
        "|---|---|---|---|---|---|",
    ]
    for k, v in res["rates"]["symptoms"].items():
        lines.append(f"| {k} | {pct(v['recall'])} | {pct(v['precision'])} | {v['tp']} | {v['fn']} | {v['fp']} |")
    lines += ["", "| cause (in top 3) | recall | precision (top 1) | tp | fn | fp |", "|---|---|---|---|---|---|"]
    for k, v in res["rates"]["causes"].items():
        lines.append(f"| {k} | {pct(v['recall'])} | {pct(v['precision'])} | {v['tp']} | {v['fn']} | {v['fp']} |")
    lines += ["", "| run | cause | found symptoms | top causes | step error | error |", "|---|---|---|---|---|---|"]
    for r in res["runs"]:
        j = r["judge"] or {}
        lines.append(
            f"| {r['run']} | {r['cause'] or 'healthy'} | {', '.join(j.get('found', []))} | "
            f"{', '.join(c or '' for c in j.get('top_causes', []))} | {j.get('step_error', '')} | "
            f"{(r['error'] or '')[:80]} |"
        )
    if acc.get("available"):
        lines += ["", "| acceptance case | result |", "|---|---|"]
        lines += [f"| {k} | {'pass' if not v else '; '.join(v)[:200]} |" for k, v in acc["cases"].items()]
    if res["realworld"]:
        from .corpus import markdown as corpus_markdown

        lines += ["", corpus_markdown(res["realworld"])]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, default=ROOT / "zoo" / "artifacts")
    ap.add_argument("--regenerate", action="store_true", help="rerun every zoo scenario first")
    args = ap.parse_args(argv)
    try:
        res = run(args.zoo, args.regenerate)
    except Exception:
        traceback.print_exc()
        return 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "accuracy.json").write_text(json.dumps(res, indent=2, default=str) + "\n")
    (RESULTS / "accuracy.md").write_text(markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
