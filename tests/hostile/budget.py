"""Run one read of a hostile input in a forked child, under a time and memory budget.

The parent polls the child's resident memory and kills it past the budget, so a reader that hangs inside C code (a
hash walking shared references, a regex) or allocates gigabytes fails the test instead of stalling the machine. The
child reports how the read ended: a result, an InputError (one line for the user), or any other exception (a bug).
"""

from __future__ import annotations

import os
import pickle
import signal
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

# Per input: a hostile file of a few KB must be answered in well under a second; the margin is for a shared 2-core
# machine under load. Memory is what the read adds to the process that forked it.
SECONDS = 10.0
MEGABYTES = 300
_PAGE = os.sysconf("SC_PAGE_SIZE")
# The hypothesis profile the run asked for (set by conftest.py); ``hostile`` unless ``hostile-bench`` was named.
PROFILE = "hostile"


def fuzz_settings():
    """Settings for a fuzz test: the ``hostile-bench`` profile when the run named it, else ``hostile``."""
    from hypothesis import settings

    return settings(settings.get_profile("hostile-bench" if PROFILE == "hostile-bench" else "hostile"))


@dataclass
class Outcome:
    """How one bounded read ended: ``ok`` | ``input_error`` | ``exception`` | ``timeout`` | ``memory``."""

    kind: str
    detail: str = ""
    value: Any = None
    seconds: float = 0.0
    peak_mb: float = 0.0

    def clean(self) -> bool:
        """A result or one clear line: what every hostile input must end as."""
        return self.kind in ("ok", "input_error")


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _child(fn: Callable, args: tuple, wfd: int) -> None:
    from trainmedic.errors import InputError

    try:
        value = fn(*args)
        out = ("ok", "", value)
    except InputError as exc:
        out = ("input_error", str(exc), None)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the test with it
        out = ("exception", "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:], None)
    try:
        data = pickle.dumps(out)
    except Exception:  # noqa: BLE001 - a result that does not pickle is still a result
        data = pickle.dumps((out[0], out[1], None))
    with os.fdopen(wfd, "wb") as fh:
        fh.write(data)


def run_bounded(fn: Callable, *args: Any, seconds: float = SECONDS, megabytes: float = MEGABYTES) -> Outcome:
    """Call ``fn(*args)`` in a forked child under the budget; ``fn`` returns something picklable (or None)."""
    rfd, wfd = os.pipe()
    base = _rss(os.getpid())
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(rfd)
        try:
            _child(fn, args, wfd)
        finally:
            os._exit(0)
    os.close(wfd)
    os.set_blocking(rfd, False)
    chunks: list = []
    peak = 0
    kind = ""
    while True:
        peak = max(peak, _rss(pid) - base)
        try:
            chunk = os.read(rfd, 1 << 16)
            if chunk:
                chunks.append(chunk)
        except BlockingIOError:
            pass
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if peak > megabytes * 1e6:
            kind = "memory"
        elif time.monotonic() - started > seconds:
            kind = "timeout"
        if kind:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
        time.sleep(0.005)
    elapsed = time.monotonic() - started
    while True:
        try:
            chunk = os.read(rfd, 1 << 16)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(rfd)
    if kind:
        return Outcome(kind, f"{kind} after {elapsed:.1f} s, {peak / 1e6:.0f} MB", seconds=elapsed, peak_mb=peak / 1e6)
    if not chunks:
        return Outcome("exception", "the child died without a word", seconds=elapsed, peak_mb=peak / 1e6)
    k, detail, value = pickle.loads(b"".join(chunks))
    return Outcome(k, detail, value, seconds=elapsed, peak_mb=peak / 1e6)


def assert_clean(outcome: Outcome, what: str = "") -> None:
    """Fail with the child's story unless the read ended as a result or an InputError within the budget."""
    assert outcome.clean(), f"{what}: {outcome.kind}: {outcome.detail}"
    if outcome.kind == "input_error":
        assert "\n" not in outcome.detail.strip(), f"{what}: the error is not one line: {outcome.detail!r}"
