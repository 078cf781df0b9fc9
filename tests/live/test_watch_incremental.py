"""``trainmedic watch`` follows console logs, CSV tables, JSON Lines histories and TensorBoard event files
incrementally: written in pieces cut at any byte (mid-line, mid-character, mid-record), the alarms raised while
following are exactly those raised by re-reading the complete lines with ``load_run`` at every poll (and, for these
samples, by reading the final file once), each poll reads only the bytes written since the last one and builds only
the points they add, and the final diagnosis is ``trainmedic diagnose``'s."""

from __future__ import annotations

import threading
import time

import pytest
import watch_samples as S
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainmedic.errors import InputError
from trainmedic.live.follow import GrowingEvents, GrowingFile, WholeFile
from trainmedic.live.stream import StreamAlarms
from trainmedic.live.watch import _Follower, watch
from trainmedic.readers import load_run

CUTS = settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _key(alarm) -> tuple:
    return alarm.code, alarm.series, alarm.at


def _follow(tmp_path, name: str, data: bytes, cuts: list) -> tuple:
    """Write ``data`` in pieces ending at ``cuts``, polling after each; return (alarms while following, alarms of
    re-reading the complete lines at every poll, the follower, the pieces of each poll)."""
    log = tmp_path / "run" / name
    log.parent.mkdir()
    log.write_bytes(b"")
    copy = tmp_path / "copy" / name
    copy.parent.mkdir()
    follower = _Follower(log)
    following, rereading = StreamAlarms(), StreamAlarms()
    said, said_again, polls = [], [], []
    written = 0
    for cut in sorted(set(cuts)) + [len(data)]:
        with open(log, "ab") as fh:
            fh.write(data[written:cut])
        written = max(written, cut)
        got = follower.poll()
        pieces = got[0] if got else []
        polls.append(pieces)
        for piece in pieces:
            said += following.feed_run(piece.run, continues=not piece.whole)
        complete = data[:written][: data[:written].rfind(b"\n") + 1]
        if complete:
            copy.write_bytes(complete)
            try:
                said_again += rereading.feed_run(load_run([copy]))
            except InputError:
                pass
    return sorted(map(_key, said)), sorted(map(_key, said_again)), follower, polls


def _cuts(data: bytes):
    return st.lists(st.integers(0, len(data)), min_size=3, max_size=25)


@pytest.mark.parametrize("sample", S.LOGS + S.TABLES)
def test_alarms_while_following_are_those_of_rereading(tmp_path_factory, sample):
    name, text = sample()
    data = text.encode()

    @CUTS
    @given(cuts=_cuts(data))
    def check(cuts):
        said, said_again, follower, _ = _follow(tmp_path_factory.mktemp("w"), name, data, cuts)
        assert said == said_again
        assert said == sorted(map(_key, StreamAlarms().feed_run(load_run([follower.path]))))  # and reading it once
        assert isinstance(follower.inner, GrowingFile) and follower.inner.fallback is None

    check()
    said, _, _, _ = _follow(tmp_path_factory.mktemp("w"), name, data, list(range(0, len(data), 997)))
    if sample not in (S.late_steps,):
        assert said, "the sample's faults raise alarms"  # the comparison above is not between two empty lists


def test_an_event_file_is_followed_record_by_record(tmp_path_factory):
    name, data = S.event_file(tmp_path_factory.mktemp("tb"))

    @CUTS
    @given(cuts=_cuts(data))
    def check(cuts):
        said, said_again, follower, polls = _follow(tmp_path_factory.mktemp("w"), name, data, cuts)
        assert said == said_again
        assert {"TM402", "TM404", "TM801"} <= {code for code, _, _ in said}
        assert isinstance(follower.inner, GrowingEvents)
        assert not any(p.whole for pieces in polls for p in pieces)

    check()


