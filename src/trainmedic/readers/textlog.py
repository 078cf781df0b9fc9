"""Free-form console logs (format ``text-log``): whatever a training script printed, in any encoding.

The file is streamed line by line (see :mod:`.encoding`) through :class:`~.textlog_parser.LogParser`; series are
kept in typed arrays, so a log of a gigabyte is read in bounded memory. Structured files (CSV with a header, JSON,
YAML, scripts) are left to their own readers.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from ..i18n import msg, t
from ..run import Run, SourceInfo
from . import Reader, encoding, register

# The parser (a dozen modules, some eighty patterns compiled when imported: a tenth of a diagnosis' start-up) is
# imported when a log is read or sniffed by its content, not when the readers register for a run of other files.

FORMAT = "text-log"
LOG_SUFFIXES = {".log", ".txt", ".out", ".err", ".stdout", ".stderr"}
# Files other readers own; a text log never claims them.
STRUCTURED_SUFFIXES = {
    ".csv",
    ".tsv",
    ".json",
    ".jsonl",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".py",
    ".sh",
    ".bash",
    ".zsh",
    ".pt",
    ".pth",
    ".bin",
    ".ckpt",
    ".safetensors",
    ".pkl",
    ".npz",
    ".npy",
    ".h5",
    ".parquet",
    ".html",
    ".png",
    ".md",
    ".markdown",
    ".rst",
}
# Sniff scores: a log by its name, a text file by its content; structured readers score higher on their files.
SCORE_BY_NAME = 0.5
SCORE_BY_CONTENT = 0.35
# Lines of the head that must look like metrics before a file without a log suffix is claimed.
MIN_METRIC_LINES = 2
_SNIFF_LINES = 200
_TFEVENTS = re.compile(r"tfevents")


def _metric_lines(text: str) -> int:
    from . import textlog_line as L
    from . import textlog_patterns as P

    count = 0
    for line in text.splitlines()[:_SNIFF_LINES]:
        _, body, _ = L.strip_prefixes(line.split("\r")[-1])
        if P.DICT_LINE.match(body) or any(L.metric_name(f.key, f.split) for f in L.fields(body)):
            count += 1
    return count


def sniff(path: Path, head: bytes) -> float:
    """How sure we are that ``path`` is a console log: by suffix, else by metric-looking lines in its head."""
    suffix = path.suffix.lower()
    if suffix in STRUCTURED_SUFFIXES or _TFEVENTS.search(path.name):
        return 0.0
    if suffix in LOG_SUFFIXES:
        return SCORE_BY_NAME  # even when empty or binary: reading it then says why it cannot be used
    if not head or encoding.is_binary(head):
        return 0.0
    text = head.decode(encoding.detect(head), errors="replace")
    return SCORE_BY_CONTENT if _metric_lines(text) >= MIN_METRIC_LINES else 0.0


def read(path: Path) -> Run:
    """Read a console log into a Run (series, events, settings it printed)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(path, t("readers.error.unreadable", "en", detail=exc.strerror or exc)) from None
    if size == 0:
        raise InputError(path, t("readers.error.empty", "en"))
    return read_lines(path, enumerate(encoding.iter_lines(path), 1), FORMAT)


def read_lines(path: Path, lines, fmt: str, notes: tuple = ()) -> Run:
    """A Run from ``(line number, line)`` pairs of ``path`` read as a console log (format ``fmt``)."""
    from .textlog_parser import LogParser

    parser = LogParser(str(path))
    skipped = 0
    for lineno, line in lines:
        try:
            parser.feed(line, lineno)
        except (ValueError, OverflowError):  # e.g. `Epoch: inf` where a whole number must stand: skip the line
            skipped += 1
    built = parser.finish()
    if not built.series and not parser.events and not list(parser.config):
        key = "readers.error.no_metrics" if parser.saw_digits else "readers.error.no_numbers_text"
        raise InputError(path, t(key, "en"))
    run = Run(path=str(path))
    for s in built.series:
        run.series[s.name] = s
    run.events = list(parser.events)
    run.config = parser.config
    run.sources.append(
        SourceInfo(
            path=str(path),
            format=fmt,
            points=run.points,
            series=list(run.series),
            notes=list(notes) + _notes(parser, built, skipped),
            framework=parser.framework,
        )
    )
    return run


def _notes(parser, built, skipped: int) -> list:
    """What the reader left out or decided, in the report's words."""
    from .textlog_buffer import MAX_SERIES
    from .textlog_parser import MAX_LINE_CHARS

    notes = []
    if len(parser.ranks) > 1:
        notes.append(msg("readers.note.ranks", kept=parser.kept_rank(), ranks=len(parser.ranks)))
    if skipped:
        notes.append(msg("readers.note.skipped_lines", count=skipped))
    for series, count in parser.recovered_means.items():
        notes.append(msg("readers.note.epoch_means", series=series, count=count))
    if parser.fragments:
        notes.append(msg("readers.note.fragments", count=parser.fragments))
    if built.superseded:
        notes.append(
            msg("readers.note.restarted", count=len(built.restarts), points=built.superseded, at=built.restarts[0])
        )
    if built.bad_axis:
        notes.append(msg("readers.note.bad_axis", count=built.bad_axis))
    if parser.bad_counters:
        notes.append(msg("readers.note.bad_counter", count=parser.bad_counters))
    if parser.long_lines:
        notes.append(msg("readers.note.long_lines", count=parser.long_lines, limit=MAX_LINE_CHARS))
    if parser.dropped_series:
        notes.append(msg("readers.note.too_many_series", limit=MAX_SERIES, count=parser.dropped_series))
    return notes


register(Reader(FORMAT, sniff, read))
