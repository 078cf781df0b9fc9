"""The terminal report breaks lines at the same places whichever word pattern it uses: the cheap one for text with
no CJK character, the one with CJK character classes otherwise."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from trainmedic.report import text as report_text

FULL = re.compile(report_text._CJK_TOKEN)
ALPHABET = st.sampled_from(list("ab ,.\t\n→·é─") + ["中", "文", "。", "，", "ア", "한", "\u3000", "\uff01", "\u2e80"])


@given(st.text(alphabet=ALPHABET, max_size=40) | st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_tokens_are_those_of_the_full_pattern(text):
    assert report_text._tokens(text) == FULL.findall(text)


def test_wrapping_breaks_between_cjk_characters_and_at_spaces():
    assert report_text.wrap("训练损失在学习率升温结束后持续上升", 10) == [
        "训练损失在",
        "学习率升温",
        "结束后持续",
        "上升",
    ]
    assert report_text.wrap("lr: 20 → 0.1 · do this first", 12) == ["lr: 20 → 0.1", "· do this", "first"]
