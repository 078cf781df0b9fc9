"""Hypothesis strategies for hostile artifacts: JSON and YAML texts with odd numbers, nesting and control characters,
tables, pickles, event-file records, live logs; then re-encoded, cut short or spliced with garbage."""

from __future__ import annotations

import json
import struct

from hypothesis import strategies as st

# Numbers as a file may spell them: beyond float range, 5000 digits (past Python's int-to-str limit), negative zero,
# the non-standard NaN/Infinity tokens that Python writes, and ordinary ones.
ODD_NUMBERS = [
    "1e400",
    "-1e400",
    "1e-400",
    "NaN",
    "-NaN",
    "Infinity",
    "-Infinity",
    "9" * 5000,
    "-" + "9" * 400,
    "-0",
    "0.0",
    "1" + "0" * 400,
    "123456789012345678901234567890",
    "4.9e-324",
    "1.7976931348623157e308",
    "0x10",
    "1_000",
    "+1",
    ".5",
    "5.",
    "01",
]
METRIC_KEYS = [
    "loss",
    "step",
    "epoch",
    "eval_loss",
    "learning_rate",
    "grad_norm",
    "eval_accuracy",
    "train_loss",
    "global_step",
    "lr",
    "val/loss",
    "Loss/train",
]
CONTROL = "".join(chr(c) for c in range(32)) + "\x7f\x1b[2J\u202e\ufeff\ud800"

numbers = st.one_of(st.integers(-(10**20), 10**20).map(str), st.floats().map(repr), st.sampled_from(ODD_NUMBERS))
texts = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(CONTROL)), max_size=40)
json_strings = st.one_of(texts.map(json.dumps), texts.map(lambda s: '"' + s.replace('"', "").replace("\\", "") + '"'))
json_keys = st.one_of(st.sampled_from(METRIC_KEYS).map(json.dumps), json_strings)


def _json_containers(children):
    arrays = st.lists(children, max_size=6).map(lambda xs: "[" + ",".join(xs) + "]")
    objects = st.lists(st.tuples(json_keys, children), max_size=6).map(
        lambda kv: "{" + ",".join(f"{k}:{v}" for k, v in kv) + "}"
    )
    return st.one_of(arrays, objects)


json_values = st.recursive(
    st.one_of(numbers, json_strings, st.sampled_from(["true", "false", "null"])), _json_containers, max_leaves=25
)
deep_nesting = st.integers(1, 200_000).map(lambda d: "[" * d + "]" * d)


@st.composite
def metric_entries(draw) -> str:
    """One logged entry: mostly metric keys with odd numbers, sometimes anything."""
    keys = draw(st.lists(st.sampled_from(METRIC_KEYS), min_size=1, max_size=6, unique=True))
    pairs = [f"{json.dumps(k)}:{draw(st.one_of(numbers, json_values))}" for k in keys]
    return "{" + ",".join(pairs) + "}"


@st.composite
def trainer_states(draw) -> str:
    """A trainer_state.json-shaped document whose entries hold odd values, or a value of the wrong shape."""
    history = draw(
        st.one_of(
            st.lists(metric_entries(), max_size=30).map(lambda es: "[" + ",".join(es) + "]"), json_values, deep_nesting
        )
    )
    extra = draw(
        st.lists(
            st.tuples(
                st.sampled_from(
                    ["global_step", "epoch", "train_batch_size", "logging_steps", "stateful_callbacks", "best_metric"]
                ),
                json_values,
            ),
            max_size=4,
        )
    )
    body = [f'"log_history":{history}'] + [f"{json.dumps(k)}:{v}" for k, v in extra]
    return "{" + ",".join(body) + "}"


@st.composite
def jsonl_logs(draw) -> str:
    return "\n".join(draw(st.lists(st.one_of(metric_entries(), json_values), min_size=1, max_size=40))) + "\n"


@st.composite
def csv_tables(draw) -> str:
    """A metrics table: a header of metric and odd names, rows of odd cells, any delimiter."""
    sep = draw(st.sampled_from([",", "\t", ";", "|"]))
    width = draw(st.integers(1, 8))
    cell = st.one_of(numbers, texts, st.sampled_from(["", '"', '""', "nan", "inf", "50%", '"1,5"']))
    header = draw(st.lists(st.one_of(st.sampled_from(METRIC_KEYS), texts), min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=width + 2), max_size=40))
    return "\n".join(sep.join(r) for r in [header] + rows) + "\n"


@st.composite
def yaml_documents(draw) -> str:
    """YAML with anchors that aliases reuse (sometimes many times over), tags, odd numbers and control characters."""
    lines = []
    for i in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["scalar", "anchor", "alias", "tag", "nested", "text"]))
        if kind == "scalar":
            lines.append(f"{draw(st.sampled_from(METRIC_KEYS + ['batch_size', 'warmup']))}: {draw(numbers)}")
        elif kind == "anchor":
            lines.append(f"a{i}: &a{i} [{', '.join(draw(st.lists(numbers, min_size=1, max_size=9)))}]")
        elif kind == "alias" and i:
            refs = [f"*a{draw(st.integers(0, i - 1))}" for _ in range(draw(st.integers(1, 9)))]
            lines.append(f"a{i}: &a{i} [{', '.join(refs)}]")
        elif kind == "tag":
            lines.append(f"t{i}: !!python/object:os.system {{cmd: {draw(numbers)}}}")
        elif kind == "nested":
            lines.append(f"n{i}: " + "{x: " * draw(st.integers(1, 300)) + "1" + "}" * draw(st.integers(0, 300)))
        else:
            lines.append(draw(texts))
    return "\n".join(lines) + "\n"


