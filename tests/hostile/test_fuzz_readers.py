"""Every structured reader fed generated hostile inputs: each must end as a result or a one-line InputError, within
the per-input time and memory budget (budget.py), never another exception, a hang or a blow-up.

Sizes, nesting, encodings, odd and huge numbers, control characters, truncation and spliced garbage come from
strategies.py. ``--hypothesis-profile=hostile-bench`` runs hundreds of inputs per reader instead of a dozen.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import tempfile
import zipfile
from pathlib import Path

import pytest
import samples
import strategies as S
from budget import assert_clean, fuzz_settings, run_bounded
from hypothesis import given
from hypothesis import strategies as st

from trainmedic.checkpoints import triage
from trainmedic.readers import load_run, readers
from trainmedic.readers.config import read_config

readers()  # import every reader here, once, so that each forked child starts reading at once
HOSTILE = fuzz_settings()


def _in_folder(files: dict, fn, *targets: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="trainmedic-hostile-"))
    try:
        for name, data in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        for target in targets:
            path = folder / target if target else folder
            assert_clean(run_bounded(fn, path), f"{fn.__name__}({target or 'folder'})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _read(path):
    run = load_run([path])
    return sorted(run.series)[:5], len(run.sources)


def _config(path):
    return sorted(read_config(path).as_dict())[:5]


def _triage(path):
    return triage(path).verdict


@HOSTILE
@given(st.data())
def test_trainer_state(data):
    text = data.draw(S.trainer_states())
    _in_folder({"trainer_state.json": data.draw(S.damaged(text))}, _read, "trainer_state.json", "")


@HOSTILE
@given(st.data())
def test_jsonl_history(data):
    _in_folder({"history.jsonl": data.draw(S.damaged(data.draw(S.jsonl_logs())))}, _read, "history.jsonl")


@HOSTILE
@given(st.data())
def test_csv_history_and_lightning_folder(data):
    table = data.draw(S.damaged(data.draw(S.csv_tables())))
    hparams = data.draw(S.damaged(data.draw(S.yaml_documents())))
    _in_folder({"history.csv": table}, _read, "history.csv")
    _in_folder({"metrics.csv": table, "hparams.yaml": hparams}, _read, "")


@HOSTILE
@given(st.data())
def test_yaml_config(data):
    _in_folder({"train.yaml": data.draw(S.damaged(data.draw(S.yaml_documents())))}, _config, "train.yaml")


@HOSTILE
@given(st.data())
def test_json_config(data):
    text = data.draw(st.one_of(S.json_values, S.trainer_states(), S.deep_nesting))
    _in_folder({"train_config.json": data.draw(S.damaged(text))}, _config, "train_config.json")


@HOSTILE
@given(st.data())
def test_training_args_pickle_beside_a_trainer_state(data):
    payload = data.draw(S.damaged(data.draw(S.pickles())))
    if data.draw(st.booleans()):  # the torch.save zip form
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("training_args/data.pkl", payload)
        payload = buf.getvalue()
    state = json.dumps({"global_step": 3, "log_history": [{"loss": 1.0, "step": 1}, {"loss": 0.5, "step": 3}]})
    _in_folder({"trainer_state.json": state.encode(), "training_args.bin": payload}, _read, "")


def _checkpoint_zip(pickle_bytes: bytes) -> bytes:
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, pickle_bytes if info.filename.endswith("data.pkl") else src.read(info))
    return out.getvalue()


@HOSTILE
@given(st.data())
def test_checkpoint_pickles(data):
    pickle_bytes = data.draw(S.damaged(data.draw(S.pickles())))
    form = data.draw(st.sampled_from(["zip", "legacy", "whole"]))
    blob = _checkpoint_zip(pickle_bytes) if form == "zip" else pickle_bytes
    if form == "whole":
        blob = data.draw(S.damaged(_checkpoint_zip(samples.shared_lists(8))))
    _in_folder({"model.ep1": blob}, _triage, "")


@HOSTILE
@given(st.data())
def test_safetensors_headers(data):
    header = data.draw(
        st.one_of(
            S.json_values,
            S.deep_nesting,
            st.just('{"w":{"dtype":"F32","shape":[' + "9" * 30 + '],"data_offsets":[0,8]}}'),
        )
    )
    raw = header.encode("utf-8", errors="replace")
    declared = data.draw(st.one_of(st.just(len(raw)), st.integers(0, 2**64 - 1)))
    blob = data.draw(S.damaged(struct.pack("<Q", declared) + raw + bytes(data.draw(st.integers(0, 64)))))
    _in_folder({"checkpoint-1/model.safetensors": blob}, _triage, "")
    state = json.dumps({"global_step": 1, "log_history": [{"loss": 1.0, "step": 1}]}).encode()
    _in_folder({"model.safetensors": blob, "trainer_state.json": state}, _read, "")


@HOSTILE
@given(st.data())
def test_tensorboard_records(data):
    blob = data.draw(S.damaged(data.draw(S.event_files())))
    _in_folder({"events.out.tfevents.1.host": blob}, _read, "events.out.tfevents.1.host", "")


@HOSTILE
@given(st.data())
def test_live_log(data):
    _in_folder(
        {"trainmedic-live.jsonl": data.draw(S.damaged(data.draw(S.live_logs())))}, _read, "trainmedic-live.jsonl"
    )
