"""Terminal text: the sections a user reads, in order, with the values that matter, in English and Chinese."""

from __future__ import annotations

import io
import re

from rich.console import Console

from trainmedic.findings import Finding
from trainmedic.i18n import Msg, catalog
from trainmedic.report.model import Report

EN_ORDER = ["Conclusion", "What was read", "Evidence", "Why", "Fixes", "Checkpoints", "What to watch next", "Notes"]
ZH_ORDER = ["结论", "读取了什么", "证据", "原因", "修复建议", "检查点", "下一次运行要关注什么", "备注"]


def positions(text: str, words: list) -> list:
    """Where each heading is: the conclusion in the verdict panel, the others as ruled section titles."""
    conclusion = re.search(f"{words[0]}[:：]", text).start()
    return [conclusion] + [text.index(f"\n{w} ─") for w in words[1:]]


def test_failed_report_reads_in_the_seed_order(failed):
    text = failed.to_text(width=120)
    pos = positions(text, EN_ORDER)
    assert pos == sorted(pos)
    assert text.splitlines()[1].lstrip("│ ").startswith("FAILED  Conclusion: Most likely LSTM over 4096 tokens")


def test_config_values_cite_their_source(failed):
    text = failed.to_text(width=120)
    assert re.search(r"lr\s+= 2e-05\s+\(bertTextRNN_FT\.py:10\)", text)
    assert re.search(r"max_grad_norm\s+= 0\s+\(training_args\.bin\)", text)
    assert "output/trainer_state.json   hf-trainer   5" in text


def test_evidence_is_ordered_by_where_findings_start(failed):
    text = failed.to_text(width=140)
    # Given out of order (TM112, TM108, TM101); read in run order, an error before a warning at the same step.
    assert text.index("TM101") < text.index("TM108") < text.index("TM112")
    assert "1. step 2100 (epoch 0.67) to step 3500 (epoch 1.12)" in text
    assert "train/loss = nan at step 2100 (epoch 0.67)" in text
    assert "train/loss = 0.0623 at step 2000 (epoch 0.64): last finite value" in text


def test_fixes_carry_values_once_and_checkpoints_say_where_to_resume(failed):
    text = failed.to_text(width=140)
    fixes = text[text.index("Fixes"):text.index("Checkpoints")]
    assert fixes.count("max_grad_norm: 0 → 1") == 1  # both causes propose it; shown once
    assert "run the LSTM in float32 (autocast disabled)" in fixes
    ck = text[text.index("Checkpoints"):]
    assert "Last healthy checkpoint" in ck and "output/checkpoint-2000" in ck
    assert "output/checkpoint-2500" in ck


def test_log_text_with_brackets_is_not_taken_as_markup(failed):
    assert "[one class predicted]" in failed.to_text(width=140)


def test_plain_text_has_no_ansi_and_color_has(failed):
    assert "\x1b[" not in failed.to_text()
    assert "\x1b[" in failed.to_text(color=True)
    assert not any(line.endswith(" ") for line in failed.to_text().splitlines())


def test_healthy_report_is_short_and_says_so(healthy):
    text = healthy.to_text()
    assert "HEALTHY" in text and "No warning or error in 50 points of 1 series." in text
    for heading in ("Evidence", "Why", "Fixes", "Checkpoints"):
        assert heading not in text
    assert len(text.strip().splitlines()) < 15


def test_rich_protocol_prints_the_report(failed):
    buf = io.StringIO()
    failed = failed.replace(lang="zh")
    Console(file=buf, width=120, color_system=None).print(failed)
    out = buf.getvalue()
    assert "结论" in out and "修复建议" in out and "max_grad_norm: 0 → 1" in out


def test_chinese_headings_in_order(failed):
    text = failed.to_text("zh", width=120)
    pos = positions(text, ZH_ORDER)
    assert pos == sorted(pos)
    assert "第 2100 步（第 0.67 轮）" in text and "结论：" in text
    for english in EN_ORDER:
        assert f"{english} ─" not in text and f"{english}: " not in text


def test_missing_chinese_message_falls_back_to_english():
    catalog("en")["test.report.only_en"] = "loss became {value} at step {step}"
    f = Finding(code="TM999", rule="test", symptom="nonfinite", severity="error",
                message=Msg("test.report.only_en", {"value": float("nan"), "step": 7}), at={"step": 7})
    text = Report(findings=[f]).to_text("zh")
    assert "loss became nan at step 7" in text
    assert "证据" in text


def test_tables_of_other_report_kinds(preflight):
    text = preflight.to_text(width=120)
    assert "Preflight check" in text
    assert text.index("Trainable parameters") < text.index("Evidence")
    assert re.search(r"encoder\s+0\s+168,181,248", text)


def test_evidence_chain_adds_only_what_findings_do_not_say(failed):
    retold = Msg("test.chain.item", {"message": failed.findings[2].message})  # the same finding, retold
    failed = failed.replace(extra={"evidence_chain": [retold, "eval loss is 4.1x the train loss at step 500"]})
    text = failed.to_text(width=140)
    assert text.count("Train loss became NaN at step 2100") == 1
    evidence = text[text.index("Evidence ─"):text.index("Why ─")]
    assert "• eval loss is 4.1x the train loss at step 500" in evidence
