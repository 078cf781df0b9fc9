"""Steps that cannot change what the Monitor says, put aside and handed to the streaming detectors in bulk.

Most healthy steps only feed the detectors' windows and the gradient-flow tally. A step is quiet when its values are
finite, a gradient flowed (norm > 0), and each value stays below what a detector would need to start anything:
under SPIKE_RATIO times the lowest value of the loss-spike detector's level window (the median it compares with is
at least that), under the gradient-spike and explosion detectors' ratios times the lowest of theirs, and under
GROWTH_RATIO times the lowest gradient norm since the last point where any climb must have restarted (a norm under
BREAK times the one before it). Quiet steps wait as rows and are handed over before the next step that is not
quiet, or when QUIET_ROWS wait: the windowed detectors take them in one exact bulk step (``advance``), the others
point by point. Every alarm is raised at the very step it would have been. No torch.
"""

from __future__ import annotations

import math
from typing import Optional

# Quiet steps handed over at least this often (bounded memory; a bulk step every thousand steps).
QUIET_ROWS = 1024


class QuietSteps:
    """The rows of quiet steps and the bounds that tell a quiet step, for the detectors of :class:`Signals`."""

    def __init__(self, detectors: dict) -> None:
        d = detectors
        self.loss_nonfinite, self.norm_nonfinite = d[("train/loss", "nonfinite")], d[("train/grad_norm", "nonfinite")]
        self.loss_spike, self.norm_spike = d[("train/loss", "spike")], d[("train/grad_norm", "gradient_spike")]
        self.explosion, self.growth = (
            d[("train/grad_norm", "gradient_explosion")],
            d[("train/grad_norm", "gradient_growth")],
        )
        self.zero = d[("train/grad_norm", "zero_gradient")]
        self.rows: list = []  # (step, loss or None, norm)
        self.bounds: Optional[list] = None  # the floors [loss spike, gradient spike, explosion]; None: read again
        self.restart()

    def restart(self) -> None:
        """Forget the rows and the bounds (after the detectors were loaded from a saved state)."""
        self.rows, self.bounds = [], None
        g = self.growth
        # The lowest norm of the current stretch: a climb's reference (the lowest of its first values) is at least
        # this; a resumed detector's own reference is such a value.
        self.low = g.ref if not g.fired and math.isfinite(g.ref) else math.nan
        self.prev = g.prev if math.isfinite(g.prev) else math.nan

    def _floors(self) -> Optional[list]:
        """The lowest value each windowed detector compares with ([loss spike, gradient spike, explosion]; the
        first None while that detector is in the middle of something), or None when the gradient detectors are."""
        ls, ns, ex = self.loss_spike, self.norm_spike, self.explosion
        if not (ns.settled() and (ex.fired or ex.pending is None)):
            return None
        if not (ls.SPIKE_RATIO > 0 and ns.SPIKE_RATIO > 0 and ex.EXPLODE_RATIO > 0 and self.growth.GROWTH_RATIO > 0):
            return None  # the bounds hold for positive ratios only
        return [
            ls.level.lowest if ls.settled() else None,
            ns.level.lowest,
            math.inf if ex.fired else ex.baseline.lowest,
        ]

    def accept(self, step: int, loss: Optional[float], norm: float, eligible: bool) -> bool:
        """Keep the step as a quiet row when ``eligible`` (finite, a gradient flowed, nothing else to decide: the
        caller's checks) and under every bound. Called for every step: it follows the gradient norm's stretches
        (the growth detector drops any climb at a norm that is not a finite non-negative number, and every climb
        restarts at a norm under BREAK times the one before)."""
        g = self.growth
        if not 0.0 <= norm < math.inf:
            self.low = self.prev = math.nan
            return False
        if not norm >= g.BREAK * self.prev or norm < self.low:  # a restart (after a NaN too), or a new lowest
            self.low = norm
        self.prev = norm
        if not eligible or not (g.fired or norm < g.GROWTH_RATIO * self.low):
            return False
        b = self.bounds
        if b is None:
            b = self.bounds = self._floors()
            if b is None:
                return False
        if loss is not None:
            if b[0] is None or not loss < self.loss_spike.SPIKE_RATIO * b[0]:
                return False
        if not (norm < self.norm_spike.SPIKE_RATIO * b[1] and norm < self.explosion.EXPLODE_RATIO * b[2]):
            return False
        if loss is not None and loss < b[0]:
            b[0] = loss
        if norm < b[1]:
            b[1] = norm
        if norm < b[2]:
            b[2] = norm
        self.rows.append((step, loss, norm))
        if len(self.rows) >= QUIET_ROWS:
            self.hand_over()
        return True

    def hand_over(self) -> None:
        """Give the waiting rows to the detectors, with the same result as feeding them one by one."""
        rows = self.rows
        if not rows:
            self.bounds = None
            return
        self.rows = []
        losses = [r[1] for r in rows if r[1] is not None]
        norms = [r[2] for r in rows]
        self.loss_nonfinite.n += len(losses)
        self.norm_nonfinite.n += len(rows)
        self.loss_spike.advance(losses)
        self.norm_spike.advance(norms)
        self.explosion.advance(norms, {"loss": [math.nan if r[1] is None else r[1] for r in rows]})
        self.zero.n += len(rows)
        self.zero.run = 0
        update = self.growth.update
        for step, loss, norm in rows:
            update(float(step), norm, loss=math.nan if loss is None else loss)
        self.bounds = None
