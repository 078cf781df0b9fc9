"""Refresh the bundled examples from the zoo: ``python -m zoo.examples``.

``examples/hf_nan_lr/`` keeps what the Hugging Face Trainer wrote for the ``hf_nan_lr`` run minus the weights and
optimizer state (``trainer_state.json`` in each ``checkpoint-*``, ``training_args.bin``, the console log, the launch
script; its truth.json is kept beside it as hf_nan_lr.truth.json); ``examples/healthy_lightning/`` keeps a healthy Lightning run's ``metrics.csv`` and
``hparams.yaml``. Both stay well under 200 KB.
"""

from __future__ import annotations

import pickletools
import shutil
import struct
import sys
import zipfile
from pathlib import Path

from .make import DEFAULT_OUT, generate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
KEEP = {
    "trainer_state.json",
    "training_args.bin",
    "config.json",
    "metrics.csv",
    "hparams.yaml",
    "console.log",
    "launch.sh",
    "train.py",
}


def copy_small(src: Path, dest: Path) -> None:
    """Copy the files named in KEEP, keeping the folder layout."""
    if dest.exists():
        shutil.rmtree(dest)
    for f in sorted(src.rglob("*")):
        if f.is_file() and f.name in KEEP:
            target = dest / f.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)


def _unicode_op(text: str) -> bytes:
    raw = text.encode("utf-8")
    return (b"\x8c" + struct.pack("<B", len(raw)) if len(raw) < 256 else b"X" + struct.pack("<I", len(raw))) + raw


def relative_pickle(data: bytes, prefix: str, replacement: str) -> bytes:
    """A pickle (protocol 2, no frames, as torch.save writes) with ``prefix`` replaced in its strings, rewritten
    opcode by opcode: nothing is unpickled, and the memo, which counts entries rather than bytes, is unchanged."""
    out, last = [], 0
    ops = list(pickletools.genops(data))
    for i, (op, arg, pos) in enumerate(ops):
        if op.name == "FRAME":
            raise ValueError("framed pickles (protocol 4+) are not rewritten")
        if op.name in ("BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8") and isinstance(arg, str) and prefix in arg:
            end = ops[i + 1][2] if i + 1 < len(ops) else len(data)
            out += [data[last:pos], _unicode_op(arg.replace(prefix, replacement))]
            last = end
    out.append(data[last:])
    return b"".join(out)


def relative_paths(dest: Path, prefix: str, replacement: str) -> None:
    """Where the generating machine's absolute paths were written into the kept files (the console log, the
    pickled TrainingArguments), put the example's own relative path instead."""
    for f in sorted(dest.rglob("*")):
        if f.name == "training_args.bin":
            with zipfile.ZipFile(f) as z:
                members = [(info, z.read(info.filename)) for info in z.infolist()]
            with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
                for info, data in members:
                    if info.filename.endswith("data.pkl"):
                        data = relative_pickle(data, prefix, replacement)
                    z.writestr(info, data)
        elif f.is_file() and f.suffix in (".log", ".json", ".sh", ".yaml", ".txt"):
            text = f.read_text(encoding="utf-8")
            if prefix in text:
                f.write_text(text.replace(prefix, replacement), encoding="utf-8")


def main() -> int:
    for name in ("hf_nan_lr", "lightning_healthy"):
        if not (DEFAULT_OUT / name / "truth.json").exists():
            generate([name], DEFAULT_OUT, all_seeds=False)
    copy_small(DEFAULT_OUT / "hf_nan_lr", EXAMPLES / "hf_nan_lr")
    relative_paths(EXAMPLES / "hf_nan_lr", str((DEFAULT_OUT / "hf_nan_lr").resolve()), ".")
    copy_small(DEFAULT_OUT / "lightning_healthy" / "lightning_logs", EXAMPLES / "healthy_lightning")
    # The truth sits beside each example, not inside it: `diagnose examples/<name>` must not read the answer.
    shutil.copyfile(DEFAULT_OUT / "hf_nan_lr" / "truth.json", EXAMPLES / "hf_nan_lr.truth.json")
    shutil.copyfile(DEFAULT_OUT / "lightning_healthy" / "truth.json", EXAMPLES / "healthy_lightning.truth.json")
    size = sum(f.stat().st_size for f in EXAMPLES.rglob("*") if f.is_file())
    print(f"examples: {size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
