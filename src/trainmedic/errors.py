"""Errors a user can cause. The CLI turns them into one line on stderr and exit code 2."""

from __future__ import annotations


class InputError(Exception):
    """An artifact could not be read: unreadable, empty, binary, truncated, unknown format or without numbers.

    The message names the file and the reason in one line, e.g. ``logs/train.log: no numbers found``.
    """

    def __init__(self, path: object, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

