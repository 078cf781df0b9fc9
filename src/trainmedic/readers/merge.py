"""Merge several sources of one run without doubling points.

A Hugging Face output directory holds ``trainer_state.json`` and often a console log of the same steps; a run folder
may hold ``metrics.csv`` and ``train.log``. For every series the best source is kept whole — a structured file before
a text log, then the one with both step and epoch axes, then the one with more points — and another source only adds
points at positions the first lacks. What was merged is noted on the other source's :class:`SourceInfo`.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Union

import numpy as np

from ..i18n import Msg, msg
from ..run import Run, Series

TEXT_FORMATS = {"text-log", "markdown"}  # free-form logs: rounded numbers, so a structured file wins on equal positions
EPOCH_TOLERANCE = 0.005
# Two prints of one value agree within this share of it (a console rounds to 4 digits what a file stores in full).
VALUE_TOLERANCE = 1e-3
# Values that must match at the shifted epochs before two sources are taken to number epochs one apart.
MIN_SHIFT_MATCHES = 2
# Events told apart by what they say (a loss-scale cascade within one step), not only by kind and position.
_SAID_EVENTS = {
    "warning",
    "error",
    "lr_change",
}  # epochs printed with 2 decimals (0.03) and stored with 4 (0.0321) are the same point


def _rank(series: Series, fmt: str) -> tuple:
    return (fmt not in TEXT_FORMATS, series.has_step and series.has_epoch, len(series))


def merge_runs(parts: list) -> Run:
    """One Run from several Runs read from sources of the same training run.

    Config values keep the first source that set them (so order ``parts`` by trust); events are kept once.
    """
    run = Run()
    candidates: dict = {}
    seen_events: dict = {}
    for part in parts:
        fmt = part.sources[0].format if part.sources else ""
        for s in part.series.values():
            candidates.setdefault(s.name, []).append((s, fmt, part))
        for e in part.events:
            key = _event_key(e)
            if key not in seen_events:
                seen_events[key] = len(run.events)
                run.events.append(e)
            elif e.kind == "checkpoint" and _exists(e) and not _exists(run.events[seen_events[key]]):
                run.events[seen_events[key]] = e  # the same checkpoint: keep the path that is on this disk
        run.config.merge(part.config)
        run.sources.extend(part.sources)
        run.warnings.extend(w for w in part.warnings if w not in run.warnings)
        run.references.extend(part.references)
        run.observations.extend(part.observations)
        if not run.path:
            run.path = part.path
    # One note per (source, primary source): how many series it shared, how many points it added.
    tally: dict = {}
    for name, cands in candidates.items():
        if len(cands) == 1:
            run.series[name] = cands[0][0]
            continue
        cands = sorted(cands, key=lambda c: _rank(c[0], c[1]), reverse=True)
        merged = cands[0][0]
        for other, _fmt, part in cands[1:]:
            merged, note = fold(merged, other)
            if not part.sources:
                continue
            if isinstance(note, Msg):  # series on no common axis: said on its own
                part.sources[0].notes.append(note)
                continue
            where, dropped, added = note
            entry = tally.setdefault((id(part), where), [part.sources[0], 0, 0, 0])
            entry[1] += 1
            entry[2] += dropped
            entry[3] += added
        run.series[name] = merged
    for (_, where), (source, count, dropped, added) in tally.items():
        source.notes.append(msg("readers.note.merged", count=count, primary=where, dropped=dropped, added=added))
    return run


def _event_key(e) -> tuple:
    """Events that are the same happening: a checkpoint logged by the console (often with an absolute path written on
    the training machine) and found as a folder is one checkpoint, matched by step and folder/file name."""
    path = str(e.data.get("path", ""))
    if e.kind == "checkpoint":
        path = Path(path.rstrip("/\\")).name
    said = e.message if e.kind in _SAID_EVENTS else ""  # two warnings at one step are two warnings
    return (e.kind, e.step, e.epoch if e.step is None else None, path, said)


def _exists(e) -> bool:
    try:
        return Path(str(e.data.get("path", ""))).exists()
    except OSError:
        return False


class Folded(NamedTuple):
    """A merged series, and what merging did: ``(primary source name, points not doubled, points added)``, or a Msg
    when the two series share no axis and were not merged."""

    series: Series
    note: Union[tuple, Msg]


def fold(primary: Series, other: Series) -> Folded:
    """Add to ``primary`` the points of ``other`` at positions it lacks (see :class:`Folded`)."""
    where = Path(primary.source).name or primary.source or "?"
    if primary.has_step and other.has_step:
        p_axis, o_axis, tol = primary.step, other.step, 0.0
    elif primary.has_epoch and other.has_epoch:
        shift = _epoch_shift(primary, other)
        if shift:
            other = Series(
                other.name, other.values, other.step, other.epoch + shift, other.label, other.source, other.order
            )
        p_axis, o_axis, tol = primary.epoch, other.epoch, EPOCH_TOLERANCE
    else:
        return Folded(primary, msg("readers.note.unaligned", series=primary.name, primary=where))
    known = np.sort(p_axis[np.isfinite(p_axis)])
    new = np.isfinite(o_axis)
    if len(known):
        idx = (
            np.clip(np.searchsorted(known, o_axis), 1, len(known) - 1)
            if len(known) > 1
            else np.zeros(len(o_axis), dtype=int)
        )
        nearest = np.minimum(np.abs(known[idx] - o_axis), np.abs(known[np.maximum(idx - 1, 0)] - o_axis))
        new &= ~(nearest <= tol)
    added = int(new.sum())
    note = (where, int(len(other) - added), added)
    if not added:
        return Folded(primary, note)
    step, epoch = other.step[new], other.epoch[new]
    if primary.has_step and not np.isfinite(step).all():
        step = np.where(np.isfinite(step), step, _steps_for_epochs(primary, epoch))
    merged = Series(
        primary.name,
        np.concatenate([primary.values, other.values[new]]),
        np.concatenate([primary.step, step]),
        np.concatenate([primary.epoch, epoch]),
        primary.label,
        primary.source,
    )
    return Folded(merged.sorted(dedupe=False), note)


def _epoch_shift(primary: Series, other: Series) -> int:
    """-1 or +1 when ``other`` numbers the same epochs one apart (a console that counts from 1 beside a file that
    counts from 0): its values match the primary's at the shifted epochs, and more often than unshifted; else 0."""

    def matches(shift: int) -> int:
        known = dict(zip(np.round(primary.epoch, 3).tolist(), primary.values.tolist()))
        hits = 0
        for e, v in zip(np.round(other.epoch + shift, 3).tolist(), other.values.tolist()):
            p = known.get(e)
            hits += p is not None and (p == v or abs(p - v) <= VALUE_TOLERANCE * max(abs(p), abs(v)))
        return hits

    base = matches(0)
    best = max((-1, 1), key=matches)
    return best if matches(best) >= MIN_SHIFT_MATCHES and matches(best) > base else 0


def _steps_for_epochs(primary: Series, epoch: np.ndarray) -> np.ndarray:
    """Place epoch-only points on the primary's step axis using its own steps-per-epoch."""
    both = np.isfinite(primary.step) & np.isfinite(primary.epoch) & (primary.epoch > 0)
    if not both.any():
        return np.full(len(epoch), np.nan)
    per_epoch = float(np.median(primary.step[both] / primary.epoch[both]))
    return np.round(epoch * per_epoch)
