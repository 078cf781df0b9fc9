"""How a Series stores its points: an axis the source does not record costs no memory and stays so through the
operations rules use; a series already in order is not copied to be sorted."""

from __future__ import annotations

import numpy as np

from trainmedic.readers import load_run
from trainmedic.run import Series, is_unknown


def test_an_axis_the_source_does_not_record_takes_no_memory():
    s = Series.build("train/loss", [3.0, 2.0, 1.0, 0.5], step=[10, 20, 30, 40])
    assert is_unknown(s.epoch) and is_unknown(s.order) and not is_unknown(s.step)
    assert s.epoch.strides == (0,) and np.isnan(s.epoch).all() and len(s.epoch) == 4
    assert s.x.tolist() == [10, 20, 30, 40] and s.axis == "step" and s.at(1) == {"step": 20}
    picked = s.take(np.array([3, 1]))
    assert is_unknown(picked.epoch) and picked.step.tolist() == [40, 20] and len(picked.epoch) == 2
    assert is_unknown(Series.build("eval/acc", [0.5, 0.6], epoch=[1.0, 2.0], step=[np.nan, np.nan]).step)


def test_a_series_in_order_is_its_own_sorted_copy():
    s = Series.build("train/loss", [3.0, 2.0, 1.0], step=[1, 2, 3])
    assert s.sorted() is s and s.sorted(dedupe=False) is s
    back = Series.build("train/loss", [3.0, 2.0, 1.0], step=[3, 2, 2])
    assert back.sorted().step.tolist() == [2, 3] and back.sorted().values.tolist() == [1.0, 3.0]
    assert back.sorted(dedupe=False).values.tolist() == [2.0, 1.0, 3.0]


def test_rows_of_a_table_with_steps_keep_no_row_numbers(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,step,train_loss\n" + "".join(f"0,{s},{1 / (s + 1)}\n" for s in range(50)))
    loss = load_run([path]).series["train/loss"]
    assert is_unknown(loss.order) and loss.axis == "step" and loss.at(49) == {"step": 49, "epoch": 0.0}
    no_steps = tmp_path / "history.csv"
    no_steps.write_text("train_loss\n" + "".join(f"{1 / (i + 1)}\n" for i in range(5)))
    rows = load_run([no_steps]).series["train/loss"]
    assert rows.axis == "index" and rows.order.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]  # the rows' order is the axis


def _build(chunks, merge_blocks):
    from trainmedic.readers import columns

    saved = columns.MERGE_BLOCKS
    columns.MERGE_BLOCKS = merge_blocks
    try:
        b = columns.SeriesBuilder("metrics.csv")
        for values, step, present in chunks:
            b.add("train_loss", values, step, None, present)
            b.add("val_loss", values[::3], None, None, None)  # no step: the rows' order is its axis
            b.next_rows(len(values))
        return {s.name: repr((s.values.tolist(), s.step.tolist(), s.order.tolist())) for s in b.series()}  # nan == nan
    finally:
        columns.MERGE_BLOCKS = saved


def test_small_blocks_merged_while_reading_build_the_same_series():
    rng = np.random.default_rng(5)
    chunks, at = [], 0
    for _ in range(40):
        n = int(rng.integers(1, 30))
        step = np.arange(at, at + n, dtype=float)
        if rng.random() < 0.2:
            step[rng.integers(0, n)] = np.nan  # a row without a step: the rows' order is kept
        present = rng.random(n) < 0.7 if rng.random() < 0.5 else None
        chunks.append((rng.random(n), step, present))
        at += n
    reference = _build(chunks, merge_blocks=10**9)  # every chunk's block kept apart
    assert _build(chunks, merge_blocks=2) == reference
    assert _build(chunks, merge_blocks=5) == reference


def test_a_million_row_table_holds_its_points_in_a_few_large_blocks(tmp_path):
    from trainmedic.readers import columns

    rows = ["step,train_loss"] + [f"{i},{1.0 / (i + 1):.6f}" for i in range(200_000)]
    path = tmp_path / "metrics.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    seen = []
    real = columns.SeriesBuilder.series

    def spy(self, **kw):
        seen.extend(len(blocks) for blocks in self._blocks.values())
        return real(self, **kw)

    columns.SeriesBuilder.series = spy
    try:
        run = load_run([path])
    finally:
        columns.SeriesBuilder.series = real
    assert len(run.series["train/loss"]) == 200_000
    assert max(seen) <= 200_000 // (columns.MERGE_BLOCKS * 2048) + columns.MERGE_BLOCKS  # not one per 2048-row chunk
