"""`trainmedic rules` prints its tables exactly as rich.table lays them out (column widths, wrapping, CJK cells two
wide, long words folded), without building rich's console for the common case."""

from __future__ import annotations

import pytest

from trainmedic.cli import main
from trainmedic.findings import SEVERITY_WORDS
from trainmedic.i18n import t
from trainmedic.rules import docs_table
from trainmedic.rules.checks import all_checks
from trainmedic.rules.docs import rule_text
from trainmedic.rules.index import documented_rules

HEADER = ["code", "name", "severity", "summary"]
# Rows a plugin could bring: markup-like brackets and emoji codes are text, CJK without spaces, a word longer than
# the column, an empty summary, a name wider than the built-in ones.
ODD_ROWS = [
    ["XY100", "loss-ceiling", "error", "Loss above [bold]10[/bold] :smile: once per epoch, [fp16] only."],
    ["XY101", "中文规则", "警告", "训练损失在学习率升温结束后持续上升并且验证损失同步变坏，说明步长过大。"],
    ["XY102", "url", "info", "See https://example.org/a/very/long/path/that/does/not/fit/in/one/column/at/all/ok"],
    ["XY103", "empty", "info", ""],
    ["XY104", "a-rather-long-plugin-rule-name-indeed", "warning", "Short."],
]


def built_in_rows(lang: str) -> list:
    rows = [
        [r.code, r.name, t(SEVERITY_WORDS[r.severity.value], lang), rule_text(r, "summary", lang)]
        for r in documented_rules()
    ]
    rows += [[c.code, c.name, t(SEVERITY_WORDS[str(c.severity)], lang), t(c.summary, lang)] for c in all_checks()]
    return rows


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [40, 60, 79, 80, 81, 100, 132])
def test_rule_tables_are_rich_tables(lang, width):
    header = t("rules.docs.columns", lang).split("|")
    header = [header[0], header[1], header[3], header[4]]
    rows = built_in_rows(lang)
    assert docs_table.table(header, rows, width) == docs_table.rich_table(header, rows, width)


@pytest.mark.parametrize("width", [30, 50, 80, 120])
def test_plugin_rows_are_laid_out_as_rich_does(width):
    rows = built_in_rows("en")[:5] + ODD_ROWS
    text = docs_table.table(HEADER, rows, width)
    assert text == docs_table.rich_table(HEADER, rows, width)
    assert all(len(line) <= width for line in text.splitlines())


def test_the_common_case_needs_no_rich_console():
    # the terminal table of `trainmedic rules` at 80 columns: laid out here, not by rich.table
    assert docs_table._laid_out(HEADER, built_in_rows("zh") + ODD_ROWS, 80) is not None
    # a cell of two lines, or fixed columns that leave the last one no room: rich.table
    assert docs_table._laid_out(HEADER, [["A1", "two\nlines", "info", "x"]], 80) is None
    assert docs_table._laid_out(HEADER, [["A1", "n" * 80, "info", "x"]], 80) is None


def test_rules_command_prints_every_rule_with_its_summary_wrapped(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert all(len(line) <= 80 and line == line.rstrip() for line in lines)
    assert lines[0].split() == ["code", "name", "severity", "summary"]
    first = next(i for i, line in enumerate(lines) if line.startswith("TM101 "))
    # the summary wraps under its own column
    assert lines[first].endswith("NaN or infinity in a loss, metric or")
    assert lines[first + 1].strip() == "gradient norm."
    assert lines[first + 1].index("gradient") == lines[first].index("NaN")
    for r in documented_rules():
        assert any(line.startswith(f"{r.code} ") for line in lines)


def test_a_header_that_wraps_sits_on_the_bottom_line_as_in_rich():
    header = ["code", "name", "severity", "summary of what the rule finds"]
    rows = [["XY1", "short", "info", "One line."], ["XY2", "other", "error", "Two words " * 4]]
    assert docs_table._laid_out(header, rows, 40) is not None
    assert docs_table.table(header, rows, 40) == docs_table.rich_table(header, rows, 40)
