"""Bounded memory for a live series over arbitrarily long runs: the recent points at full resolution, everything
older decimated to a fixed budget that keeps the run's shape, every extreme and every non-finite point.

Older points are thinned to a grid evenly spaced in steps (what a coarser logging interval would have recorded,
which the rules are robust to), plus the lowest and the highest value of each of EXTREME_BUCKETS equal spans (a
spike or a dip is never smoothed away) and the non-finite points (the first and the last NONFINITE_KEPT / 2 of them
once there are more). The cost of a step is O(1) amortised; memory is O(RECENT_POINTS + GRID_POINTS). Numpy only.
"""

from __future__ import annotations

from array import array

import numpy as np

# Full resolution for the last 16k points of each series: longer than any window a rule looks back over (the
# longest is 50 points), and the whole of most runs.
RECENT_POINTS = 16384
# Points arrive in chunks of this many; chunks that leave the recent window are folded into the decimated history
# FOLD_CHUNKS at a time (a fold costs about as much for one chunk as for four: it re-thins the whole history).
CHUNK_POINTS = 1024
FOLD_CHUNKS = 4
# The decimated history: 4096 points on an even grid of steps, the lowest and highest of each of 1024 spans, and at
# most 1024 non-finite points: about 160 KB per series whatever the length of the run.
GRID_POINTS = 4096
EXTREME_BUCKETS = 1024
NONFINITE_KEPT = 1024


def decimate(
    x: np.ndarray,
    values: np.ndarray,
    *,
    grid: int = GRID_POINTS,
    buckets: int = EXTREME_BUCKETS,
    nonfinite: int = NONFINITE_KEPT,
) -> np.ndarray:
    """Indices (sorted) of the points to keep from points ordered along ``x``: the grid, the extremes per bucket,
    the non-finite points and the first and last point."""
    n = len(x)
    if n <= grid:
        return np.arange(n)
    keep = [np.array([0, n - 1])]
    fin = np.isfinite(values)
    bad = np.flatnonzero(~fin)
    if bad.size > nonfinite:
        bad = np.r_[bad[: nonfinite // 2], bad[-(nonfinite // 2) :]]
    keep.append(bad)
    targets = np.linspace(x[0], x[-1], grid)
    keep.append(np.clip(np.searchsorted(x, targets), 0, n - 1))
    # The lowest and highest finite value of each of ``buckets`` equal spans of points, found for all spans at once.
    starts = np.unique(np.linspace(0, n, buckets + 1).astype(int)[:-1])
    bucket = np.searchsorted(starts, np.arange(n), side="right") - 1
    for fill, reduce in ((np.inf, np.minimum), (-np.inf, np.maximum)):
        v = np.where(fin, values, fill)
        best = reduce.reduceat(v, starts)
        hit = np.flatnonzero((v == best[bucket]) & fin)
        _, first = np.unique(bucket[hit], return_index=True)
        keep.append(hit[first])
    return np.unique(np.concatenate(keep))


class SeriesHistory:
    """Step, epoch and value of one series, appended in step order, kept within a fixed memory budget.

    The chunk being filled is a flat ``array('d')`` of step, epoch, value triples (an append is one C-level extend,
    not three numpy element writes); a full chunk becomes one (3, chunk) float64 array."""

    def __init__(
        self,
        recent: int = RECENT_POINTS,
        chunk: int = CHUNK_POINTS,
        grid: int = GRID_POINTS,
        buckets: int = EXTREME_BUCKETS,
        nonfinite: int = NONFINITE_KEPT,
    ) -> None:
        self.chunk, self.max_chunks = chunk, max(1, recent // chunk)
        self._full = 3 * chunk
        self.grid, self.buckets, self.nonfinite = grid, buckets, nonfinite
        self._rows = array("d")
        self._recent: list = []  # full chunks, oldest first, each a (3, chunk) array
        self._old = np.empty((3, 0))
        self._sealed = 0  # points appended before the chunk being filled

    def __len__(self) -> int:
        return self._old.shape[1] + len(self._recent) * self.chunk + len(self._rows) // 3

    def append(self, step: float, epoch: float, value: float) -> None:
        """Add one point (kept as a row until a chunk is full)."""
        rows = self._rows
        rows.extend((step, epoch, value))
        if len(rows) >= self._full:
            self._seal()

    def extend(self, steps: list, epochs: list, values: list) -> None:
        """Append many points at once (same result as :meth:`append` on each)."""
        block = np.empty((len(values), 3))
        block[:, 0], block[:, 1], block[:, 2] = steps, epochs, values
        flat = block.ravel()
        at = 0
        while at < len(flat):
            take = self._full - len(self._rows)
            self._rows.frombytes(flat[at : at + take].tobytes())
            at += take
            if len(self._rows) >= self._full:
                self._seal()

    def _seal(self) -> None:
        """Turn the full chunk into an array; fold the chunks that leave the recent window."""
        self._sealed += len(self._rows) // 3
        self._recent.append(np.frombuffer(self._rows, dtype=float).reshape(-1, 3).T.copy())
        self._rows = array("d")
        if len(self._recent) >= self.max_chunks + FOLD_CHUNKS:
            leaving, self._recent = self._recent[:FOLD_CHUNKS], self._recent[FOLD_CHUNKS:]
            self._fold(leaving)

    @property
    def count(self) -> int:
        """Points ever appended."""
        return self._sealed + len(self._rows) // 3

    def _fold(self, chunks: list) -> None:
        old = np.concatenate([self._old, *chunks], axis=1)
        keep = decimate(old[0], old[2], grid=self.grid, buckets=self.buckets, nonfinite=self.nonfinite)
        self._old = old[:, keep]

    def arrays(self) -> tuple:
        """``(steps, epochs, values)`` of every point kept, oldest first."""
        tail = np.frombuffer(self._rows, dtype=float).reshape(-1, 3).T if self._rows else np.empty((3, 0))
        allp = np.concatenate([self._old, *self._recent, tail], axis=1)
        return allp[0], allp[1], allp[2]

    @property
    def nbytes(self) -> int:
        """Memory held by the points (the chunk being filled counted at the size it grows to)."""
        return self._old.nbytes + sum(c.nbytes for c in self._recent) + self._full * self._rows.itemsize