def test_an_event_file_cut_inside_a_record_keeps_the_records_before(tmp_path):
    name, data = S.event_file(tmp_path / "tb")
    cut = tmp_path / name
    cut.write_bytes(data[: len(data) * 2 // 3 + 5])  # a writer still at work: its last record is incomplete
    loss = load_run([cut]).series["train/loss"]
    assert len(loss) >= 190 and loss.step[-1] >= 190


def test_a_character_cut_in_two_is_read_whole(tmp_path):
    name, text = S.chinese(40)
    data = text.encode()
    at = data.index("损".encode()) + 1  # inside the three bytes of one character
    cuts = [at, at + 1] + [data.index("梯".encode(), 500) + k for k in (1, 2)]
    said, said_again, follower, _ = _follow(tmp_path, name, data, cuts)
    assert said == said_again
    run = follower.inner.reader.parser
    assert "\ufffd" not in "".join(b.label for b in run.series.values())


def test_a_json_lines_history_whose_new_key_renames_a_column_is_read_again_whole(tmp_path):
    name, text = S.jsonl_late_key()
    data = text.encode()
    said, said_again, follower, polls = _follow(tmp_path, name, data, list(range(0, len(data), len(data) // 10)))
    assert said == said_again
    assert isinstance(follower.inner.fallback, WholeFile)
    assert polls[-1][0].whole


@pytest.mark.parametrize("sample", [S.step_lines, S.trainer_dicts, S.csv_wide, S.jsonl])
def test_a_poll_reads_only_what_was_written_since_the_last(tmp_path, sample):
    name, text = sample(4000)
    data = text.encode()
    cuts = list(range(0, len(data), len(data) // 200))
    log = tmp_path / name
    log.write_bytes(b"")
    follower = _Follower(log)
    written, pending, whole_polls, points, lines = 0, 0, 0, 0, 0
    for cut in cuts[1:] + [len(data)]:
        with open(log, "ab") as fh:
            fh.write(data[written:cut])
        complete = data[:cut].rfind(b"\n") + 1
        got = follower.poll()
        if got is None:
            continue
        assert follower.parsed == complete - pending  # the bytes of the new complete lines, nothing before them
        new_lines = data[pending:complete].count(b"\n")
        pending, written = complete, cut
        for piece in got[0]:
            if piece.whole:
                whole_polls += 1
                continue
            n = sum(len(s) for s in piece.run.series.values())
            assert n <= 4 * new_lines  # only the points of the new lines are built
            points += n
        lines += new_lines
    assert whole_polls <= 1  # the first poll of a console log builds its series once; later polls never
    assert points >= lines  # and every later point was built, once


def test_watch_on_a_growing_log_alarms_during_the_run_and_ends_with_the_diagnosis(tmp_path, monkeypatch):
    from trainmedic import diagnose
    from trainmedic.live import watch as watch_module

    name, text = S.step_lines(300)
    log = tmp_path / name
    log.write_text("")
    reads = []
    real = watch_module.load_run
    monkeypatch.setattr(watch_module, "load_run", lambda paths: reads.append(1) or real(paths))
    lines: list = []
    box: dict = {}
    th = threading.Thread(
        target=lambda: box.setdefault("rc", watch(log, interval=0.05, idle_timeout=1.5, out=lines.append))
    )
    th.start()
    data = text.encode()
    for i in range(0, len(data), len(data) // 8 + 1):
        with open(log, "ab") as fh:
            fh.write(data[i : i + len(data) // 8 + 1])
        time.sleep(0.2)
    th.join(timeout=30)
    end = next(i for i, x in enumerate(lines) if "the run ended" in x)
    during = lines[:end]
    assert any("TM402" in x and "step 151" in x for x in during), lines
    assert any("TM404" in x and "step 101" in x for x in during), lines
    assert reads == [1]  # the file is read whole once, for the final diagnosis
    report = diagnose(log)
    final = {(f.code, f.series) for f in report.findings}
    printed = {(x.split("] ")[1].split()[1]) for x in lines[:end]}
    assert printed <= {code for code, _ in final}
    assert box["rc"] == (1 if report.fails_on("error") else 0)


def test_a_log_truncated_and_written_again_repeats_no_alarm_and_reports_what_is_new(tmp_path):
    name, text = S.step_lines(300)
    log = tmp_path / name
    lines_of = text.splitlines(keepends=True)
    log.write_text("".join(lines_of[:200]))  # the spike at step 151 and the burst at 101
    follower = _Follower(log)
    alarms = StreamAlarms()
    said = []
    for piece in follower.poll()[0]:
        said += alarms.feed_run(piece.run, continues=not piece.whole)
    log.write_text("".join(lines_of[:220]))  # rewritten whole, longer than before
    for piece in follower.poll()[0]:
        said += alarms.feed_run(piece.run, continues=not piece.whole)
    with open(log, "a") as fh:
        fh.write("".join(lines_of[220:]))
    for piece in follower.poll()[0]:
        said += alarms.feed_run(piece.run, continues=not piece.whole)
    codes = [(a.code, a.at) for a in said]
    assert len(codes) == len(set(codes))
    assert ("TM101", 298.0) in codes and ("TM402", 151.0) in codes


def test_a_utf16_log_is_read_again_whole(tmp_path):
    name, text = S.step_lines(120)
    log = tmp_path / name
    log.write_bytes(text[: len(text) // 2].encode("utf-16"))
    follower = _Follower(log)
    assert follower.poll() is not None
    assert isinstance(follower.inner.fallback, WholeFile)


def test_a_folder_follows_its_log_and_rereads_the_trainer_state_only_when_saved(tmp_path):
    import json

    name, text = S.step_lines(300)
    run = tmp_path / "run"
    (run / "checkpoint-100").mkdir(parents=True)
    state = run / "checkpoint-100" / "trainer_state.json"
    state.write_text(
        json.dumps(
            {
                "global_step": 100,
                "log_history": [{"step": i, "eval_loss": 1.0 / i, "eval_accuracy": 0.5} for i in range(10, 101, 10)],
            }
        )
    )
    log = run / name
    lines_of = text.encode().splitlines(keepends=True)
    log.write_bytes(b"".join(lines_of[:100]))
    follower = _Follower(run)
    assert follower.poll() is not None
    for k in range(100, 300, 50):
        with open(log, "ab") as fh:
            fh.write(b"".join(lines_of[k : k + 50]))
        pieces, _ = follower.poll()
        assert follower.parsed == len(b"".join(lines_of[k : k + 50]))  # the trainer state is not read again
        assert [p.whole for p in pieces] == [False]
    state.write_text(state.read_text().replace('"global_step": 100', '"global_step": 101'))
    pieces, _ = follower.poll()
    assert [p.whole for p in pieces] == [True]  # saved again: read again


def test_a_live_log_in_a_folder_is_followed_line_by_line(tmp_path):
    import json

    header = {"format": "trainmedic-live", "version": 1, "type": "header", "policy": "observe", "config": {}}

    def step(i, loss):
        return json.dumps({"type": "step", "step": i, "loss": loss, "grad_norm": 1.0, "lr": [1e-3]}) + "\n"

    (tmp_path / "run").mkdir()
    log = tmp_path / "run" / "trainmedic-live.jsonl"
    log.write_text(json.dumps(header) + "\n" + "".join(step(i, 1.0 / i) for i in range(1, 200)))
    follower = _Follower(tmp_path / "run")
    alarms = StreamAlarms()
    said = []
    for piece in follower.poll()[0]:
        said += alarms.feed_run(piece.run, continues=not piece.whole)
    for k in range(200, 260, 20):
        new = "".join(step(i, 1.0 / i if i < 250 else "nan") for i in range(k, k + 20))
        with open(log, "a") as fh:
            fh.write(new)
        pieces, _ = follower.poll()
        assert follower.parsed == len(new) and [p.whole for p in pieces] == [False]  # only the new lines
        for piece in pieces:
            said += alarms.feed_run(piece.run, continues=not piece.whole)
    assert [(a.code, a.at) for a in said] == [("TM101", 250.0)]


def test_a_table_followed_a_row_at_a_time_keeps_few_blocks(tmp_path):
    name, text = S.csv_wide(1200)
    log = tmp_path / name
    lines = text.splitlines(keepends=True)
    log.write_text(lines[0])
    follower = _Follower(log)
    for line in lines[1:]:
        with open(log, "a") as fh:
            fh.write(line)
        follower.poll()
    blocks = follower.inner.reader.full._blocks
    assert max(len(b) for b in blocks.values()) <= 12  # O(log n) blocks, not one per poll
    whole = {s.name: s for s in follower.inner.reader.full.series(keep=True)}
    again = load_run([log]).series
    for name in ("train/loss", "train/grad_norm", "eval/loss"):
        assert list(whole[name].values) == list(again[name].values)


def test_a_log_replaced_by_something_unreadable_is_an_input_error(tmp_path):
    log = tmp_path / "train.log"
    log.write_text("step 1 loss 0.5\nstep 2 loss 0.4\n")
    follower = _Follower(log)
    assert follower.poll() is not None
    log.unlink()
    log.mkdir()  # a folder where the log was: it cannot be opened as the next file
    with pytest.raises(InputError, match="cannot read"):
        follower.poll()


def test_a_rotated_log_is_read_to_its_end_then_the_new_file_followed(tmp_path):
    import os

    log = tmp_path / "train.log"
    log.write_text("".join(f"step {i} loss {1.0 / i:.4f}\n" for i in range(1, 100)))
    follower = _Follower(log)
    alarms = StreamAlarms()
    said = [a for piece in follower.poll()[0] for a in alarms.feed_run(piece.run, continues=not piece.whole)]
    os.rename(log, tmp_path / "train.log.1")
    with open(tmp_path / "train.log.1", "a") as fh:
        fh.write("step 100 loss nan\n")  # the writer's last line, into the renamed file
    log.write_text("step 101 loss 0.01\nstep 102 loss 0.01\n")
    pieces, _ = follower.poll()
    said += [a for piece in pieces for a in alarms.feed_run(piece.run, continues=not piece.whole)]
    assert [(a.code, a.at) for a in said] == [("TM101", 100.0)]
    assert [p.whole for p in pieces] == [False, True]  # the old file's last line, then the new file from its start


def test_a_console_log_in_a_trainer_folder_takes_its_steps_from_the_trainer_state(tmp_path):
    import json

    name, text = S.trainer_dicts(logging_steps=False)  # dicts without a step: the Nth is step N x logging_steps
    run = tmp_path / "out"
    (run / "checkpoint-50").mkdir(parents=True)
    (run / "checkpoint-50" / "trainer_state.json").write_text(
        json.dumps({"global_step": 50, "logging_steps": 10, "log_history": [{"step": 50, "eval_loss": 0.9}]})
    )
    log = run / "train.log"
    data = text.encode()
    log.write_bytes(b"")
    follower, alarms, said = _Follower(run), StreamAlarms(), []
    for cut in range(0, len(data) + 4000, 4000):
        log.write_bytes(data[:cut])
        got = follower.poll()
        for piece in got[0] if got else []:
            said += alarms.feed_run(piece.run, continues=not piece.whole)
    once = StreamAlarms().feed_run(load_run([run]))
    assert sorted(map(_key, said)) == sorted(map(_key, once))
    assert ("TM404", "train/grad_norm", 840.0) in map(_key, said)  # the 84th dict, logged every 10 steps
