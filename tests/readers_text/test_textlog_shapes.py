"""Remembering each line shape's layout changes nothing: the same series, events and config as reading every line
in full, on every fixture log, on a generated log of mixed shapes, and on fixture lines with their numbers rewritten
(other digit counts, `nan`, `inf`, `1,234`, `6.7E+00`)."""

from __future__ import annotations

import random
import re

import pytest
from readers_text_helpers import DATA

from trainmedic.readers import encoding
from trainmedic.readers.textlog_parser import MAX_SHAPES, LogParser

# Numbers that print in another shape than their neighbours.
ODD_NUMBERS = ("nan", "NaN", "inf", "-inf", "1,234", "12,345.5", "6.7E+00", "1e-05", "0", "-0.5", "45%")
# Rewritten copies of the fixture lines: enough that every shape is met with several digit patterns.
FUZZ_BLOCKS = 400


def _read(path, remember: bool):
    parser = LogParser(str(path), remember_shapes=remember)
    errors = []
    for lineno, line in enumerate(encoding.iter_lines(path), 1):
        try:
            parser.feed(line, lineno)
        except (ValueError, OverflowError) as exc:  # `Epoch: inf` cannot be an epoch index in either reading
            errors.append((lineno, type(exc).__name__))
    series = {name: (b.label, b.values.tobytes(), b.step.tobytes(), b.epoch.tobytes(), b.rank.tobytes())
              for name, b in parser.series.items()}
    events = [(e.kind, e.step, e.epoch, e.message, e.data, e.source) for e in parser.events]
    config = {k: (v.value, v.source, v.line) for k, v in parser.config.items()}
    state = (parser.ranks, parser.saw_digits, parser.steps_per_epoch, parser.epoch_base, parser.open_epoch)
    return series, events, config, state, errors


def _assert_same(path) -> None:
    fast, full = _read(path, True), _read(path, False)
    for part, a, b in zip(("series", "events", "config", "state", "errors"), fast, full):
        assert a == b, f"{path.name}: {part} differ"


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.log")))
def test_fixture_logs_read_the_same(name):
    _assert_same(DATA / name)


def _mixed_log(rng: random.Random) -> str:
    out = ["2025-12-13 09:12:01,123 - INFO - __main__ - lr: 3e-05, per_device_train_batch_size: 8"]
    for step in range(1, 1500):
        loss = rng.choice(ODD_NUMBERS) if rng.random() < 0.05 else f"{rng.random() * 3:.{rng.randint(1, 6)}f}"
        style = step % 5
        if style == 0:
            out.append(f"Step {step} | Train Loss: {loss} | LR: {2e-5 * rng.random():.3e} | Epoch: {step / 300:.2f}")
        elif style == 1:
            out.append(f"2025-12-13 {step % 24}:{step % 60:02d}:07,{step % 1000} - INFO - trainer - "
                       f"step {step} loss={loss} grad_norm={rng.random()}")
        elif style == 2:
            out.append(str({"loss": loss if rng.random() < 0.5 else rng.random(), "learning_rate": 2e-5,
                            "epoch": round(step / 300, 2)}))
        elif style == 3:
            out.append("".join(f"\rEpoch {step // 300}: {i * 10}%|##  | {i}/10 [00:01<00:02, 3.1it/s, loss={loss}]"
                               for i in range(1, 11)))
        else:
            out.append(f"[rank{step % 2}]: Epoch [{step // 300}][{step % 300}/300] lr: 1e-4, loss: {loss}, "
                       f"acc@1: {rng.random() * 100:.2f}")
        if step % 250 == 0:
            out.append(f"Step {step} | Eval Loss: {loss} | Eval Acc: {rng.random():.4f}")
            out.append(f"Saving model checkpoint to out/checkpoint-{step}")
    return "\n".join(out) + "\n"


def test_generated_mixed_shapes_read_the_same(tmp_path):
    path = tmp_path / "mixed.log"
    path.write_text(_mixed_log(random.Random(7)))
    _assert_same(path)


def test_fixture_lines_with_rewritten_numbers_read_the_same(tmp_path):
    rng = random.Random(11)
    lines = [line for p in sorted(DATA.glob("*.log")) for line in p.read_text(encoding="utf-8").split("\n")]

    def rewrite(m: re.Match) -> str:
        r = rng.random()
        if r < 0.05:
            return rng.choice(ODD_NUMBERS)
        return m.group(0) if r < 0.5 else str(rng.randint(0, 10 ** rng.randint(1, 4)))

    out = []
    for _ in range(FUZZ_BLOCKS):
        i = rng.randrange(len(lines))
        block = lines[i:i + rng.randint(1, 12)]
        for _ in range(rng.randint(1, 3)):
            out += [re.sub(r"\d+", rewrite, line) for line in block]
    path = tmp_path / "rewritten.log"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    _assert_same(path)


def test_shape_memory_stays_bounded(tmp_path):
    path = tmp_path / "shapes.log"
    path.write_text("".join(f"metric_{i} loss: 0.5 step {i}\n" for i in range(MAX_SHAPES + 100)))
    parser = LogParser(str(path))
    for lineno, line in enumerate(encoding.iter_lines(path), 1):
        parser.feed(line, lineno)
    assert len(parser._plans) <= MAX_SHAPES
    _assert_same(path)
