"""How ``trainmedic watch`` reads a run that is still writing its files, at a cost per poll that does not grow with
the run.

- A ``trainmedic-live`` log (:class:`GrowingLive`), a console log, a CSV/TSV table (Lightning's ``metrics.csv``
  included) and a JSON Lines history are followed
  (:class:`GrowingFile`): only the complete lines written since the last poll are read, by one reader kept alive
  between polls (:class:`~trainmedic.readers.textlog_follow.NewPoints` over the log parser,
  :class:`~trainmedic.readers.table_follow.NewRows` over the table builders), and only the points they add are
  built. A file truncated, rewritten or rotated is read again from its start (:mod:`.tail`). A log in UTF-16 (split
  into lines only once decoded) is re-read whole, as is a JSON Lines history whose new keys rename earlier columns.
- TensorBoard event files are followed record by record (:class:`GrowingEvents`).
- Anything else (``trainer_state.json``, which the Trainer rewrites whole at every save; MLflow and W&B folders;
  configuration) is re-read when it changes (:class:`WholeFile`): the cost is bounded by how often the run saves,
  not by how long it has run.
- A folder (:class:`Folder`): each artifact in it is followed on its own, the growing files as above, the others
  re-read when their files change; it is walked again only when files appear or disappear.

Each poll gives the pieces of run it read: the new points of a followed file, the whole run of a file re-read.
:meth:`~.stream.StreamAlarms.feed_run` feeds the points beyond those already fed, so a piece read again from the
start repeats no alarm.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from ..errors import InputError
from ..readers import encoding
from ..run import Run
from .follow_records import GrowingEvents, GrowingLive, Piece

# Formats read incrementally (see the module docstring); the others are re-read when they change.
FOLLOWED = ("text-log", "csv", "lightning-csv", "jsonl")
LIVE_FORMAT = "trainmedic-live"
_FINISHED = re.compile(rb"training (finished|completed|complete\b|done)", re.IGNORECASE)
# Bytes of the end of a file searched for a "training finished" line when it is re-read whole.
END_BYTES = 4096


class GrowingFile:
    """One console log, table or JSON Lines history, read a poll's new complete lines at a time."""

    def __init__(self, path: Path, fmt: str) -> None:
        from .tail import Tail

        self.path, self.fmt = path, fmt
        self.tail = Tail(path)
        self.parsed = 0  # bytes read by the last poll (the cost a test holds flat)
        self.ended: Optional[str] = None
        self.missing = False
        self.fallback: Optional[WholeFile] = None
        # The run's logging_steps as the other files of its folder give it: (from a metrics file, from a config file)
        self.logging_steps: tuple = (None, None)
        self._start()

    def _start(self) -> None:
        self.head = b""  # the first SAMPLE_BYTES of the file, from which its encoding is told
        self.codec: Optional[tuple] = None
        self.lineno = 0
        self.reader = None

    def poll(self) -> Optional[list]:
        """The pieces read (see :class:`Piece`), None when nothing new was complete."""
        if self.fallback is not None:
            return self.fallback.poll()
        chunk = self.tail.read_bytes()
        self.missing = chunk.missing
        self.parsed = len(chunk.data)
        if not chunk.data:
            return None
        pieces: list = []
        data = chunk.data
        if chunk.fresh_at is not None:  # read again from a file's start: what came before ends the old reading
            if chunk.fresh_at:
                pieces += self._read(data[: chunk.fresh_at])
            data = data[chunk.fresh_at :]
            self._start()
        pieces += self._read(data)
        if _FINISHED.search(chunk.data):
            self.ended = f"{self.path.name}: training finished"
        return pieces or None

    def _read(self, data: bytes) -> list:
        if len(self.head) < encoding.SAMPLE_BYTES:
            self.head += data[: encoding.SAMPLE_BYTES - len(self.head)]
            if encoding.is_binary(self.head):
                return []
            if self.fmt == "text-log":
                codec = encoding.detect(self.head, complete=len(self.head) < encoding.SAMPLE_BYTES)
                key = (codec, encoding.looks_mojibake(self.head.decode(codec, errors="replace")))
            else:  # tables are read as UTF-8 (a byte-order mark dropped) unless they start with a UTF-16 one
                key = ("utf-16" if self.head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig", False)
            if key[0].startswith("utf-16"):
                self.fallback = WholeFile(self.path)  # not split into lines by its bytes: re-read whole
                return self.fallback.poll() or []
            if self.codec is not None and key != self.codec:  # the encoding told from more of the file differs
                from .tail import Tail

                self.tail, self.head = Tail(self.path), b""
                self._start()
                return self._read(self.tail.read_bytes().data)
            self.codec = key
        codec, fix = self.codec
        text = data.decode(codec, errors="replace")
        return self._text_log(text, fix) if self.fmt == "text-log" else self._table(text)

    def _text_log(self, text: str, fix: bool) -> list:
        from ..readers.textlog_follow import NewPoints
        from ..readers.textlog_parser import LogParser

        if self.reader is None:
            self.reader = NewPoints(LogParser(str(self.path)))
        parser = self.reader.parser
        lines = text.split("\n")
        if not lines[-1]:
            lines.pop()  # the newline that ends the last line
        for line in lines:
            self.lineno += 1
            try:
                parser.feed(encoding.repair(line) if fix else line, self.lineno)
            except (ValueError, OverflowError):  # as reading the whole log does: the line is skipped
                pass
        first, last = self.logging_steps
        own = parser.config.get("logging_steps")
        series, whole = self.reader.take(first if first is not None else own if own is not None else last)
        run = Run(path=str(self.path), config=parser.config)
        run.series = {s.name: s for s in series}
        return [Piece(run, whole)] if series else []

    def _table(self, text: str) -> list:
        from ..readers.table_follow import NewRows

        if self.reader is None:
            rename = None
            if self.fmt == "lightning-csv":
                from ..readers.lightning import _header, _renamer

                rename = lambda header: _renamer(_header(self.path))  # noqa: E731 - as the reader names them
            self.reader = NewRows(str(self.path), "jsonl" if self.fmt == "jsonl" else "csv", rename)
        series, whole = self.reader.feed(text)
        if self.reader.renamed:
            self.fallback = WholeFile(self.path)
            return self.fallback.poll() or []
        run = Run(path=str(self.path))
        run.series = {s.name: s for s in series}
        return [Piece(run, whole)] if series else []


class WholeFile:
    """A file or a run folder re-read with the readers whenever one of its files changes."""

    def __init__(self, path: Path, reader=None, skip: frozenset = frozenset()) -> None:
        self.path = path
        self.reader = reader  # the reader of a folder's artifact; None: ``load_run``
        self.skip = skip  # files of the folder followed on their own: their growth is not this one's change
        self.fingerprint: tuple = ()
        self.parsed = 0
        self.ended: Optional[str] = None
        self.missing = False
        self.config = None  # the configuration of the last reading

    def poll(self) -> Optional[list]:
        """The whole run when a file changed, else None."""
        fp = tuple(f for f in fingerprint(self.path) if f[0] not in self.skip)
        self.parsed = 0
        if fp == self.fingerprint:
            return None
        self.fingerprint = fp
        self.parsed = sum(size for _, size, _ in fp)
        from ..readers import load_run

        try:
            run = self.reader.read(self.path) if self.reader is not None else load_run([self.path])
        except InputError:
            return None  # nothing readable yet: wait for more
        self.ended = ended_by(run, self.path)
        self.config = run.config
        return [Piece(run, True)]


class Folder:
    """A run folder: each artifact followed on its own (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.names: tuple = ()
        self.followers: dict = {}
        self.parsed = 0
        self.ended: Optional[str] = None

    def poll(self) -> Optional[list]:
        """The pieces every artifact gave this poll, None when none changed."""
        from ..readers.discover import walk

        names = tuple(sorted(str(p) for p in self.path.rglob("*") if p.is_file()))
        if names != self.names:  # files appeared or went: walk again, keep the followers of the files still there
            self.names = names
            found = walk(self.path)
            growing = frozenset(str(f.path) for f in found if _grows(f.reader))
            followers = {}
            for f in found:
                if f.reader.name == "tensorboard":  # each event file of a log dir on its own
                    from ..readers.tensorboard import event_files

                    files = event_files(f.path) if f.reader.directory else [f.path]
                    for e in files:
                        key = ("tensorboard", str(e))
                        logdir = f.path if f.reader.directory else e.parent
                        followers[key] = self.followers.get(key) or GrowingEvents(e, logdir)
                    continue
                key = (f.reader.name, str(f.path))
                if f.reader.name == LIVE_FORMAT:
                    followers[key] = self.followers.get(key) or GrowingLive(f.path)
                    continue
                old = self.followers.get(key)
                if isinstance(old, WholeFile):
                    old.skip = growing
                followers[key] = old or (
                    GrowingFile(f.path, f.reader.name) if _grows(f.reader) else WholeFile(f.path, f.reader, growing)
                )
            self.followers = followers
        pieces: list = []
        self.parsed = 0
        # Files re-read whole first: their configuration (the Trainer's logging_steps) places a console log's points
        whole = [f for f in self.followers.values() if isinstance(f, WholeFile)]
        for follower in whole + [f for f in self.followers.values() if not isinstance(f, WholeFile)]:
            if isinstance(follower, GrowingFile):
                follower.logging_steps = _setting(whole, "logging_steps")
            got = follower.poll()
            self.parsed += follower.parsed
            if got:
                pieces += got
            self.ended = self.ended or follower.ended
        return pieces or None


def _setting(whole: list, key: str) -> tuple:
    """(the value a metrics source of the folder gives, the value a configuration file gives) of one setting: reading
    the folder keeps the first source's value, metric files before console logs before configuration files."""
    found = [None, None]
    for follower in whole:
        if follower.config is not None and follower.config.get(key) is not None:
            slot = 1 if follower.reader is not None and follower.reader.kind == "config" else 0
            found[slot] = found[slot] if found[slot] is not None else follower.config.get(key)
    return tuple(found)


def _grows(reader) -> bool:
    """Whether a folder's artifact read by ``reader`` is followed line by line."""
    return not reader.directory and reader.name in FOLLOWED


def fingerprint(path: Path) -> tuple:
    """Changes whenever a file under ``path`` grows or is rewritten."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    out = []
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        out.append((str(f), st.st_size, st.st_mtime_ns))
    return tuple(out)


def ended_by(run: Run, path: Path) -> Optional[str]:
    """Why the run has ended, judged from what was read (an end event: a Trainer state whose control says
    ``should_training_stop``) or from the tail of the text logs among the files (None while it goes on)."""
    for e in run.events_of("end"):
        if e.data.get("should_training_stop"):
            return f"{Path(e.source).name}: should_training_stop"
    files = [path] if path.is_file() else list(path.rglob("*.log"))
    for f in files:
        try:
            size = f.stat().st_size
            if size and f.suffix != ".json":
                with open(f, "rb") as fh:
                    fh.seek(max(0, size - END_BYTES))
                    if _FINISHED.search(fh.read()):
                        return f"{f.name}: training finished"
        except OSError:
            continue
    return None
