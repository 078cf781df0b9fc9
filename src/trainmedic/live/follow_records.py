"""Followers of files made of records: the ``trainmedic-live`` log of a folder and TensorBoard event files, read a
poll's new complete records at a time (see :mod:`.follow`).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Optional

from ..errors import InputError
from ..readers.columns import SeriesBuilder, default_rename
from ..run import Run, Series


class Piece(NamedTuple):
    """What one poll read of one artifact: a Run holding new points (``whole`` False) or every point."""

    run: Run
    whole: bool


class GrowingLive:
    """A ``trainmedic-live`` log inside a folder, read a poll's new complete lines at a time (a live log named on its
    own is followed by ``watch`` itself, which feeds each point to the detectors as it is read)."""

    def __init__(self, path: Path) -> None:
        from ..livelog import RunBuilder
        from ..readers.live import RecordCheck
        from .tail import Tail

        self.path = path
        self.tail = Tail(path)
        self.check = RecordCheck()
        self.points: dict = {}
        self.builder = RunBuilder(str(path), listener=self._point)
        self.parsed = 0
        self.ended: Optional[str] = None
        self.missing = False

    def _point(self, name: str, step: float, value: float) -> None:
        steps, values = self.points.setdefault(name, ([], []))
        steps.append(step)
        values.append(value)

    def poll(self) -> Optional[list]:
        """The new points as one piece, None when no new line was complete."""
        from ..livelog import parse_lines

        lines, self.missing = self.tail.read()
        self.parsed = self.tail.parsed
        if not lines:
            return None
        for rec in self.check(parse_lines(lines)):
            self.builder.add(rec)
        self.ended = "end event" if self.builder.ended else None
        run = Run(path=str(self.path))
        config = (self.builder.header or {}).get("config")
        if isinstance(config, dict) and config.get("num_classes") is not None:
            run.config.set("num_classes", config["num_classes"], str(self.path))
        run.series = {name: Series(name, values, steps, None) for name, (steps, values) in self.points.items()}
        self.points = {}
        return [Piece(run, False)] if run.series else None


class GrowingEvents:
    """One TensorBoard event file, read a poll's new complete records at a time (records are only ever appended; a
    file that shrinks or is replaced is read again from its start)."""

    def __init__(self, path: Path, logdir: Path) -> None:
        self.path, self.logdir = path, logdir
        self.parsed = 0
        self.ended: Optional[str] = None
        self.missing = False
        self._start()

    def _start(self) -> None:
        self.offset = 0
        self.identity: Optional[tuple] = None
        self.counts: dict = {}
        self.naming = SeriesBuilder(str(self.path), rename=default_rename)  # names each label once, as reading does

    def poll(self) -> Optional[list]:
        """The pieces read (see :class:`Piece`), None when no new record was complete."""
        from ..readers.table_follow import UNSTABLE, SeriesCounts
        from ..readers.tensorboard import read_file, read_from

        self.parsed = 0
        try:
            st = self.path.stat()
        except OSError:
            self.missing = True
            return None
        self.missing = False
        identity = (st.st_ino, st.st_dev)
        if identity != self.identity or st.st_size < self.offset:
            self._start()
            self.identity = identity
        if st.st_size <= self.offset:
            return None
        try:
            scalars, end = read_from(self.path, self.offset, self.logdir)
        except InputError:
            return None
        self.parsed, self.offset = end - self.offset, end
        run = Run(path=str(self.path))
        unstable = False
        builder = SeriesBuilder(str(self.path), rename=self.naming.name_for)
        for label, (steps, values) in scalars.items():
            builder.add(label, values, steps)
        for s in builder.series():
            counts = self.counts.setdefault(s.name, SeriesCounts())
            before = counts.axis()
            counts.add(s)
            unstable = unstable or counts.axis() == UNSTABLE or before not in (None, counts.axis())
            run.series[s.name] = s
        if unstable:  # a step written again or going back: the reader keeps the later one; read the file whole
            try:
                return [Piece(read_file(self.path), True)]
            except InputError:
                return None
        return [Piece(run, False)] if run.series else None
