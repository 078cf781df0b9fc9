"""Remembering each line shape's layout changes nothing: the same series, events and config as reading every line
in full, on every fixture log, on a generated log of mixed shapes, and on fixture lines with their numbers rewritten
(other digit counts, `nan`, `inf`, `1,234`, `6.7E+00`)."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from readers_text_helpers import DATA

from trainmedic.readers import encoding, textlog
from trainmedic.readers.textlog_bars import refreshes
from trainmedic.readers.textlog_memory import MAX_SHAPES
from trainmedic.readers.textlog_parser import LogParser

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
    series = {name: (b.label, *b.columns()) for name, b in parser.series.items()}
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
            out.append(
                f"2025-12-13 {step % 24}:{step % 60:02d}:07,{step % 1000} - INFO - trainer - "
                f"step {step} loss={loss} grad_norm={rng.random()}"
            )
        elif style == 2:
            out.append(
                str(
                    {
                        "loss": loss if rng.random() < 0.5 else rng.random(),
                        "learning_rate": 2e-5,
                        "epoch": round(step / 300, 2),
                    }
                )
            )
        elif style == 3:
            out.append(
                "".join(
                    f"\rEpoch {step // 300}: {i * 10}%|##  | {i}/10 [00:01<00:02, 3.1it/s, loss={loss}]"
                    for i in range(1, 11)
                )
            )
        else:
            out.append(
                f"[rank{step % 2}]: Epoch [{step // 300}][{step % 300}/300] lr: 1e-4, loss: {loss}, "
                f"acc@1: {rng.random() * 100:.2f}"
            )
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
        block = lines[i : i + rng.randint(1, 12)]
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
    assert len(parser._memory.plans) <= MAX_SHAPES
    _assert_same(path)


def _hf_console(rng: random.Random, steps: int) -> str:
    """The Trainer's console captured to a file: a tqdm refresh per step, the bar cleared around each dict line and
    drawn again, an eval bar now and then, a bar carrying its loss, numbers of every length."""
    out = ["***** Running training *****", f"  Num examples = {steps * 16:,}", f"  Total optimization steps = {steps}"]
    text = f"  0%|          | 0/{steps} [00:00<?, ?it/s]"
    for s in range(1, steps + 1):
        bar = (
            f"{100 * s // steps:3d}%|{'█' * (10 * s // steps):10s}| {s}/{steps} [00:{s % 60:02d}<01:{s % 7:02d}, "
            f"{rng.random() * 10:.2f}it/s]"
        )
        logs = {
            "loss": round(rng.random() * 3, rng.randint(1, 4)),
            "grad_norm": rng.random() * 10 ** rng.randint(0, 3),
            "learning_rate": 2e-5 * (1 - s / steps),
            "epoch": round(3 * s / steps, 2),
        }
        if rng.random() < 0.03:
            logs["grad_norm"] = rng.choice([float("nan"), float("inf")])
        text += f"\r{bar}\r{' ' * len(bar)}\r{logs}"
        out.append(text)
        text = f"\r{bar}"
        if s % 40 == 0:
            evals = "".join(f"\r{10 * b:3d}%|{'#' * b:10s}| {b}/10 [00:0{b}<00:01, 9.{b}it/s]" for b in range(11))
            out.append(
                text + "\n" + evals + f"\r{' ' * 40}\r{{'eval_loss': {rng.random()}, 'eval_acc': "
                f"{rng.random():.4f}, 'epoch': {round(3 * s / steps, 2)}}}"
            )
            text = ""
        if s % 25 == 0:
            out.append(
                "".join(
                    f"\rEpoch {s // 25}: {b * 20}%|{'#' * b:5s}| {b}/5 [00:0{b}<00:01, "
                    f"acc={rng.random():.{rng.randint(2, 5)}f}, f1={rng.random():.3f}]"
                    for b in range(6)
                )
            )
    return "\n".join(out) + "\n"


def test_progress_bar_console_reads_the_same(tmp_path):
    """Bars told apart by their remembered refresh shapes and lines read from templates give what reading every
    refresh and line in full gives."""
    path = tmp_path / "hf_console.log"
    path.write_text(_hf_console(random.Random(3), 400), encoding="utf-8")
    _assert_same(path)
    run = textlog.read(path)
    loss = run.series["train/loss"]
    assert len(loss) == 400 and list(loss.order[:3]) == [1.0, 2.0, 3.0]  # one point per dict line, in order
    assert len(run.series["eval/loss"]) == 10
    acc = run.series["train/acc"]
    assert len(acc) == 16 and acc.step[0] == 5.0  # the last refresh of each bar that carries metrics


def test_digits_outside_numbers_are_part_of_the_shape(tmp_path):
    """`EP1` and `EP3` differ only in a digit, but the digit names the epoch: a line remembered by its digits written
    as 0 must not lend its layout to the other."""
    path = tmp_path / "ep.log"
    lines = [f"EP{e} train: loss={3 - e / 10:.1f} | val: loss={4 - e / 10:.1f} f1=0.{e}5" for e in range(1, 6)]
    lines += [f"top{k} acc: 0.{k}1 step {k}" for k in (1, 5, 1, 5)]
    path.write_text("\n".join(lines * 2) + "\n")
    _assert_same(path)
    run = textlog.read(path)
    assert sorted(set(run.series["eval/loss"].epoch.tolist())) == [1.0, 2.0, 3.0, 4.0, 5.0]


_PIECES = (
    "  5%|#    | 5/100 [00:01<00:19, 5.0it/s]",
    " 10%|##   | 10/100 [00:02<00:18, 5.1it/s]",
    "  5%|#    | 5/200 [00:01<00:39, 5.0it/s]",
    "10/100 [00:02<00:18, loss=0.52]",
    "   ",
    "",
    "{'loss': 0.5}",
    " 10%|##   | 10/100 [00:02<00:18, 5.1it/s]tail text",
    "step 3 loss 0.1",
)


@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12), st.lists(st.integers(0, 999), max_size=12))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_remembered_refresh_shapes_split_as_searching_does(pieces, digits):
    """Telling bars apart by their remembered refresh shapes gives the logical lines that searching every refresh for
    its bar gives, whatever the refreshes and their digits."""
    pieces = [re.sub(r"\d+", lambda m: str(digits.pop()) if digits else m.group(0), p) for p in pieces]
    raw = "\r".join(pieces)
    seen: dict = {}
    for _ in range(2):  # the second time every refresh shape is remembered
        assert [line for line, _ in refreshes(raw, seen)] == [line for line, _ in refreshes(raw)]


def test_running_means_read_the_same(tmp_path):
    rng = random.Random(5)
    lines = []
    for e in range(1, 4):
        total = 0.0
        for k in range(1, 16):
            total += rng.random() * (30 if rng.random() < 0.05 else 1)
            lines.append(f"epoch {e} - iter {k}/15 - loss {total / k:.8f} - samples/sec: {rng.random():.2f}")
    path = tmp_path / "flair.log"
    path.write_text("\n".join(lines) + "\n")
    _assert_same(path)
