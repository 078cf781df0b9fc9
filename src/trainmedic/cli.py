"""Command line: ``trainmedic diagnose|compare|checkpoints|watch|rules|explain``.

Exit codes: 0 nothing at or above ``--fail-on``; 1 something was; 2 the input could not be read (one line on
stderr, no traceback). An internal bug still shows its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional

from .errors import InputError, MissingExtra, missing_extra

FORMATS = ("text", "md", "json", "html")


def _add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    p.add_argument("--out", metavar="FILE", help="write the report to FILE instead of standard output")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="report language (default: en)")


def _add_rule_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--select",
        metavar="CODES",
        action="append",
        help="run only these rules (codes or prefixes, comma-separated: TM1,TM402)",
    )
    p.add_argument(
        "--ignore", metavar="CODES", action="append", help="do not run these rules (codes or prefixes, comma-separated)"
    )
    p.add_argument(
        "--config",
        metavar="FILE",
        help="settings file (default: the nearest trainmedic.toml or pyproject.toml [tool.trainmedic])",
    )


def _codes(values: Optional[list]) -> Optional[list]:
    if not values:
        return None
    return [c for v in values for c in v.replace(",", " ").split() if c]


def build_parser() -> argparse.ArgumentParser:
    """The command line: `diagnose`, `compare`, `checkpoints`, `watch`, `rules`, `explain` and their options."""
    parser = argparse.ArgumentParser(prog="trainmedic", description="Diagnose failing deep-learning training runs.")
    parser.add_argument("--version", action="version", version=f"trainmedic {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("diagnose", help="diagnose a run from its artifacts (logs, metric files, checkpoints, scripts)")
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help="run directory, log/metrics file, or launch/training script"
    )
    _add_output_options(p)
    p.add_argument(
        "--fail-on",
        choices=("warning", "error"),
        default="error",
        help="exit 1 when a finding at or above this severity exists (default: error)",
    )
    _add_rule_options(p)

    p = sub.add_parser("compare", help="compare two runs: configs, where the curves part, what the difference explains")
    p.add_argument("run_a", metavar="RUN_A")
    p.add_argument("run_b", metavar="RUN_B")
    _add_output_options(p)

    p = sub.add_parser("checkpoints", help="triage checkpoints without executing pickled code")
    p.add_argument("directory", metavar="DIR")
    _add_output_options(p)

    p = sub.add_parser("watch", help="follow a run that is writing its logs and report new findings as they appear")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--on-alert", metavar="CMD", help="shell command to run on each new warning or error finding")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between checks (default: 0.5)")
    p.add_argument(
        "--idle-timeout",
        type=float,
        default=None,
        help="exit after this many seconds without new data (default: wait for the run to end)",
    )
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    p.add_argument("--fail-on", choices=("warning", "error"), default="error")

    p = sub.add_parser("rules", help="list the rules and checks")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    p.add_argument(
        "--format",
        choices=("text", "md"),
        default="text",
        help="text: a table for the terminal; md: the documentation page (docs/rules.md)",
    )
    p = sub.add_parser("explain", help="explain one rule or check")
    p.add_argument("code", metavar="CODE")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    return parser


def _version() -> str:
    from .version import __version__

    return __version__


def emit(report, args) -> None:
    """Render a report in the chosen format to stdout or ``--out``."""
    fmt = args.format
    if fmt == "json":
        text = report.to_json(args.lang)
    elif fmt == "md":
        text = report.to_markdown(args.lang)
    elif fmt == "html":
        text = report.to_html(args.lang)
    else:
        if args.out:
            text = report.to_text(args.lang, color=False)
        else:
            from rich.console import Console

            console = Console()
            console.print(report.replace(lang=args.lang))
            return
    if args.out:
        try:
            with open(args.out, "w", encoding="utf-8") as fh:
                fh.write(text)
                if not text.endswith("\n"):
                    fh.write("\n")
        except OSError as exc:
            raise InputError(args.out, f"cannot write the report ({exc.strerror or exc})") from None
    else:
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")


def cmd_diagnose(args) -> int:
    """`trainmedic diagnose`: the report of the run in ``args.paths``; exit 1 when something at or above
    ``--fail-on`` was found."""
    from . import engine
    from .settings import Settings

    settings = Settings.load(args.config) if args.config else None
    report = engine.diagnose(
        *args.paths, lang=args.lang, settings=settings, select=_codes(args.select), ignore=_codes(args.ignore)
    )
    emit(report, args)
    return 1 if report.fails_on(args.fail_on) else 0


def cmd_compare(args) -> int:
    """`trainmedic compare`: two runs' configs side by side and where their curves part."""
    from .compare import compare

    report = compare(args.run_a, args.run_b, lang=args.lang)
    emit(report, args)
    return 0


