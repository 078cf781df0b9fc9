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
