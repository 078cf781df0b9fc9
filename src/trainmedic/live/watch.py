"""``trainmedic watch PATH``: follow a run that is writing its logs, raise an alarm as soon as a streaming symptom is
confirmed (the detectors of :mod:`trainmedic.rules.streaming`, fed only the new points: the cost of a poll does not
grow with the run), run ``--on-alert CMD`` for each, and when the run ends print the final diagnosis's other
findings and exit with its verdict. An alarm is raised only where the final diagnosis runs the same detector
(:mod:`.stream`), so nothing said during the run is taken back at the end.

A ``trainmedic-live`` log is tailed incrementally (only new complete lines are parsed) and followed like ``tail -F``:
a log truncated or rewritten in place is read again from its start, a log rotated (renamed and recreated) is read to
its end and then the new file is followed. Any other format the readers know is re-read with ``load_run`` when the
file or directory changes. The run has ended on a ``trainmedic-live`` ``end``/``stop`` event, a Hugging Face
``trainer_state.json`` whose control says ``should_training_stop``, a "Training finished/completed" line in a text
log, or after ``idle_timeout`` seconds without new data. A path deleted under the watch that does not come back
within :data:`REAPPEAR_TIMEOUT` is an input error (one line, exit 2).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

from ..errors import InputError
from ..i18n import msg, t
from ..readers.live import RecordCheck
from .records import RunBuilder, parse_lines

# How long to wait for a PATH that does not exist yet (a run that has not started writing) when no idle timeout
# says otherwise: long enough for a slow model load, short enough that a typo does not hang a CI job.
APPEAR_TIMEOUT = 60.0
# An --on-alert command that hangs must not stop the watch for ever.
ALERT_TIMEOUT = 60.0
# A rotation renames the log and creates a new one within milliseconds; a path still missing after this was deleted.
REAPPEAR_TIMEOUT = 5.0
# Bytes just before the read position remembered between polls: if they change, the file was rewritten in place
# (truncated and written again past where we were), and it is read again from its start.
TAIL_CHECK = 64
_FINISHED = re.compile(rb"training (finished|completed|complete\b|done)", re.IGNORECASE)


def _fingerprint(path: Path) -> tuple:
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


def _is_live_log(path: Path) -> bool:
    from ..readers.live import sniff

    try:
        if not path.is_file():
            return False
        with open(path, "rb") as fh:
            return sniff(path, fh.read(4096)) > 0
    except OSError:  # deleted between the check and the read
        return False


def _ended_by_artifacts(path: Path) -> Optional[str]:
    """Why the run has ended, judged from files other than a live log (None while it goes on)."""
    files = [path] if path.is_file() else list(path.rglob("trainer_state.json")) + list(path.rglob("*.log"))
    for f in files:
        try:
            if f.name == "trainer_state.json":
                state = json.loads(f.read_text(encoding="utf-8"))
                control = (state.get("stateful_callbacks") or {}).get("TrainerControl") or {}
                if (control.get("args") or {}).get("should_training_stop"):
                    return "trainer_state.json: should_training_stop"
            elif f.stat().st_size:
                with open(f, "rb") as fh:
                    fh.seek(max(0, f.stat().st_size - 4096))
                    if _FINISHED.search(fh.read()):
                        return f"{f.name}: training finished"
        except (OSError, ValueError):
            continue
    return None


class _Tail:
    """New complete lines of one file, followed across truncation, rewriting and rotation (like ``tail -F``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh: Optional[Any] = None
        self.partial = b""   # a line still being written waits for the next poll
        self.before = b""    # the TAIL_CHECK bytes before the read position

    def read(self) -> tuple:
        """(complete new lines, whether the path is missing now)."""
        data = b""
        if self.fh is None and not self._open():
            return [], True
        data += self._read_held()
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return self._lines(data, final=False), True
        held = os.fstat(self.fh.fileno())
        if (st.st_ino, st.st_dev) != (held.st_ino, held.st_dev):  # rotated: the old file is done, follow the new one
            lines = self._lines(data + self.fh.read(), final=True)
            self.fh.close()
            if not self._open():
                return lines, True
            return lines + self._lines(self._read_held(), final=False), False
        return self._lines(data, final=False), False

    def _open(self) -> bool:
        try:
            self.fh = open(self.path, "rb")
        except FileNotFoundError:
            self.fh = None
            return False
        self.partial, self.before = b"", b""
        return True

    def _read_held(self) -> bytes:
        pos = self.fh.tell()
        if self.before:
            self.fh.seek(pos - len(self.before))
            if self.fh.read(len(self.before)) != self.before:  # truncated or rewritten: start again
                self.fh.seek(0)
                self.partial, self.before = b"", b""
        data = self.fh.read()
        self.before = (self.before + data)[-TAIL_CHECK:]
        return data

    def _lines(self, data: bytes, *, final: bool) -> list:
        data = self.partial + data
        cut = len(data) if final else data.rfind(b"\n") + 1
        self.partial = b"" if final else data[cut:]
        return data[:cut].decode("utf-8", errors="replace").splitlines()


class _Follower:
    """Yields the current Run of PATH and whether it has ended, reading only what is new."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.live = _is_live_log(path)
        self.builder = RunBuilder(str(path))
        self.check = RecordCheck()
        self.tail = _Tail(path)
        self.fingerprint: tuple = ()
        self.missing_since: Optional[float] = None
        self.read_once = False

    def poll(self) -> Optional[tuple]:
        """(run, ended reason or None) when something changed, else None."""
        if self.live:
            lines, missing = self.tail.read()
            self._missing(missing)
            if not lines:
                return None
            for rec in self.check(parse_lines(lines)):
                self.builder.add(rec)
            return self.builder, ("end event" if self.builder.ended else None)  # the Run is built at the end
        self._missing(not self.path.exists())
        if self.missing_since is not None:
            return None
        fp = _fingerprint(self.path)
        if fp == self.fingerprint:
            return None
        self.fingerprint = fp
        if not self.read_once and _is_live_log(self.path):  # a live log whose header came after the watch began
            self.live = True
            return self.poll()
        from ..readers import load_run

        try:
            run = load_run([self.path])
        except InputError:
            return None  # nothing readable yet: wait for more
        self.read_once = True
        return run, _ended_by_artifacts(self.path)

    def _missing(self, missing: bool) -> None:
        if not missing:
            self.missing_since = None
        elif self.missing_since is None:
            self.missing_since = time.monotonic()

    def gone_for(self) -> float:
        """Seconds the path has been missing (0 while it exists)."""
        return 0.0 if self.missing_since is None else time.monotonic() - self.missing_since


def _alert(cmd: str, finding: dict, path: Path) -> None:
    env = dict(os.environ)
    env.update({"TRAINMEDIC_CODE": finding["code"], "TRAINMEDIC_RULE": finding["rule"],
                "TRAINMEDIC_SEVERITY": finding["severity"], "TRAINMEDIC_MESSAGE": finding["message"],
                "TRAINMEDIC_STEP": str((finding.get("at") or {}).get("step", "")),
                "TRAINMEDIC_PATH": str(path), "TRAINMEDIC_FINDING": json.dumps(finding, ensure_ascii=False)})
    try:
        rc = subprocess.run(cmd, shell=True, env=env, timeout=ALERT_TIMEOUT).returncode
    except subprocess.TimeoutExpired:
        rc = -1
    if rc:
        sys.stderr.write(t("live.watch.alert_failed", "en", code=rc) + "\n")


def _alarm_dict(alarm, lang: str) -> dict:
    """An alarm in the shape of a finding (what ``--on-alert`` receives and ``watch`` prints)."""
    from ..rules import get_rule
    from .tally import announcement

    r = get_rule(alarm.code)
    at = {"step": int(alarm.at)} if alarm.at is not None and float(alarm.at).is_integer() else {"index": alarm.at}
    text = announcement(alarm, int(alarm.at or 0))
    return {"code": alarm.code, "rule": r.name if r else alarm.detector, "series": alarm.series, "at": at,
            "severity": "error" if r is not None and r.severity.value == "error" else "warning",
            "message": text.render(lang) if text is not None else ""}


def watch(path, *, on_alert: Optional[str] = None, interval: float = 0.5, idle_timeout: Optional[float] = None,
          lang: str = "en", fail_on: str = "error", out: Optional[Callable[[str], None]] = None) -> int:
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
    latest = None
    last_change = time.monotonic()
    ended: Optional[str] = None
    while True:
        polled = follower.poll()
        if polled is not None:
            latest, ended = polled
            last_change = time.monotonic()
            if not isinstance(latest, RunBuilder):
                fresh.extend(alarms.feed_run(latest))
            for alarm in fresh:
                if announcement(alarm, int(alarm.at or 0)) is None:
                    continue  # below warning level: the final diagnosis reports it
                d = _alarm_dict(alarm, lang)
                if (d["code"], d["series"]) in said:
                    continue  # a log read again from its start (truncated or rotated) repeats its points
                said.add((d["code"], d["series"]))
                printed += 1
                where = ", ".join(f"{k} {v}" for k, v in d["at"].items()) or "-"
                out(t("live.watch.finding", lang, where=where, severity=d["severity"], code=d["code"],
                      rule=d["rule"], message=d["message"]))
                if on_alert:
                    _alert(on_alert, d, path)
            fresh.clear()
        grace = min(REAPPEAR_TIMEOUT, idle_timeout) if idle_timeout is not None else REAPPEAR_TIMEOUT
        if ended is None and follower.missing_since is not None:  # deleted: not idle, gone (unless it comes back)
            if follower.gone_for() >= grace:
                raise InputError(path, msg("safety.watch.deleted", seconds=grace).render(lang))
        elif ended is None and idle_timeout is not None and time.monotonic() - last_change >= idle_timeout:
            ended = "idle timeout"
        if ended is not None:
            report = None
            if latest is not None:
                run = latest.run() if isinstance(latest, RunBuilder) else latest
                report = diagnose_run(run, lang=lang)
                for f in report.findings:
                    d = finding_dict(f, lang)
                    if (d["code"], d["series"]) in said:
                        continue
                    printed += 1
                    where = ", ".join(f"{k} {v}" for k, v in d["at"].items()) or "-"
                    out(t("live.watch.finding", lang, where=where, severity=d["severity"], code=d["code"],
                          rule=d["rule"], message=d["message"]))
                    if on_alert and d["severity"] in ("warning", "error"):
                        _alert(on_alert, d, path)
            out(t("live.watch.ended", lang, why=ended, n=printed))
            return 1 if report is not None and report.fails_on(fail_on) else 0
        time.sleep(interval)
