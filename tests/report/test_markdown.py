"""Markdown: headings in the report's order, tables that survive what logs contain."""

from __future__ import annotations

from trainmedic.report.model import Report, RunSummary, Table


def test_sections_in_order_as_headings(failed):
    md = failed.to_markdown()
    assert md.startswith("# trainmedic: Training run diagnosis\n")
    assert "**Verdict:** failed" in md
    headings = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["What was read", "Evidence", "Why", "Fixes", "Checkpoints", "What to watch next", "Notes"]
    assert md.index("**Conclusion:** Most likely") < md.index("## What was read")


def test_values_a_user_acts_on(failed):
    md = failed.to_markdown()
    assert "| output/trainer_state.json | hf-trainer | 5 | 119 |" in md
    assert "- `lr = 2e-05` (bertTextRNN_FT.py:10)" in md
    assert "1. **max_grad_norm: 0 → 1**" in md
    assert "`TM101 nonfinite-loss`" in md
    assert "output/checkpoint-2000" in md


def test_cells_from_logs_do_not_break_tables():
    r = Report(kind="compare", runs=[RunSummary(path="runs/a|b.csv", format="csv")],
               tables=[Table(title="Config", columns=["key", "A", "B"], rows=[["lr", 7.5e-05, "x|y"]])])
    md = r.to_markdown()
    assert "| runs/a\\|b.csv | csv | 0 | 0 |" in md
    assert "| lr | 7.5e-05 | x\\|y |" in md
    assert "## Config" in md


def test_chinese_markdown(failed):
    md = failed.to_markdown("zh")
    assert md.startswith("# trainmedic: 训练运行诊断\n")
    headings = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["读取了什么", "证据", "原因", "修复建议", "检查点", "下一次运行要关注什么", "备注"]
