"""A TensorBoard event file with a damaged record: the records after the damage are still read (the NaN there is
found) and the report says that data was lost."""

from __future__ import annotations

import json
import math

import pytest
import samples
from budget import assert_clean, run_bounded

from trainmedic.readers import load_run

LOSSES = [2.0 / (1 + i) for i in range(60)] + [math.nan] * 5


def _damage(path, how: str) -> None:
    data = bytearray(path.read_bytes())
    offsets = samples.record_offsets(bytes(data))
    at = offsets[20]  # step 20 (record 0 is the file version): in the healthy part, well before the NaN
    if how == "data":  # one byte of the payload: its data CRC fails, the framing holds
        data[at + 14] ^= 0xFF
    elif how == "length":  # the length field: the framing is lost until the next valid header
        data[at] ^= 0x5A
    elif how == "garbage":  # bytes inserted between two records
        data[at:at] = b"\x07garbage\x00\x00\x00\x00\x01\x02\x03" * 5
    elif how == "zeros":  # a block of the file zeroed (a torn write)
        data[at : at + 200] = bytes(200)
    path.write_bytes(bytes(data))


def _read(path):
    run = load_run([path])
    loss = run.series["train/loss"]
    notes = [n.render("en") if hasattr(n, "render") else str(n) for n in run.sources[0].notes]
    return loss.step.tolist(), loss.values.tolist(), notes


@pytest.mark.parametrize("how", ["data", "length", "garbage", "zeros"])
def test_records_after_the_damage_are_read_and_the_loss_is_noted(tmp_path, how):
    path = samples.event_file(tmp_path / "logs", LOSSES)
    _damage(path, how)
    out = run_bounded(_read, path, seconds=20, megabytes=200)
    assert_clean(out, how)
    steps, values, notes = out.value
    assert steps[-1] == len(LOSSES) and math.isnan(values[-1])  # the NaN after the damage is there
    assert 20 not in steps or how == "garbage"  # the damaged record's point is gone (garbage damages none)
    assert len(steps) >= len(LOSSES) - (6 if how == "zeros" else 1)  # 200 zeroed bytes held five records
    assert any("damaged" in n and "lost" in n for n in notes), notes


def test_damaged_file_is_diagnosed_as_nan_not_healthy(tmp_path):
    from trainmedic import diagnose

    path = samples.event_file(tmp_path / "logs", LOSSES)
    _damage(path, "length")
    report = json.loads(diagnose(path).to_json())
    assert report["verdict"] == "failed"
    assert any(f["code"] == "TM101" and f["at"]["step"] == 61 for f in report["findings"])
    assert any("damaged" in n for n in report["runs"][0]["notes"])


def test_intact_file_has_no_damage_note(tmp_path):
    path = samples.event_file(tmp_path / "logs", LOSSES)
    steps, _, notes = _read(path)
    assert steps == list(range(1, len(LOSSES) + 1)) and not notes


def test_file_of_garbage_named_like_an_event_file_is_one_line(tmp_path):
    import random

    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(random.Random(0).randbytes(200_000))
    out = run_bounded(_read, path, seconds=20, megabytes=200)
    assert_clean(out, "garbage")
    assert out.kind == "input_error" and "no record with a valid checksum" in out.detail


def test_without_the_native_crc_every_record_is_still_verified(tmp_path, monkeypatch):
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import crc32c as pure_python

    from trainmedic.readers import tensorboard_records

    monkeypatch.setattr(tensorboard_records, "crc32c", pure_python)
    path = samples.event_file(tmp_path / "logs", LOSSES)
    _damage(path, "data")
    steps, values, notes = _read(path)
    assert 20 not in steps and math.isnan(values[-1])
    assert any("1 record failed its checksum" in n for n in notes), notes


def test_the_native_crc32c_is_used_when_installed():
    from trainmedic.readers.tensorboard_records import CRC_IMPLEMENTATION, masked_crc

    pytest.importorskip("google_crc32c")
    assert CRC_IMPLEMENTATION == "google-crc32c (native)"
    assert masked_crc(b"123456789") == 0xC78AB0E5  # CRC32C check value 0xE3069283, masked as TFRecord stores it