@st.composite
def pickles(draw) -> bytes:
    """Opcode streams: a real dict's pickle, or opcodes drawn at random (memo puts and gets, marks, calls)."""
    import pickle

    if draw(st.booleans()):
        value = {"learning_rate": 1e-4, "nested": [1, (2.0, "x")], "flag": True}
        return pickle.dumps(value, protocol=draw(st.integers(0, 5)))
    ops = [
        b"}",
        b"]",
        b")",
        b"(",
        b"t",
        b"l",
        b"d",
        b"a",
        b"e",
        b"s",
        b"u",
        b"\x85",
        b"\x86",
        b"\x87",
        b"R",
        b"\x81",
        b"b",
        b"0",
        b"1",
        b"2",
        b"N",
        b"\x88",
        b"\x89",
        b"K\x05",
        b"J\xff\xff\xff\x7f",
        b"q\x00",
        b"h\x00",
        b"q\x01",
        b"h\x01",
        b"\x94",
        b"X\x01\x00\x00\x00a",
        b"G\x7f\xf8\x00\x00\x00\x00\x00\x00",
        b"cbuiltins\nlist\n",
        b"cbuiltins\nrange\n",
        b"cbuiltins\nstr\n",
        b"cdecimal\nDecimal\n",
        b"ccollections\nOrderedDict\n",
        b"ctransformers\nTrainingArguments\n",
        b"cposix\nsystem\n",
        b"\x8c\x08builtins\x8c\x04dict\x93",
        b"\x8a\x08" + b"\xff" * 8,
        b"\x8e" + struct.pack("<Q", 2**40),
    ]
    body = b"".join(draw(st.lists(st.sampled_from(ops), max_size=60)))
    return b"\x80\x02" + body + b"."


def frame(data: bytes, *, good: bool = True) -> bytes:
    """One TFRecord frame (masked CRC32C), or one with wrong CRCs."""
    from trainmedic.readers.tensorboard_records import masked_crc

    head = struct.pack("<Q", len(data))
    if not good:
        return head + b"\0\0\0\0" + data + b"\0\0\0\0"
    return head + struct.pack("<I", masked_crc(head)) + data + struct.pack("<I", masked_crc(data))


@st.composite
def event_files(draw) -> bytes:
    """Event records: real scalar events with odd values and steps, framed well or badly, with random payloads."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary

    out = b""
    for _ in range(draw(st.integers(0, 30))):
        kind = draw(st.sampled_from(["event", "event", "event", "payload", "badframe", "garbage"]))
        if kind == "event":
            value = draw(st.floats(width=32))
            step = draw(st.integers(-(2**63), 2**63 - 1))
            tag = draw(
                st.one_of(
                    st.sampled_from(METRIC_KEYS + ["epoch"]),
                    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
                )
            )
            out += frame(
                Event(
                    step=step, summary=Summary(value=[Summary.Value(tag=tag, simple_value=value)])
                ).SerializeToString()
            )
        elif kind == "payload":
            out += frame(draw(st.binary(max_size=64)))
        elif kind == "badframe":
            out += frame(draw(st.binary(max_size=64)), good=False)
        else:
            out += draw(st.binary(max_size=64))
    return out


@st.composite
def live_logs(draw) -> str:
    """A trainmedic-live log: the header, then step and event records whose fields hold any JSON value."""
    header = (
        '{"format":"trainmedic-live","version":1,"type":"header","config":'
        + draw(st.one_of(json_values, st.just('{"lr":0.001}')))
        + "}"
    )
    records = [header]
    for i in range(draw(st.integers(0, 30))):
        if draw(st.booleans()):
            loss = draw(st.one_of(numbers, json_values))
            records.append(
                f'{{"type":"step","step":{draw(st.one_of(st.just(str(i)), numbers, json_values))},'
                f'"loss":{loss},"grad_norm":{draw(numbers)},"lr":{draw(json_values)},'
                f'"layers":{draw(json_values)}}}'
            )
        else:
            records.append(
                f'{{"type":"event","kind":{draw(json_values)},"step":{draw(numbers)},'
                f'"data":{draw(json_values)},"message":{draw(json_values)}}}'
            )
    return "\n".join(records) + "\n"


@st.composite
def damaged(draw, text_or_bytes) -> bytes:
    """The artifact re-encoded, then maybe cut short, spliced with garbage or with a byte flipped."""
    data = text_or_bytes
    if isinstance(data, str):
        codec = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "gbk", "latin-1"]))
        data = data.encode(codec, errors="replace")
    how = draw(st.sampled_from(["whole", "whole", "cut", "flip", "splice"]))
    if how == "whole" or not data:
        return data
    at = draw(st.integers(0, len(data)))
    if how == "cut":
        return data[:at]
    if how == "flip":
        i = min(at, len(data) - 1)
        return data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
    return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
