"""Markdown pasted into an issue: no H1, action first, inputs folded, and nothing an artifact wrote becomes a link,
an image, a heading, HTML or a broken code span (checked by rendering it as GitHub-flavoured Markdown)."""

from __future__ import annotations

import re

import pytest

from trainmedic.findings import Evidence, Finding
from trainmedic.report.model import Report, RunSummary, Table

markdown_it = pytest.importorskip("markdown_it")


def html_of(md: str) -> str:
    """GitHub-flavoured rendering: tables, strikethrough, raw HTML, and autolinks of www. and scheme:// (GitHub does
    not link bare domains such as train.sh)."""
    try:
        parser = markdown_it.MarkdownIt("gfm-like")
        parser.linkify.set({"fuzzy_link": False, "fuzzy_email": True})
    except ModuleNotFoundError:  # linkify-it-py missing: tables and HTML still parse
        parser = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return parser.render(md)


def test_no_h1_and_sections_in_the_order_people_act(failed):
    md = failed.to_markdown()
    assert not re.search(r"^# ", md, re.M)
    assert md.startswith("**FAILED** · trainmedic · Training run diagnosis\n")
    headings = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["Fixes", "Why", "Evidence", "Checkpoints", "What to watch next", "Notes"]
    assert (
        md.index("**Conclusion:**")
        < md.index("**First change:**")
        < md.index("**Resume from:**")
        < md.index("## Fixes")
    )
    assert "<details><summary>What was read</summary>" in md and md.rstrip().endswith("</details>")


def test_values_a_user_acts_on(failed):
    md = failed.to_markdown()
    assert "**Resume from:** `output/checkpoint-2000`" in md
    assert "| output/trainer_state.json | hf-trainer | 5 | 119 |" in md
    assert "- `lr = 2e-05` (bertTextRNN_FT.py:10)" in md
    assert "1. **max_grad_norm: 0 → 1** *do this first*" in md
    assert "`TM101 nonfinite-loss`" in md


def test_cells_from_logs_do_not_break_tables():
    r = Report(
        kind="compare",
        runs=[RunSummary(path="runs/a|b.csv", format="csv")],
        tables=[Table(title="Config", columns=["key", "A", "B"], rows=[["lr", 7.5e-05, "x|y"]])],
    )
    md = r.to_markdown()
    assert "| runs/a\\|b.csv | csv | 0 | 0 |" in md
    assert "| lr | 7.5e-05 | x\\|y |" in md
    assert "## Config" in md


def test_no_stray_escapes_in_ordinary_text(failed):
    md = failed.to_markdown()
    assert "max\\_grad\\_norm" not in md and "\\(" not in md and "\\." not in md
    assert "eval F1 fell from 0.9322 to 0.0233 \\[one class predicted\\]." in md


EVIL = [
    "`) [click](http://evil.example) ![img](http://evil.example/x.png)",
    "# Heading\n<img src=x onerror=alert(1)> <script>alert(1)</script>",
    "www.evil.example and mail@evil.example and https://evil.example/x",
    "<details open>x</details> &lt;b&gt; **bold** _em_ ~~gone~~ | cell |",
    "> quote\n- item\n1. item\n=== \n---",
]


@pytest.mark.parametrize("evil", EVIL)
def test_artifact_text_cannot_inject_markdown(evil):
    run = RunSummary(
        path=f"runs/{evil}.log",
        format="text-log",
        config={"model": evil, "lr": 0.1},
        config_sources={"model": f"{evil}:3", "lr": "train.sh:2"},
        notes=(evil,),
    )
    f = Finding(
        code="TM101",
        rule="nonfinite-loss",
        symptom="nonfinite",
        severity="error",
        message=evil,
        series=evil,
        series_label=evil,
        at={"step": 3},
        evidence=[Evidence(series=evil, value=float("nan"), at={"step": 3}, note=evil)],
    )
    report = Report(
        runs=[run],
        findings=[f],
        conclusion=evil,
        notes=[evil],
        watch_next=[evil],
        checkpoints={"last_healthy": evil, "broken": [evil]},
        tables=[Table(title=evil, columns=[evil, "b"], rows=[[evil, evil]])],
    )
    md = report.to_markdown()
    html = html_of(md)
    assert not re.search(r"<a |<img|<script|<h[13-6]|<blockquote|<hr|<del|<em>em|<strong>bold", html), html
    assert html.count("<h2>") == md.count("\n## ")  # only our section headings (one titled by the table)
    assert html.count("<details>") == 1  # ours, folding the inputs; none from the artifact
    assert "# Heading\n" not in md  # line breaks folded


def test_chinese_markdown(failed):
    md = failed.to_markdown("zh")
    assert md.startswith("**失败** · trainmedic · 训练运行诊断\n")
    headings = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["修复建议", "原因", "证据", "检查点", "下一次运行要关注什么", "备注"]
    assert "<details><summary>读取了什么</summary>" in md
