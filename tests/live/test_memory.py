"""The Monitor's memory is bounded however long the run: series keep a fixed budget of points, events and
observations of one kind a fixed number, while the totals stay right."""

from __future__ import annotations

import math

import numpy as np

from trainmedic.livelog import MAX_PER_KIND, RunBuilder
from trainmedic.livelog.history import (
    CHUNK_POINTS,
    EXTREME_BUCKETS,
    FOLD_CHUNKS,
    GRID_POINTS,
    NONFINITE_KEPT,
    RECENT_POINTS,
    SeriesHistory,
)
from trainmedic.rules import check_all

# The most one series can hold: the recent window and a chunk being filled, plus the decimated history.
MAX_POINTS = RECENT_POINTS + FOLD_CHUNKS * CHUNK_POINTS + GRID_POINTS + 2 * EXTREME_BUCKETS + NONFINITE_KEPT + 2
SERIES_PER_STEP = 4  # loss, grad_norm, lr, step_time


def _feed(builder: RunBuilder, start: int, stop: int, rng) -> None:
    for i in range(start, stop):
        loss = 2.0 * math.exp(-i / 20000) + 0.05 * rng.standard_normal()
        rec = {
            "type": "step",
            "step": i + 1,
            "loss": loss,
            "grad_norm": 1.0 + 0.1 * rng.standard_normal(),
            "lr": [1e-3],
            "step_time": 0.01,
            "action": "step",
            "batch": i,
        }
        if i % 7919 == 0:
            rec["loss"] = "nan"  # the guard's skipped steps keep their NaN loss
            builder.add({"type": "event", "kind": "skip", "step": i + 1, "message": "", "data": {"batch": i}})
        builder.add(rec)


def test_memory_stops_growing_and_the_run_still_reads_right():
    rng = np.random.default_rng(0)
    small = {"recent": 512, "chunk": 128, "grid": 256, "buckets": 64, "nonfinite": 32}
    builder = RunBuilder("live.jsonl", history=small)
    _feed(builder, 0, 20_000, rng)
    first = sum(c.nbytes for c in builder.columns.values())
    _feed(builder, 20_000, 60_000, rng)
    later = sum(c.nbytes for c in builder.columns.values())
    assert later <= first * 1.05  # three times the steps, the same memory
    run = builder.run()
    loss = run.series["train/loss"]
    assert len(loss) < 1500 and loss.step[-1] == 60_000 and run.sources[0].points == 4 * 60_000
    assert int(np.isnan(loss.values).sum()) == 8  # every non-finite point kept
    assert [f.code for f in check_all(run) if f.code == "TM101"]


def test_default_budget_is_under_20_mb_at_ten_million_steps():
    """The budget is a constant: the bound below holds at any length (checked here by filling one series past it)."""
    per_series = MAX_POINTS * 3 * 8  # step, epoch, value as float64
    assert SERIES_PER_STEP * per_series < 20e6
    h = SeriesHistory()
    rng = np.random.default_rng(1)
    for i in range(RECENT_POINTS * 3):
        h.append(float(i), math.nan, float(rng.standard_normal()))
    assert h.nbytes <= per_series and len(h) <= MAX_POINTS


def test_events_of_one_kind_are_capped_but_counted():
    builder = RunBuilder("live.jsonl")
    builder.add({"format": "trainmedic-live", "type": "header", "config": {}})
    for i in range(MAX_PER_KIND + 500):
        builder.add(
            {"type": "event", "kind": "skip", "step": i + 1, "message": "", "data": {"batch": i, "reason": "nonfinite"}}
        )
    builder.add(
        {
            "type": "event",
            "kind": "end",
            "step": MAX_PER_KIND + 500,
            "message": "",
            "data": {"skipped": MAX_PER_KIND + 500},
        }
    )
    run = builder.run()
    assert len(run.events_of("skip")) == MAX_PER_KIND and builder.counts["skip"] == MAX_PER_KIND + 500
    [guard] = [f for f in check_all(run) if f.code == "TM150"]
    assert f"skipped {MAX_PER_KIND + 500} steps" in guard.message.render()
