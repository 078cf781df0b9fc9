"""Terminal text: action first, the values that matter, paths never cut, tables that fold, nothing from an artifact
acting on the terminal; in English and Chinese."""

from __future__ import annotations

import io
import re

from rich.console import Console

from trainmedic.findings import Finding
from trainmedic.i18n import Msg, add_messages, remove_messages
from trainmedic.report.model import Report, RunSummary, Table

EN_ORDER = [
    "Conclusion:",
    "First change:",
    "Resume from:",
    "\nFixes ─",
    "\nWhy ─",
    "\nEvidence ─",
    "\nCheckpoints ─",
    "\nWhat to watch next ─",
    "\nNotes ─",
    "\nWhat was read ─",
]
ZH_ORDER = [
    "结论：",
    "首先修改：",
    "从此恢复：",
    "\n修复建议 ─",
    "\n原因 ─",
    "\n证据 ─",
    "\n检查点 ─",
    "\n下一次运行要关注什么 ─",
    "\n备注 ─",
    "\n读取了什么 ─",
]
LONG_PATH = "/data/experiments/2024-06-bert-rnn-finetune/very_long_output_directory_name/checkpoint-2000"


def positions(text: str, words: list) -> list:
    return [text.index(w) for w in words]


def test_action_comes_first_then_evidence_then_inputs(failed):
    text = failed.to_text(width=120)
    pos = positions(text, EN_ORDER)
    assert pos == sorted(pos)
    head = text[: pos[3]]
    assert "FAILED" in head and "became NaN at step 2100" in head
    assert "First change: max_grad_norm: 0 → 1" in head and "output/checkpoint-2000" in head


def test_config_values_cite_their_source(failed):
    text = failed.to_text(width=120)
    assert re.search(r"lr\s+= 2e-05 \(bertTextRNN_FT\.py:10\)", text)
    assert re.search(r"max_grad_norm\s+= 0 \(training_args\.bin\)", text)
    assert re.search(r"output/trainer_state\.json\s+hf-trainer\s+5\s+119", text)


def test_evidence_is_ordered_by_where_findings_start(failed):
    text = failed.to_text(width=140)
    # Given out of order (TM112, TM108, TM101); read in run order, an error before a warning at the same step.
    assert text.index("TM101") < text.index("TM108") < text.index("TM112")
    assert "1. step 2100 (epoch 0.67) to step 3500 (epoch 1.12)" in text
    assert "train/loss = nan at step 2100 (epoch 0.67)" in text
    assert "train/loss = 0.0623 at step 2000 (epoch 0.64): last finite value" in text


def test_fixes_carry_values_once_and_checkpoints_say_where_to_resume(failed):
    text = failed.to_text(width=140)
    fixes = text[text.index("Fixes ─") : text.index("Why ─")]
    assert fixes.count("max_grad_norm: 0 → 1") == 1  # both causes propose it; shown once
    assert "· do this first" in fixes
    assert "run the LSTM in float32 (autocast disabled)" in fixes
    ck = text[text.index("Checkpoints ─") :]
    assert "Last healthy checkpoint" in ck and "output/checkpoint-2000" in ck and "output/checkpoint-2500" in ck


def test_log_text_with_brackets_is_not_taken_as_markup(failed):
    assert "[one class predicted]" in failed.to_text(width=140)


def test_plain_text_has_no_ansi_no_trailing_space_and_color_has_ansi(failed):
    plain = failed.to_text()
    assert "\x1b[" not in plain and "\x1b[" in failed.to_text(color=True)
    for width in (100, 80, 60):
        assert not any(line != line.rstrip() for line in failed.to_text(width=width).splitlines())


def test_healthy_report_is_short_and_says_so(healthy):
    text = healthy.to_text()
    assert "HEALTHY" in text and "no rule found a problem in 1 series (50 points)" in text
    for heading in ("Evidence ─", "Why ─", "Fixes ─", "Checkpoints ─", "First change"):
        assert heading not in text
    assert len(text.strip().splitlines()) < 16


def test_rich_protocol_prints_the_report(failed):
    buf = io.StringIO()
    Console(file=buf, width=120, color_system=None).print(failed.replace(lang="zh"))
    out = buf.getvalue()
    assert "结论" in out and "修复建议" in out and "max_grad_norm：0 → 1" in out


