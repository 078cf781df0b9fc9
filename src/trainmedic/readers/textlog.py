"""Free-form console logs (format ``text-log``): whatever a training script printed, in any encoding.

The file is streamed line by line (see :mod:`.encoding`) through :class:`~.textlog_parser.LogParser`; series are
kept in typed arrays, so a log of a gigabyte is read in bounded memory. Structured files (CSV with a header, JSON,
YAML, scripts) are left to their own readers.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..i18n import msg, t
from ..run import Run, Series, SourceInfo
from . import Reader, encoding, register
from . import textlog_line as L
from . import textlog_patterns as P
from .textlog_parser import LogParser

FORMAT = "text-log"
LOG_SUFFIXES = {".log", ".txt", ".out", ".err", ".stdout", ".stderr", ".md"}
# Files other readers own; a text log never claims them.
STRUCTURED_SUFFIXES = {
    ".csv", ".tsv", ".json", ".jsonl", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".py", ".sh", ".bash", ".zsh",
    ".pt", ".pth", ".bin", ".ckpt", ".safetensors", ".pkl", ".npz", ".npy", ".h5", ".parquet", ".html", ".png",
}
# Sniff scores: a log by its name, a text file by its content; structured readers score higher on their files.
SCORE_BY_NAME = 0.5
SCORE_BY_CONTENT = 0.35
# Lines of the head that must look like metrics before a file without a log suffix is claimed.
MIN_METRIC_LINES = 2
_SNIFF_LINES = 200
_TFEVENTS = re.compile(r"tfevents")


def _metric_lines(text: str) -> int:
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


def _series(parser: LogParser, path: str) -> list:
    """Series from the parser's buffers, each buffer freed once copied (the peak holds one series twice, not all)."""
    kept = 0 if 0 in parser.ranks else (parser.ranks[0] if parser.ranks else -1)
    out = []
    for name in list(parser.series):
        buf = parser.series.pop(name)
        rank = np.frombuffer(buf.rank, dtype=np.int16) if len(buf.rank) else np.zeros(0, dtype=np.int16)
        keep = (rank == -1) | (rank == kept)
        every = bool(keep.all())

        def column(arr, keep=keep, every=every):
            col = np.frombuffer(arr, dtype=np.float64)
            return col.copy() if every else col[keep]  # a boolean index already copies

        values = column(buf.values)
        if not len(values):
            continue
        s = Series(name, values, column(buf.step), column(buf.epoch), label=buf.label, source=path)
        del buf, rank, keep
        out.append(s.sorted() if s.has_step or s.has_epoch else s)
    return out


def read(path: Path) -> Run:
    """Read a console log into a Run (series, events, settings it printed)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(path, t("readers_text.unreadable", "en", why=exc.strerror or exc)) from None
    if size == 0:
        raise InputError(path, t("readers_text.empty", "en"))
    parser = LogParser(str(path))
    skipped = 0
    for lineno, line in enumerate(encoding.iter_lines(path), 1):
        try:
            parser.feed(line, lineno)
        except (ValueError, OverflowError):  # e.g. `Epoch: inf` where a whole number must stand: skip the line
            skipped += 1
    series = _series(parser, str(path))
    if not series and not parser.events and not list(parser.config):
        key = "readers_text.no_metrics" if parser.saw_digits else "readers_text.no_numbers"
        raise InputError(path, t(key, "en"))
    run = Run(path=str(path))
    for s in series:
        run.add_series(s)
    kept = 0 if 0 in parser.ranks else (parser.ranks[0] if parser.ranks else -1)
    run.events = [e for e in parser.events]
    run.config = parser.config
    notes = []
    if len(parser.ranks) > 1:
        notes.append(msg("readers_text.ranks", kept=kept, ranks=len(parser.ranks)))
    if skipped:
        notes.append(msg("readers_text.skipped_lines", count=skipped))
    run.sources.append(SourceInfo(path=str(path), format=FORMAT, points=run.points, series=list(run.series),
                                  notes=notes))
    return run


register(Reader(FORMAT, sniff, read))
