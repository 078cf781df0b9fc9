"""Pickles of a few hundred bytes that expand to gigabytes, or call allowed constructors with bad arguments, end in
a note within a bounded time and memory; the run's metrics are still read."""

from __future__ import annotations

import json
import pickle

import pytest
import samples
from budget import assert_clean, run_bounded

from trainmedic.safe_pickle import MAX_PICKLE_BYTES, TooLargeError, load_file, loads, to_plain


def _load_plain(data: bytes):
    return to_plain(loads(data))


def _refusal(data: bytes) -> str:
    try:
        to_plain(loads(data))
    except pickle.UnpicklingError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "read"


def test_self_referencing_list_is_read_as_data_with_the_loop_cut():
    out = run_bounded(_load_plain, samples.self_referencing_list(), seconds=5, megabytes=50)
    assert_clean(out, "self-referencing list")
    assert out.value["learning_rate"] == 1e-4 and out.value["loop"] == [None]


def test_lists_sharing_references_are_walked_once():
    data = samples.shared_lists(depth=60)
    assert len(data) < 1000
    out = run_bounded(lambda d: _load_plain(d)["learning_rate"], data, seconds=5, megabytes=50)
    assert_clean(out, "shared lists")
    assert out.value == 1e-4 and out.seconds < 5


@pytest.mark.parametrize(
    "make, limit",
    [
        (samples.shared_tuple_key, "key of more than"),
        (samples.list_of_range, "builds more than"),
        (samples.bytes_of_size, "builds more than"),
    ],
)
def test_tiny_pickles_that_expand_are_refused_within_budget(make, limit):
    data = make()
    assert len(data) < 500
    out = run_bounded(_refusal, data, seconds=5, megabytes=50)
    assert_clean(out, make.__name__)
    assert out.value.startswith("TooLargeError") and limit in out.value


def test_zip_whose_data_pkl_inflates_past_the_limit_is_refused_before_inflating(tmp_path):
    path = tmp_path / "training_args.bin"
    path.write_bytes(samples.zip_bomb(256 * 1024 * 1024))
    out = run_bounded(lambda p: _refusal_file(p), path, seconds=5, megabytes=50)
    assert_clean(out, "zip bomb")
    assert "inflates to more than" in out.value


def test_zip_that_understates_its_size_is_stopped_by_the_read(tmp_path):
    data = bytearray(samples.zip_bomb(8 * MAX_PICKLE_BYTES))
    # Rewrite the 64-bit sizes in the zip64 extra fields to a small number: the header now lies about the size.
    small = (1000).to_bytes(8, "little")
    true = (8 * MAX_PICKLE_BYTES).to_bytes(8, "little")
    assert true in data
    data = bytes(data).replace(true, small)
    path = tmp_path / "training_args.bin"
    path.write_bytes(data)
    out = run_bounded(_refusal_file, path, seconds=5, megabytes=50)
    assert_clean(out, "lying zip")
    assert out.value != "read"


def _refusal_file(path):
    try:
        load_file(path)
    except pickle.UnpicklingError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "read"


def test_oversized_file_is_refused_unread(tmp_path):
    path = tmp_path / "training_args.bin"
    path.write_bytes(b"\x80\x02" + b"N0" * (MAX_PICKLE_BYTES))
    with pytest.raises(TooLargeError, match="file of more than"):
        load_file(path)


@pytest.mark.parametrize("kind", ["decimal", "codec", "datetime", "int"])
def test_allowed_constructor_with_bad_arguments_is_an_unpickling_error(kind):
    with pytest.raises(pickle.UnpicklingError, match="bad arguments"):
        loads(samples.bad_constructor_arguments(kind))


def _diagnose_json(folder):
    import contextlib
    import io

    from trainmedic.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["diagnose", str(folder), "--format", "json"])
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "payload, note",
    [
        (samples.shared_tuple_key(), "too large"),
        (samples.list_of_range(), "too large"),
        (samples.bad_constructor_arguments("decimal"), "bad arguments to Decimal"),
        (samples.bad_constructor_arguments("codec"), "bad arguments to str"),
        (b"cposix\nsystem\n(S'true'\ntR.", "would execute code"),
    ],
)
def test_hostile_training_args_become_a_note_in_the_json_report(tmp_path, payload, note):
    samples.trainer_state(tmp_path)
    (tmp_path / "training_args.bin").write_bytes(payload)
    out = run_bounded(_diagnose_json, tmp_path, seconds=20, megabytes=300)
    assert_clean(out, "diagnose")
    rc, stdout, stderr = out.value
    assert rc == 0 and stderr == ""  # no Python warning noise, no traceback
    report = json.loads(stdout)
    assert report["runs"][0]["series"]  # the metrics were read
    notes = " ".join(report["runs"][0].get("notes", []))
    assert "training_args.bin: not read" in notes
    if note:
        assert note in notes