def test_chinese_in_the_same_order_without_english_headings(failed):
    text = failed.to_text("zh", width=120)
    pos = positions(text, ZH_ORDER)
    assert pos == sorted(pos)
    assert "第 2100 步（第 0.67 轮）" in text and "错误 · nonfinite" in text
    for english in EN_ORDER:
        assert english not in text


def test_missing_chinese_message_falls_back_to_english():
    add_messages("en", {"test.report.only_en": "loss became {value} at step {step}"})
    try:
        f = Finding(
            code="TM999",
            rule="test",
            symptom="nonfinite",
            severity="error",
            message=Msg("test.report.only_en", {"value": float("nan"), "step": 7}),
            at={"step": 7},
        )
        text = Report(findings=[f]).to_text("zh")
    finally:
        remove_messages(["test.report.only_en"])
    assert "loss became nan at step 7" in text and "证据" in text


def test_tables_of_other_report_kinds(preflight):
    text = preflight.to_text(width=120)
    assert "Preflight check" in text
    assert text.index("Trainable parameters") < text.index("Evidence")
    assert re.search(r"encoder\s+0\s+168,181,248", text)


def test_evidence_chain_adds_only_what_findings_do_not_say(failed):
    retold = Msg("narrative.chain.item", {"where": "", "message": failed.findings[2].message})  # a finding, retold
    failed = failed.replace(extra={"evidence_chain": [retold, "eval loss is 4.1x the train loss at step 500"]})
    text = failed.to_text(width=140)
    assert text.count("Train loss became NaN at step 2100") == 1
    evidence = text[text.index("Evidence ─") : text.index("Checkpoints ─")]
    assert "• eval loss is 4.1x the train loss at step 500" in evidence


def test_paths_are_never_cut_at_80_columns(failed):
    failed = failed.replace(checkpoints={"last_healthy": LONG_PATH, "broken": [LONG_PATH + "0"]})
    for width in (80, 60):
        lines = failed.to_text(width=width).splitlines()
        assert any(line.strip().endswith(LONG_PATH) for line in lines[:8]), lines[:8]  # in the headline, whole
        assert sum(LONG_PATH in line for line in lines) >= 3
        # Nothing else runs past the width: only a token longer than the line may.
        assert all(len(line) <= width or LONG_PATH in line for line in lines)


def test_tables_fold_into_key_value_lines_when_narrow():
    table = Table(
        title="Checkpoints",
        key="checkpoints",
        columns=["Checkpoint", "Step", "Status", "Metrics"],
        rows=[
            ["output/checkpoint-2000", 2000, "healthy", "eval_loss=0.21, eval_f1=0.93"],
            ["output/checkpoint-2500", 2500, "broken: non-finite weights", "eval_loss=nan"],
        ],
    )
    report = Report(kind="checkpoints", tables=[table], conclusion="Two checkpoints.")
    wide = report.to_text(width=140)
    assert re.search(r"output/checkpoint-2000\s+2000\s+healthy", wide)
    narrow = report.to_text(width=50).splitlines()
    assert "• output/checkpoint-2000" in narrow and "    Status: broken: non-finite weights" in narrow
    assert all(len(line) <= 50 for line in narrow)


def test_escape_sequences_from_artifacts_never_reach_the_terminal():
    evil = "\x1b[2J\x1b[31mALL CHECKS PASSED\x1b[0m\x07"
    run = RunSummary(
        path="logs/a\nb\x1b]0;title\x07.log",
        format="csv",
        config={"lr": evil, "model": "x\ry"},
        config_sources={"lr": "train\x1b[1m.sh:3"},
    )
    f = Finding(
        code="TM101",
        rule="x",
        symptom="nonfinite",
        severity="error",
        message=f"loss {evil}",
        series="train/loss",
        series_label=evil,
        at={"step": 3},
    )
    text = Report(runs=[run], findings=[f], conclusion=evil).to_text(width=100)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)
    assert "ALL CHECKS PASSED" in text  # the words stay, their effect does not
    assert "logs/a b.log" in text
