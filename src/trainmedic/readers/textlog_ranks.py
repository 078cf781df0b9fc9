"""Several processes printing into one console log.

Lines prefixed with a rank (``[rank1]:``, ``[default0]:``, ``rank 2``) are attributed to it and the lines of one
process are kept (rank 0 when it printed, else the first rank seen); lines without a prefix belong to every process.
Output of two processes can also cut each other's lines: the end of a cut line (``36.9 | grad_norm: 1.27``) is skipped
and counted, not read as a point of its own.
"""

from __future__ import annotations

from typing import Optional

from .textlog_buffer import NO_RANK


class RanksMixin:
    """The part of :class:`~.textlog_parser.LogParser` that tracks the processes of a log."""

    ranks: list
    fragments: int = 0

    def _saw_rank(self, rank: Optional[int]) -> int:
        """Note a line of ``rank`` (None: no prefix); the rank number the points of the line are stored with."""
        if rank is None:
            return NO_RANK
        if rank not in self.ranks:
            self.ranks.append(rank)
        return rank

    def kept_rank(self) -> int:
        """The process whose lines are kept: rank 0 when it printed, else the first one seen."""
        return 0 if 0 in self.ranks else (self.ranks[0] if self.ranks else NO_RANK)
