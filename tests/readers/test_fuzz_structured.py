"""Random and mutated inputs (cut short, bytes flipped, garbage inserted) never raise anything but InputError."""

from __future__ import annotations

import json
import pickle
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainmedic.errors import InputError
from trainmedic.readers import load_run
from trainmedic.safe_pickle import UnsafePickleError, loads

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

CSV = b'epoch,step,train_loss,val_acc\n1,10,0.9,50%\n2,20,nan,"55.5"\n\n3,30,0.5,60\n'
JSONL = b'{"step": 1, "loss": 1.0, "val": {"acc": 0.5}}\n{"step": 2, "loss": NaN}\n'
STATE = json.dumps(
    {
        "global_step": 20,
        "train_batch_size": 8,
        "log_history": [
            {"epoch": 0.5, "grad_norm": float("nan"), "learning_rate": 1e-5, "loss": 1.0, "step": 10},
            {"epoch": 0.5, "eval_loss": 0.9, "eval_f1": 0.5, "step": 10},
            {"epoch": 1.0, "grad_norm": 2.0, "learning_rate": 2e-5, "loss": 0.5, "step": 20},
        ],
        "stateful_callbacks": {
            "EarlyStoppingCallback": {
                "args": {"early_stopping_patience": 1},
                "attributes": {"early_stopping_patience_counter": 1},
            }
        },
    },
    indent=2,
).encode()
LIGHTNING = b"epoch,step,train_loss_step,train_loss_epoch,val_loss\n0,1,1.0,,\n0,1,,0.9,\n0,1,,,1.1\n"
HPARAMS = b"lr: 0.001\nbatch_size: 8\nprecision: bf16-mixed\n"


def _mutate(data: bytes, draw) -> bytes:
    kind = draw(st.sampled_from(["cut", "flip", "insert", "random"]))
    if kind == "random":
        return draw(st.binary(max_size=300))
    if not data:
        return data
    at = draw(st.integers(0, len(data)))
    if kind == "cut":
        return data[:at]
    if kind == "flip":
        i = min(at, len(data) - 1)
        return data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
    return data[:at] + draw(st.binary(min_size=1, max_size=40)) + data[at:]


_DIR = tempfile.TemporaryDirectory(prefix="trainmedic-fuzz-")


def _check(name: str, data: bytes, companions: dict = None) -> None:
    folder = Path(tempfile.mkdtemp(dir=_DIR.name))
    path = folder / name
    path.write_bytes(data)
    for other, content in (companions or {}).items():
        (folder / other).write_bytes(content)
    for target in (path, folder):
        try:
            load_run([target])
        except InputError:
            pass


@FUZZ
@given(st.data())
def test_mutated_csv(data):
    _check("history.csv", _mutate(CSV, data.draw))


@FUZZ
@given(st.data())
def test_mutated_jsonl(data):
    _check("history.jsonl", _mutate(JSONL, data.draw))


@FUZZ
@given(st.data())
def test_mutated_trainer_state(data):
    _check("trainer_state.json", _mutate(STATE, data.draw))


@FUZZ
@given(st.data())
def test_mutated_lightning_metrics_and_hparams(data):
    _check("metrics.csv", _mutate(LIGHTNING, data.draw), {"hparams.yaml": _mutate(HPARAMS, data.draw)})


@FUZZ
@given(st.data())
def test_mutated_event_file(tb_logdir, data):
    event = next(p for p in tb_logdir.iterdir() if "tfevents" in p.name)
    _check(event.name, _mutate(event.read_bytes(), data.draw))


@FUZZ
@given(st.data())
def test_mutated_wandb_transaction_log(wandb_run, data):
    log = next(wandb_run.glob("run-*.wandb"))
    _check(log.name, _mutate(log.read_bytes(), data.draw))


@FUZZ
@given(st.data())
def test_mutated_pickles_only_raise_unpickling_errors(data):
    good = pickle.dumps({"learning_rate": 1e-4, "nested": [1, (2.0, "x")], "flag": True}, protocol=2)
    try:
        loads(_mutate(good, data.draw))
    except (pickle.UnpicklingError, UnsafePickleError):
        pass


@FUZZ
@given(st.data())
def test_mutated_mlflow_metric_file(data):
    folder = Path(tempfile.mkdtemp(dir=_DIR.name))
    run_dir = folder / "1" / "abc"
    (run_dir / "metrics").mkdir(parents=True)
    (run_dir / "meta.yaml").write_text("start_time: 1\n")
    (run_dir / "metrics" / "loss").write_bytes(_mutate(b"1700000000 0.5 0\n1700000001 0.4 1\n", data.draw))
    try:
        load_run([folder])
    except InputError:
        pass
