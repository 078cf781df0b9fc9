"""training_args.bin and other pickles are read as data; a pickle that would run code is refused, and runs nothing."""

from __future__ import annotations

import io
import os
import pickle
import pickletools
import shutil
import zipfile

import pytest

from trainmedic.readers import hf, load_run
from trainmedic.safe_pickle import PickledObject, UnsafePickleError, load_file, loads, to_plain


class _Evil:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


class _EvalEvil:
    def __reduce__(self):
        return (eval, ("__import__('os').system('true')",))


class Settings:  # a class the unpickler never imports: it must come back as a plain dict of its state
    def __init__(self):
        self.learning_rate = 3e-4
        self.bf16 = True
        self.nested = {"a": [1, 2, (3, 4)]}


def test_malicious_pickle_is_refused_and_creates_nothing(tmp_path):
    target = tmp_path / "pwned"
    with pytest.raises(UnsafePickleError, match="system"):
        loads(pickle.dumps(_Evil(target)))
    with pytest.raises(UnsafePickleError):
        loads(pickle.dumps(_EvalEvil()))
    assert not target.exists()


def test_every_protocol_of_a_malicious_pickle_is_refused(tmp_path):
    target = tmp_path / "pwned"
    for protocol in range(0, pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(UnsafePickleError):
            loads(pickle.dumps(_Evil(target), protocol=protocol))
    assert not target.exists()


def test_subprocess_popen_is_refused_even_though_it_is_a_class(tmp_path):
    payload = b"csubprocess\nPopen\n(S'touch " + str(tmp_path / "x").encode() + b"'\ntR."
    with pytest.raises(UnsafePickleError):
        loads(payload)
    assert not (tmp_path / "x").exists()


def test_unknown_class_becomes_a_plain_dict_of_its_state():
    data = to_plain(loads(pickle.dumps(Settings())))
    assert data["learning_rate"] == 3e-4 and data["bf16"] is True
    assert data["nested"] == {"a": [1, 2, [3, 4]]}
    assert data["__class__"].endswith("Settings")


def test_the_real_class_is_not_imported():
    # protocol 2: GLOBAL some.missing.mod.Thing, NEWOBJ(), BUILD({'a': 1}) -- the module does not even exist
    obj = loads(b"\x80\x02csome.missing.mod\nThing\n)\x81}X\x01\x00\x00\x00aK\x01sb.")
    assert isinstance(obj, PickledObject) and obj.class_name == "some.missing.mod.Thing"
    assert to_plain(obj) == {"a": 1, "__class__": "some.missing.mod.Thing"}


def test_torch_save_zip_and_legacy_formats_are_read(tmp_path):
    torch = pytest.importorskip("torch")
    value = {"learning_rate": 1e-4, "device": torch.device("cpu")}
    torch.save(value, tmp_path / "new.bin")
    torch.save(value, tmp_path / "old.bin", _use_new_zipfile_serialization=False)
    for name in ("new.bin", "old.bin"):
        data = to_plain(load_file(tmp_path / name))
        assert data == {"learning_rate": 1e-4, "device": "cpu"}


def test_truncated_or_garbage_pickle_is_an_unpickling_error():
    good = pickle.dumps({"a": 1.0, "b": [1, 2, 3]})
    for bad in (good[: len(good) // 2], b"\x80\x05garbage", b""):
        with pytest.raises(pickle.UnpicklingError):
            loads(bad)


def test_zip_without_data_pkl_is_an_unpickling_error(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.bin", "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(pickle.UnpicklingError):
        load_file(tmp_path / "a.bin")


def test_malicious_training_args_in_an_output_dir_is_skipped_with_a_note(tmp_path, hf_output, recwarn):
    out = tmp_path / "out"
    shutil.copytree(hf_output, out, ignore=shutil.ignore_patterns("*.safetensors", "*.pt", "*.pth"))
    target = tmp_path / "pwned"
    for args in out.rglob("training_args.bin"):
        args.write_bytes(pickle.dumps(_Evil(target)))
    run = load_run([out])
    assert not target.exists()
    assert "train/loss" in run.series  # the metrics are still read
    assert run.config.get("lr") is None  # nothing taken from the refused file
    notes = [n.render("en") for n in run.sources[0].notes if hasattr(n, "render")]
    assert any("would execute code" in n and "system" in n for n in notes)
    assert not recwarn.list  # a note in the report, not Python warning noise on stderr


def test_real_training_args_pickle_names_only_stand_ins(hf_output):
    data = zipfile.ZipFile(hf_output / "training_args.bin").read(
        next(n for n in zipfile.ZipFile(hf_output / "training_args.bin").namelist() if n.endswith("data.pkl"))
    )
    globals_named = {arg for op, arg, _ in pickletools.genops(io.BytesIO(data)) if op.name == "GLOBAL"}
    assert any("TrainingArguments" in g for g in globals_named)
    args = to_plain(loads(data))
    assert args["learning_rate"] == 3e-4 and args["lr_scheduler_type"] == "cosine"
    assert hf  # the HF reader maps these onto the run config (see test_hf)
