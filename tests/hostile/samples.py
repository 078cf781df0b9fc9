"""Small hostile artifacts, written byte by byte: pickles that expand, trainer states, live logs."""

from __future__ import annotations

import io
import json
import pickle
import struct
import zipfile
from pathlib import Path


def trainer_state(folder: Path, steps: int = 30) -> Path:
    """A real-shaped trainer_state.json with a falling loss."""
    history = [
        {"epoch": i / steps, "grad_norm": 1.0, "learning_rate": 1e-4, "loss": 2.0 / (1 + i), "step": i}
        for i in range(1, steps + 1)
    ]
    path = folder / "trainer_state.json"
    path.write_text(json.dumps({"global_step": steps, "train_batch_size": 8, "log_history": history}))
    return path


def self_referencing_list() -> bytes:
    """A dict holding a list that contains itself."""
    loop: list = []
    loop.append(loop)
    return pickle.dumps({"learning_rate": 1e-4, "loop": loop}, protocol=2)


def shared_lists(depth: int = 60) -> bytes:
    """Lists three wide that share one child at every level: 3^depth nodes walked as a tree, a few hundred bytes."""
    node: list = [1.0]
    for _ in range(depth):
        node = [node, node, node]
    return pickle.dumps({"learning_rate": 1e-4, "nested": node}, protocol=2)


def shared_tuple_key(depth: int = 40) -> bytes:
    """A dict keyed by a tuple of shared tuples: hashing the key walks 2^depth nodes."""
    body = b"K\x01"
    for _ in range(depth):
        body += b"q\x00h\x00\x86"  # BINPUT 0, BINGET 0, TUPLE2: (x, x)
    return b"\x80\x02}" + body + b"K\x01s."


def list_of_range(n: int = 10**8) -> bytes:
    """``list(range(n))`` in 45 bytes: two allowed constructors that materialise n integers."""
    return b"\x80\x02cbuiltins\nlist\ncbuiltins\nrange\nJ" + struct.pack("<i", n) + b"\x85R\x85R."


def bytes_of_size(n: int = 10**10) -> bytes:
    """``bytes(n)``: an allowed constructor asked for n zero bytes."""
    data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x80\x02cbuiltins\nbytes\n\x8a" + bytes([len(data)]) + data + b"\x85R."


def zip_bomb(inflated: int = 256 * 1024 * 1024) -> bytes:
    """A torch.save-shaped zip whose ``archive/data.pkl`` inflates to ``inflated`` bytes of one long pickle string."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("archive/data.pkl", "w", force_zip64=True) as fh:
            fh.write(b"\x80\x02\x8e" + struct.pack("<Q", inflated - 12))
            chunk = b"\0" * (1 << 20)
            left = inflated - 12
            while left > 0:
                fh.write(chunk[:left])
                left -= len(chunk)
            fh.write(b".")
    return buf.getvalue()


def bad_constructor_arguments(kind: str) -> bytes:
    """A training_args-shaped dict whose value is an allowed constructor called with arguments it rejects."""
    calls = {
        "decimal": b"cdecimal\nDecimal\nX\x03\x00\x00\x00abc\x85R",
        "codec": b"cbuiltins\nstr\nC\x01xX\x0d\x00\x00\x00no-such-codec\x86R",
        "datetime": b"cdatetime\ndatetime\nJ\xff\xff\xff\x7f\x85R",
        "int": b"cbuiltins\nint\nX\x03\x00\x00\x00abc\x85R",
    }
    return b"\x80\x02}X\x0d\x00\x00\x00learning_rateG?\x1a6\xe2\xeb\x1cC-sX\x01\x00\x00\x00x" + calls[kind] + b"s."


def billion_laughs_yaml(kind: str = "list") -> str:
    """Nine levels of anchors, each repeating the one before nine times: ~550 bytes, 387 million values expanded."""
    if kind == "list":
        lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        for i in range(1, 9):
            lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    else:  # mappings: what a flattening of nested hyperparameters walks
        lines = ["a0: &a0 {lr: 0.1, x: 1, y: 2, z: 3, w: 4, v: 5, u: 6, t: 7, s: 8}"]
        for i in range(1, 9):
            lines.append(f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(9)) + "}")
    lines.append("learning_rate: 0.001")
    return "\n".join(lines) + "\n"


def wide_json_config(keys: int = 60_000) -> str:
    """A config.json with one key per line (a tokenizer's vocabulary beside the hyperparameters)."""
    body = ",\n".join(f'  "token_{i}": {i}' for i in range(keys))
    return '{\n  "learning_rate": 0.0003,\n' + body + ',\n  "warmup_steps": 500\n}\n'


LIVE_HEADER = {
    "format": "trainmedic-live",
    "version": 1,
    "type": "header",
    "policy": "observe",
    "config": {"lr": 0.001, "recurrent_layers": ["nn.LSTM"]},
}


def live_step(i: int, loss=None) -> dict:
    """A step record as the Monitor writes it."""
    return {
        "type": "step",
        "step": i,
        "epoch": i / 100,
        "loss": 2.0 / (1 + i) if loss is None else loss,
        "grad_norm": 1.0,
        "lr": [0.001],
        "action": "step",
    }


def live_log(records: list) -> str:
    """A trainmedic-live log: the header, then ``records`` as JSON lines (raw strings are written as they are)."""
    lines = [json.dumps(LIVE_HEADER)] + [r if isinstance(r, str) else json.dumps(r) for r in records]
    return "\n".join(lines) + "\n"


# Records with a field of the wrong type, as damage or another writer leaves them.
WRONG_TYPES = {
    "word_for_loss": {**live_step(15), "loss": "abc"},
    "list_for_step": {**live_step(15), "step": [15]},
    "missing_step": {k: v for k, v in live_step(15).items() if k != "step"},
    "list_for_layers": {**live_step(15), "layers": [1.0, 2.0]},
    "nested_junk": {**live_step(15), "loss": {"a": [1, {"b": None}]}, "lr": [{"x": []}]},
    "huge_step": '{"type": "step", "step": ' + "9" * 400 + ', "loss": 0.5}',
    "string_for_event_data": {"type": "event", "kind": "skip", "step": 15, "message": "", "data": "abc"},
    "dict_for_event_step": {"type": "event", "kind": "skip", "step": {"at": 15}, "message": 3, "data": []},
    "list_for_type": {**live_step(15), "type": ["step"]},
    "list_for_header_config": {**LIVE_HEADER, "config": [1, 2, 3]},
}


def event_file(folder: Path, losses: list) -> Path:
    """A TensorBoard event file with ``train/loss`` at steps 1..n, written by tensorboard's own writer."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    folder.mkdir(parents=True, exist_ok=True)
    writer = EventFileWriter(str(folder))
    for step, loss in enumerate(losses, 1):
        writer.add_event(
            Event(
                wall_time=1.7e9 + step,
                step=step,
                summary=Summary(value=[Summary.Value(tag="train/loss", simple_value=loss)]),
            )
        )
    writer.close()
    return next(folder.glob("*tfevents*"))


def record_offsets(data: bytes) -> list:
    """Start offsets of the records of an event file (framing as written, not checked)."""
    out, pos = [], 0
    while pos + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        out.append(pos)
        pos += 16 + length
    return out
