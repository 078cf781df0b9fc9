"""Saying what the guard does while it does it: each kind of action or alarm announced once, repeats summarised,
and a short summary at the end of the run.

Messages go to the ``trainmedic`` logger and, when an integration gives one, to the framework's own display (the
Hugging Face progress bar, Lightning's ``print``), so that a progress bar is not torn apart. With a display the
logger receives them at INFO (for log files), without one at WARNING (Python shows warnings by default). Only rank
0 speaks. No torch.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, Optional

from ..i18n import Msg, msg, t

logger = logging.getLogger("trainmedic")

# After the first announcement of a kind, repeats are summarised when their count reaches 10, 100, 1000 ... or
# when a minute has passed since the last summary of that kind: a guard skipping every step says so a few times,
# not thousands.
SUMMARY_SECONDS = 60.0


class Announcer:
    """Announces events of the run once per kind and summarises repeats."""

    def __init__(
        self,
        *,
        enabled: bool = True,
        display: Optional[Callable[[str], None]] = None,
        details: str = "",
        lang: str = "en",
    ) -> None:
        self.enabled, self.display, self.details, self.lang = enabled, display, details, lang
        self.counts: dict = {}  # kind -> [count, first step, last step, count at last summary, time of last summary]

    def say(self, text: str) -> None:
        """Emit one line (rank 0 only: the Monitor builds no enabled Announcer on other ranks)."""
        if not self.enabled:
            return
        line = "trainmedic: " + text
        if self.display is not None:
            logger.info(line)
            try:
                self.display(line)
            except Exception:  # a display that fails must not break training; the logger still has the line
                logger.warning(line)
        else:
            logger.warning(line)

    def event(self, kind: str, message: Msg, step: int) -> None:
        """Announce ``message`` the first time ``kind`` happens; count and summarise the repeats."""
        c = self.counts.get(kind)
        now = time.monotonic()
        if c is None:
            self.counts[kind] = [1, step, step, 1, now]
            where = msg("live.announce.details", where=self.details) if self.details else ""
            self.say(
                t(
                    "live.announce.first",
                    self.lang,
                    what=message.render(self.lang),
                    details=where.render(self.lang) if where else "",
                )
            )
            return
        c[0] += 1
        c[2] = step
        decade = c[0] >= 10 * c[3]
        if decade or now - c[4] >= SUMMARY_SECONDS:
            self.say(
                t("live.announce.repeats", self.lang, n=c[0] - 1, what=message.render(self.lang), first=c[1], last=step)
            )
            c[3], c[4] = c[0], now

    def state_dict(self) -> dict:
        """Counts by kind (JSON-safe), so a resumed run does not announce again what it already said."""
        return {k: v[:4] for k, v in self.counts.items()}

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        now = time.monotonic()
        self.counts = {k: [*map(int, v[:4]), now] for k, v in state.items() if isinstance(v, list) and len(v) >= 4}