def cmd_checkpoints(args) -> int:
    """`trainmedic checkpoints`: which checkpoint is the last healthy one; exit 2 when none could be judged."""
    from .checkpoints import triage

    report = triage(args.directory, lang=args.lang)
    emit(report, args)
    if report.verdict == "unknown":  # nothing could be judged: not a pass
        from .report.model import text_of

        sys.stderr.write(f"trainmedic: {args.directory}: {text_of(report.conclusion, args.lang)}\n")
        return 2
    return 1 if report.fails_on("error") else 0


def cmd_watch(args) -> int:
    """`trainmedic watch`: follow a run that is writing its logs and alert on what the rules find."""
    from .live.watch import watch

    return watch(
        args.path,
        on_alert=args.on_alert,
        interval=args.interval,
        idle_timeout=args.idle_timeout,
        lang=args.lang,
        fail_on=args.fail_on,
    )


def cmd_rules(args) -> int:
    """`trainmedic rules`: every rule and check, as a table or (``--format md``) as the rules page."""
    from .rules.docs import list_checks, list_rules, markdown

    lang = getattr(args, "lang", "en")
    if getattr(args, "format", "text") == "md":
        sys.stdout.write(markdown(lang))
    else:
        sys.stdout.write(list_rules(lang) + "\n" + list_checks(lang))
    return 0


def cmd_explain(args) -> int:
    """`trainmedic explain CODE`: what a rule or check detects, why it matters, an example and the fix."""
    from .rules.docs import explain

    text = explain(args.code, lang=args.lang)
    if text is None:
        raise InputError(args.code, "no such rule or check (see `trainmedic rules`)")
    sys.stdout.write(text)
    return 0


COMMANDS = {
    "diagnose": cmd_diagnose,
    "compare": cmd_compare,
    "checkpoints": cmd_checkpoints,
    "watch": cmd_watch,
    "rules": cmd_rules,
    "explain": cmd_explain,
}


def _one_blas_thread() -> None:
    """Start numpy's BLAS with one thread when this process has not imported numpy yet: a diagnosis multiplies no
    matrices, and a thread pool per core costs more CPU than numpy's whole import (40-50 ms on two cores)."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main(argv: Optional[list] = None) -> int:
    """Run the command line (``argv``, else the process's arguments); the exit code: 0, 1 (something found at
    or above ``--fail-on``) or 2 (an input that could not be read, a missing optional dependency)."""
    _one_blas_thread()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except ImportError as exc:
        extra = missing_extra(exc, _feature(args))
        if extra is None:
            raise  # an import that fails inside trainmedic itself is a bug: keep its traceback
        return _fail(extra, args)
    except InputError as exc:
        return _fail(exc, args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _feature(args) -> str:
    """What the user asked for, in their words, for a missing-dependency message."""
    fmt = getattr(args, "format", "text")
    return f"trainmedic {args.command}" + (f" --format {fmt}" if fmt not in ("text", None) else "")


def _fail(exc: InputError, args) -> int:
    """One line on stderr, exit 2: a missing optional dependency names the extra that installs it; control
    characters from a file name are shown, never acted on, so the line stays one line."""
    from .i18n import t
    from .report.escape import one_line

    if isinstance(exc, MissingExtra):
        text = t(
            "errors.missing_extra", getattr(args, "lang", "en"), feature=exc.feature, module=exc.module, extra=exc.extra
        )
    else:
        text = str(exc)
    sys.stderr.write(f"trainmedic: {one_line(text)}\n")
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
