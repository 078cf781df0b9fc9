"""``trainmedic watch PATH``: follow a run that is writing its logs, raise an alarm as soon as a streaming symptom is
confirmed (the detectors of :mod:`trainmedic.rules.streaming`, fed only the new points: the cost of a poll does not
grow with the run), run ``--on-alert CMD`` for each, and when the run ends print the final diagnosis's other
findings and exit with its verdict. An alarm is raised only where the final diagnosis runs the same detector
(:mod:`.stream`), so nothing said during the run is taken back at the end.

What a poll costs does not grow with the run (:mod:`.follow`). A ``trainmedic-live`` log, a console log, a CSV/TSV
table (Lightning's ``metrics.csv``), a JSON Lines history and a TensorBoard event file are followed incrementally:
only the complete lines (records) written since the last poll are read, by a reader kept alive between polls, and
only the points they add are built and judged. A file truncated or rewritten in place is read again from its start,
a file rotated (renamed and recreated) is read to its end and then the new file is followed, like ``tail -F``;
points already judged raise no alarm again. Files rewritten whole at each save (``trainer_state.json``) and run
folders of MLflow and W&B are re-read when they change, which is bounded by how often the run saves; a UTF-16 log
and a JSON Lines history whose new keys rename earlier columns are re-read whole when they change, a cost that grows
with the run. A folder is followed artifact by artifact. At the end the final diagnosis reads the files once, as
``trainmedic diagnose`` does.

The run has ended on a ``trainmedic-live`` ``end``/``stop`` event, a Hugging Face
``trainer_state.json`` whose control says ``should_training_stop``, a "Training finished/completed" line in a text
log, or after ``idle_timeout`` seconds without new data. A path deleted under the watch that does not come back
within :data:`REAPPEAR_TIMEOUT` is an input error (one line, exit 2).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable, Optional

from ..errors import InputError
from ..i18n import msg, t
from ..readers import HEAD_BYTES, load_run, pick_reader
from ..readers.live import RecordCheck
from .alerts import alarm_dict, run_alert, say
from .follow import FOLLOWED, Folder, GrowingEvents, GrowingFile, WholeFile
from .records import RunBuilder, parse_lines
from .tail import Tail

# How long to wait for a PATH that does not exist yet (a run that has not started writing) when no idle timeout
# says otherwise: long enough for a slow model load, short enough that a typo does not hang a CI job.
APPEAR_TIMEOUT = 60.0
# A rotation renames the log and creates a new one within milliseconds; a path still missing after this was deleted.
REAPPEAR_TIMEOUT = 5.0


def _is_live_log(path: Path) -> bool:
    from ..readers.live import sniff

    try:
        if not path.is_file():
            return False
        with open(path, "rb") as fh:
            return sniff(path, fh.read(4096)) > 0
    except OSError:  # deleted between the check and the read
        return False


class _Follower:
    """Yields what PATH gained since the last poll and whether the run has ended (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.live = _is_live_log(path)
        self.builder = RunBuilder(str(path))
        self.check = RecordCheck()
        self.tail = Tail(path)
        self.inner = None  # a follow.GrowingFile, WholeFile or Folder once the format is known
        self.missing_since: Optional[float] = None

    @property
    def parsed(self) -> int:
        """Bytes the last poll read."""
        return self.inner.parsed if self.inner is not None else self.tail.parsed

    def poll(self) -> Optional[tuple]:
        """(what was read, ended reason or None) when something changed, else None: the RunBuilder of a
        ``trainmedic-live`` log (the Run is built at the end), or a list of :class:`~.follow.Piece`."""
        if self.live:
            lines, missing = self.tail.read()
            self._missing(missing)
            if not lines:
                return None
            for rec in self.check(parse_lines(lines)):
                self.builder.add(rec)
            return self.builder, ("end event" if self.builder.ended else None)
        if self.inner is None and not self._choose():
            return None
        pieces = self.inner.poll()
        self._missing(
            self.inner.missing if isinstance(self.inner, (GrowingFile, GrowingEvents)) else not self.path.exists()
        )
        if not pieces:
            return None
        return pieces, self.inner.ended

    def _choose(self) -> bool:
        """Pick how PATH is followed once its first complete line tells its format (a live log's header may come
        after the watch began)."""
        self._missing(not self.path.exists())
        if self.path.is_dir():
            self.inner = Folder(self.path)
            return True
        if not self.path.is_file():  # a pipe or a device: the readers say why they cannot read it
            self.inner = WholeFile(self.path)
            return True
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(HEAD_BYTES)
        except OSError:
            return False
        if b"\n" not in head and "tfevents" not in self.path.name:  # a first line tells a text format
            return False
        if _is_live_log(self.path):
            self.live = True
            return False
        try:
            reader = pick_reader(self.path)
        except InputError:
            return False
        if reader is None:
            return False
        if reader.name == "tensorboard":
            self.inner = GrowingEvents(self.path, self.path.parent)
        else:
            self.inner = GrowingFile(self.path, reader.name) if reader.name in FOLLOWED else WholeFile(self.path)
        return True

    def _missing(self, missing: bool) -> None:
        if not missing:
            self.missing_since = None
        elif self.missing_since is None:
            self.missing_since = time.monotonic()

    def gone_for(self) -> float:
        """Seconds the path has been missing (0 while it exists)."""
        return 0.0 if self.missing_since is None else time.monotonic() - self.missing_since


def _final_run(path: Path):
    """The run as ``trainmedic diagnose`` reads it, once, at the end (None when it cannot be read any more)."""
    try:
        return load_run([path])
    except InputError:
        return None


def watch(
    path,
    *,
    on_alert: Optional[str] = None,
    interval: float = 0.5,
    idle_timeout: Optional[float] = None,
    lang: str = "en",
    fail_on: str = "error",
    out: Optional[Callable[[str], None]] = None,
) -> int:
    """Follow ``path`` until the run ends; exit code 1 when a finding at or above ``fail_on`` was found, else 0.

    Raises :class:`InputError` when ``path`` has not appeared after a bounded wait.
    """
    from ..diagnosis import diagnose_run
    from ..report.model import finding_dict
    from .stream import StreamAlarms
    from .tally import announcement

    if out is None:

        def out(line: str) -> None:
            print(line, flush=True)  # a watcher's output is read as it comes, often through a pipe

    path = Path(path)
    deadline = time.monotonic() + (min(idle_timeout, APPEAR_TIMEOUT) if idle_timeout else APPEAR_TIMEOUT)
    announced = False
    while not path.exists():
        if time.monotonic() >= deadline:
            raise InputError(path, "no such file or directory (waited for it to appear)")
        if not announced:
            sys.stderr.write(t("live.watch.waiting", lang, path=str(path)) + "\n")
            announced = True
        time.sleep(min(interval, 0.5))
    follower = _Follower(path)
    alarms = StreamAlarms()
    fresh: list = []

    def listen(name: str, step: float, value: float) -> None:
        header = follower.builder.header
        if header is not None and isinstance(header.get("config"), dict):
            alarms.know_classes(header["config"].get("num_classes"))
        fresh.extend(alarms.feed(name, step, value))

    follower.builder.listener = listen
    said: set = set()  # (code, series) printed during the run
    printed = 0
    latest = None  # the RunBuilder of a live log once it was read
    last_change = time.monotonic()
    ended: Optional[str] = None
    while True:
        polled = follower.poll()
        if polled is not None:
            got, ended = polled
            last_change = time.monotonic()
            if isinstance(got, RunBuilder):
                latest = got
            else:
                for piece in got:
                    fresh.extend(alarms.feed_run(piece.run, continues=not piece.whole))
            for alarm in fresh:
                if announcement(alarm, int(alarm.at or 0)) is None:
                    continue  # below warning level: the final diagnosis reports it
                d = alarm_dict(alarm, lang)
                if (d["code"], d["series"]) in said:
                    continue  # a log read again from its start (truncated or rotated) repeats its points
                said.add((d["code"], d["series"]))
                printed += 1
                say(out, d, lang)
                if on_alert:
                    run_alert(on_alert, d, path)
            fresh.clear()
        grace = min(REAPPEAR_TIMEOUT, idle_timeout) if idle_timeout is not None else REAPPEAR_TIMEOUT
        if ended is None and follower.missing_since is not None:  # deleted: not idle, gone (unless it comes back)
            if follower.gone_for() >= grace:
                raise InputError(path, msg("safety.watch.deleted", seconds=grace).render(lang))
        elif ended is None and idle_timeout is not None and time.monotonic() - last_change >= idle_timeout:
            ended = "idle timeout"
        if ended is not None:
            report = None
            if isinstance(latest, RunBuilder):
                run = latest.run()
            else:  # read once, as diagnose reads it (a one-line log without its newline included)
                run = None if follower.live else _final_run(path)
            if run is not None:
                report = diagnose_run(run, lang=lang)
                for f in report.findings:
                    d = finding_dict(f, lang)
                    if (d["code"], d["series"]) in said:
                        continue
                    printed += 1
                    say(out, d, lang)
                    if on_alert and d["severity"] in ("warning", "error"):
                        run_alert(on_alert, d, path)
            out(t("live.watch.ended", lang, why=ended, n=printed))
            return 1 if report is not None and report.fails_on(fail_on) else 0
        time.sleep(interval)
