"""Console text logs fed generated hostile text (kept apart from the structured readers: the text reader has its own
linear-time work). Each input must end as a result or a one-line InputError within the budget."""

from __future__ import annotations

import samples  # noqa: F401  (puts the helpers of this folder on the path first)
import strategies as S
from budget import assert_clean, fuzz_settings, run_bounded
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_readers import _in_folder, _read

HOSTILE = fuzz_settings()
WORDS = ["loss", "Loss:", "step", "Step", "=", ":", "|", "epoch", "lr", "\r", "\n", "nan", "inf", "%|", "it/s]"]
lines = st.lists(st.one_of(st.sampled_from(WORDS), S.numbers, S.texts), max_size=40).map(" ".join)


@HOSTILE
@given(st.data())
def test_console_log(data):
    text = "\n".join(data.draw(st.lists(lines, min_size=1, max_size=200)))
    repeat = data.draw(st.integers(1, 50))  # a few hundred KB at most: the default run stays fast
    _in_folder({"train.log": data.draw(S.damaged(text * repeat))}, _read, "train.log")


def test_long_digit_runs_before_carriage_returns_are_read_in_linear_time(tmp_path):
    (tmp_path / "train.log").write_text(("9" * 10_000 + " 0.2   5.6e+16 \r 01 lr 731\n") * 40)
    assert_clean(run_bounded(_read, tmp_path / "train.log", seconds=5), "long digit runs")
