"""``python -m bench [STUDY ...]``: accuracy (zoo and real runs), speed against the floor of each format and
start-up, live overhead, TensorBoard reading, hostile text logs and the cost of a ``watch`` poll; writes
results/SUMMARY.md when every study runs.

``python -m bench speed`` runs one study (``startup`` is the start-up part of ``speed`` alone, in seconds;
``corpus`` is the real-run part of ``accuracy`` alone; ``corpus-series``
prints what the readers extract from each real run; ``scale`` and ``textlog``, the earlier timings inside a running
process against easier floors, run only when named); ``--quick`` keeps the speed study to 10^4 and 10^5 steps.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time

from . import accuracy, scale

RESULTS = accuracy.RESULTS


SUBCOMMANDS = {"corpus-series": "corpus_series"}
STUDIES = ("accuracy", "corpus", "speed", "startup", "scale", "live", "textlog", "tensorboard", "hostile-text", "watch")


def _one(study: str, args) -> int:
    """Run one study with its default arguments."""
    if study == "accuracy":
        return accuracy.main(["--regenerate"] if args.regenerate else [])
    if study == "corpus":
        from . import corpus

        return corpus.main([])
    if study == "speed":
        from . import speed

        return int(speed.main(["--quick"] if args.quick else []) or 0)
    if study == "startup":
        from . import startup

        return int(startup.main([]) or 0)
    if study == "scale":
        return scale.main(["--steps", "10000", "100000"] + ([] if args.quick else ["1000000"]))
    if study == "live":
        return int(importlib.import_module("bench.live_overhead").main(["--quick"] if args.quick else []) or 0)
    if study == "tensorboard":
        from . import tensorboard_speed

        return int(tensorboard_speed.main(["--steps", "10000", "100000"] + ([] if args.quick else ["1000000"])) or 0)
    if study == "watch":
        from . import watch_poll

        return int(watch_poll.main(["--steps", "1000", "10000"] if args.quick else []) or 0)
    if study == "hostile-text":
        from . import hostile_text

        return int(hostile_text.main(["--mb", "1", "10"]) or 0)  # 100 MB: python -m bench.hostile_text --big
    from . import textlog_speed

    return int(textlog_speed.main(["--mb", "10"] + ([] if args.quick else ["100"])) or 0)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in SUBCOMMANDS:
        return int(importlib.import_module(f"bench.{SUBCOMMANDS[argv[0]]}").main(argv[1:]) or 0)
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--regenerate", action="store_true", help="rerun every zoo scenario")
    ap.add_argument(
        "studies",
        nargs="*",
        choices=[[], *STUDIES],
        metavar="STUDY",
        help=f"studies to run ({', '.join(STUDIES)}; default: all)",
    )
    args = ap.parse_args(argv)
    if args.studies:
        status = 0
        for study in args.studies:
            status |= int(_one(study, args) or 0)
        return status
    t0 = time.perf_counter()
    parts = ["# Bench summary", "", f"Machine: {scale.machine()}", ""]
    status = 0
    status |= accuracy.main(["--regenerate"] if args.regenerate else [])
    parts.append((RESULTS / "accuracy.md").read_text() if (RESULTS / "accuracy.md").exists() else "accuracy: failed")
    status |= _one("speed", args)
    parts.append((RESULTS / "speed.md").read_text())
    try:
        live = importlib.import_module("bench.live_overhead")
    except ModuleNotFoundError:
        live = None
        parts.append("# Live overhead\n\nnot measured: bench/live_overhead.py is not present.\n")
    if live is not None:
        try:
            status |= int(live.main([]) or 0)
        except SystemExit as exc:  # a main() that exits instead of returning
            status |= int(exc.code or 0)
        md = RESULTS / "live_overhead.md"
        parts.append(md.read_text() if md.exists() else "# Live overhead\n\nsee bench/results/live_overhead.json\n")
    for study, md in (
        ("tensorboard", "tensorboard.md"),
        ("hostile-text", "hostile_text.md"),
        ("watch", "watch_poll.md"),
    ):
        status |= _one(study, args)
        parts.append((RESULTS / md).read_text())
    parts.append(f"\nTotal bench time: {time.perf_counter() - t0:.0f} s.\n")
    (RESULTS / "SUMMARY.md").write_text("\n".join(parts))
    print(json.dumps({"summary": str(RESULTS / "SUMMARY.md"), "status": status}))
    return status


if __name__ == "__main__":
    sys.exit(main())
