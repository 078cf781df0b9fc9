"""A trainmedic-live log with fields of the wrong type: the bad records are skipped with a note (never a traceback,
never a word read as NaN); a log with nothing readable is one line and exit 2."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
import samples
from budget import assert_clean, run_bounded

from trainmedic.cli import main


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(list(argv))
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("variant", sorted(samples.WRONG_TYPES))
def test_wrong_type_record_is_skipped_with_a_note(tmp_path, variant):
    records = [samples.live_step(i) for i in range(1, 15)] + [samples.WRONG_TYPES[variant]]
    records += [samples.live_step(i) for i in range(16, 40)]
    log = tmp_path / "trainmedic-live.jsonl"
    log.write_text(samples.live_log(records))
    out = run_bounded(_cli, "diagnose", str(log), "--format", "json", seconds=30, megabytes=300)
    assert_clean(out, variant)
    rc, stdout, stderr = out.value
    assert stderr == "" and rc == 0, stderr
    report = json.loads(stdout)
    assert report["runs"][0]["format"] == "trainmedic-live"
    assert not [f for f in report["findings"] if f["symptom"] == "nonfinite"]  # "abc" is damage, not a NaN
    if variant != "list_for_header_config":  # a second header is a header: its bad config is dropped, not counted
        assert "1 record with a field of the wrong type skipped" in report["runs"][0].get("notes", [])


def test_log_of_only_wrong_records_is_one_line_and_exit_2(tmp_path):
    log = tmp_path / "trainmedic-live.jsonl"
    log.write_text(samples.live_log([v for k, v in samples.WRONG_TYPES.items() if "header" not in k]))
    out = run_bounded(_cli, "diagnose", str(log), seconds=30, megabytes=300)
    assert_clean(out, "all wrong")
    rc, stdout, stderr = out.value
    assert rc == 2 and stdout == ""
    assert stderr.count("\n") == 1 and "no readable step record" in stderr


def test_real_nonfinite_strings_are_still_nan(tmp_path):
    records = [samples.live_step(i) for i in range(1, 30)] + [samples.live_step(i, "nan") for i in range(30, 34)]
    log = tmp_path / "trainmedic-live.jsonl"
    log.write_text(samples.live_log(records))
    rc, stdout, _ = _cli("diagnose", str(log), "--format", "json")
    report = json.loads(stdout)
    assert rc == 1 and any(f["code"] == "TM101" and f["at"]["step"] == 30 for f in report["findings"])
    assert "notes" not in report["runs"][0] or not any("wrong type" in n for n in report["runs"][0]["notes"])
