"""A train loss that leaves its minimum as the gradient norm explodes, and stays up: divergence seen early.

On its own a loss at 1.5x its minimum may still be a noisy stretch (TM201 wants 2x). Beside a gradient norm that
jumped tenfold and stays there (TM801's definition, silent when the loss falls through the jump), a loss that never
comes back near its minimum and sits well beyond its own noise above it has left its optimum: the same failure,
told at its start rather than once the loss has doubled.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..run import Run, Series
from .curves import point_noise, series_of
from .gradients import EXPLOSION, explosion_point
from .streaming import aligned


def _climb_from(raw: np.ndarray, lo_i: int, onset_ratio: float) -> Optional[int]:
    """The first point after ``lo_i`` from which the loss never again comes within ``onset_ratio`` of its value
    there (a non-finite value counts as above), or None."""
    lo = float(raw[lo_i])
    above = np.where(np.isfinite(raw), raw, np.inf)
    suffix_min = np.minimum.accumulate(above[::-1])[::-1]
    k = np.flatnonzero((np.arange(len(raw)) > lo_i) & (suffix_min >= onset_ratio * lo))
    return int(k[0]) if k.size else None


def explosion_climb(run: Run, train: Series, *, onset_ratio: float, noise_z: float, min_after: int) -> Optional[dict]:
    """``{"min", "onset", "last", "ratio", "grad", "jump", "level"}`` for a train loss that climbs from its minimum
    while a gradient norm of its model explodes and stays up, or None.

    The minimum is the lowest loss logged up to the jump; from the onset on (no later than the jump is confirmed)
    every point stays at least ``onset_ratio`` times above it, there are ``min_after`` points or more, and their
    median is ``noise_z`` times the loss's point noise (from the minimum on) above the minimum.
    """
    raw = train.values
    fin = np.isfinite(raw)
    for g in series_of(run, split="train", metric="grad_norm", group=train.parsed.group):
        if g.axis != train.axis:
            continue
        hit = explosion_point(g.values, EXPLOSION, g.x, aligned(g.x, train.x, raw))
        if hit is None:  # no explosion, or one the loss falls through (a model leaving its plateau)
            continue
        jump = hit[0]
        confirmed_x = float(g.x[min(jump + EXPLOSION.sustain_points, len(g) - 1)])
        before = np.flatnonzero(fin & (train.x <= g.x[jump]))
        if before.size < 2:
            continue
        lo_i = int(before[np.argmin(raw[before])])
        lo = float(raw[lo_i])
        k = _climb_from(raw, lo_i, onset_ratio) if lo > 0 else None
        if k is None or float(train.x[k]) > confirmed_x:
            continue
        after = raw[k:][fin[k:]]
        noise = point_noise(raw[lo_i:])  # from the minimum on: the fall before it is the model learning, not noise
        if after.size < min_after or not np.isfinite(noise):
            continue
        level = float(np.median(after))
        if level - lo < noise_z * noise:
            continue
        last = int(np.flatnonzero(fin)[-1])
        return {"min": lo_i, "onset": k, "last": last, "ratio": level / lo, "grad": g, "jump": jump, "level": level}
    return None
