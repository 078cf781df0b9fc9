"""Bad input ends in one clear line and exit code 2; random bytes never raise anything but InputError."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from readers_text_helpers import DATA, cli

from trainmedic.errors import InputError
from trainmedic.readers import config, textlog


@pytest.mark.parametrize(
    "name,content,reason",
    [
        ("empty.log", b"", "empty"),
        ("blob.log", bytes(range(256)) * 40, "binary file"),
        ("words.txt", b"just some words\nwithout any digits at all\n", "no numbers"),
        ("numbers.log", b"the year 1999 and room 101\n", "no training metrics"),
    ],
)
def test_cli_rejects_with_one_line_and_exit_2(tmp_path, name, content, reason):
    p = tmp_path / name
    p.write_bytes(content)
    before = sorted(os.listdir(tmp_path))
    proc = cli("diagnose", str(p))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0] and name in lines[0]
    assert "Traceback" not in proc.stderr
    assert sorted(os.listdir(tmp_path)) == before  # nothing written into the run folder


def test_broken_script_is_an_input_error(tmp_path):
    p = tmp_path / "train.py"
    p.write_text("def broken(:\n")
    with pytest.raises(InputError, match="cannot parse"):
        config.read_config(p)


_SEED_TEXT = (DATA / "prefixed.log").read_bytes() + (DATA / "tqdm.log").read_bytes() + (DATA / "hf.log").read_bytes()


@st.composite
def _mutated(draw):
    data = bytearray(_SEED_TEXT)
    kind = draw(st.sampled_from(["truncate", "flip", "random", "splice", "utf16"]))
    if kind == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif kind == "flip":
        for _ in range(draw(st.integers(1, 30))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
    elif kind == "random":
        data = bytearray(draw(st.binary(max_size=2000)))
    elif kind == "splice":
        i = draw(st.integers(0, len(data)))
        data[i:i] = draw(st.binary(max_size=200))
    else:
        data = bytearray(draw(st.text(max_size=300)).encode("utf-16"))
    return bytes(data)


@settings(
    max_examples=int(os.environ.get("TM_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=_mutated(), suffix=st.sampled_from([".log", ".txt", ".sh", ".py", ".yaml", ".json"]))
def test_fuzz_only_input_errors(tmp_path, data, suffix):
    p = tmp_path / f"fuzz{suffix}"
    p.write_bytes(data)
    for reader in (textlog.read, config.read):
        try:
            reader(p)
        except InputError:
            pass
