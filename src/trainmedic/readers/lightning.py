"""PyTorch Lightning ``CSVLogger`` output: ``lightning_logs/version_N/metrics.csv`` and ``hparams.yaml``.

``metrics.csv`` is sparse: every ``self.log`` call writes a row that fills only its own columns, beside the ``epoch``
and ``step`` columns. ``train_loss_step``/``train_loss_epoch`` are the same metric logged per step and per epoch:
the per-step one becomes ``train/loss`` and the per-epoch one ``train/loss_epoch`` (or ``train/loss`` when it is the
only one). ``hparams.yaml`` is read with a safe loader: Python-object tags become plain values, nothing is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..i18n import t
from ..run import Run
from . import Reader, register
from .columns import SeriesBuilder, default_rename
from .hparams import apply_hparams
from .table import delimiter, read_csv

FORMAT = "lightning-csv"


def load_yaml(path: Path) -> dict:
    """A YAML mapping read without constructing objects; raises InputError when it is not one."""
    from .config_yaml import load_plain  # YAML's parser loads only for a run that has a YAML file

    return load_plain(path)


def _header(path: Path) -> list:
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        first = fh.readline()
    return [h.strip() for h in first.strip().split(delimiter(first))]


def _renamer(header: list):
    labels = set(header)

    def rename(label: str) -> Optional[str]:
        if label.startswith("lr-"):  # LearningRateMonitor: lr-Adam, lr-SGD/pg1
            return "train/lr" if "/pg" not in label or label.endswith("/pg1") else None
        for suffix, other in (("_step", "_epoch"), ("_epoch", "_step")):
            if label.endswith(suffix):
                base = default_rename(label[: -len(suffix)])
                if base is None:
                    return None
                both = label[: -len(suffix)] + other in labels
                return base + "_epoch" if suffix == "_epoch" and both else base
        return default_rename(label)

    return rename


def read_metrics(path: Path) -> Run:
    """Read ``metrics.csv`` and the ``hparams.yaml`` beside it."""
    builder = SeriesBuilder(str(path), rename=_renamer(_header(path)))
    run = read_csv(path, builder=builder, fmt=FORMAT)
    hparams = path.parent / "hparams.yaml"
    if hparams.is_file():
        read_hparams(hparams, run)
    return run


def read_hparams(path: Path, run: Run) -> None:
    """Fill the run's config from a Lightning ``hparams.yaml`` (a broken file is noted, not fatal)."""
    try:
        data = load_yaml(path)
    except Exception as exc:  # noqa: BLE001 - the metrics are still worth reading
        run.warnings.append(str(exc))
        return
    if apply_hparams(data, run.config, str(path)) and run.sources:
        run.sources[0].notes.append(t("readers.note.hparams", "en", path=str(path)))


def read_version_dir(directory: Path) -> Run:
    """A Lightning ``version_N`` folder: its ``metrics.csv`` (and the ``hparams.yaml`` beside it)."""
    return read_metrics(directory / "metrics.csv")


def sniff_file(path: Path, head: bytes) -> float:
    """A ``metrics.csv`` in a ``version_N`` folder, or a CSV whose header has ``step``, ``epoch`` and Lightning's
    ``*_step``/``*_epoch`` columns."""
    if path.suffix.lower() != ".csv":
        return 0.0
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff").strip()
    cols = [c.strip() for c in first.split(",")]
    lightning_like = "step" in cols and "epoch" in cols
    if path.parent.name.startswith("version_") and path.name == "metrics.csv":
        return 0.9
    if lightning_like and any(c.endswith(("_step", "_epoch")) for c in cols):
        return 0.8
    return 0.0


def sniff_dir(path: Path, head: bytes) -> float:
    """A ``version_N`` folder holding a ``metrics.csv``."""
    if (path / "metrics.csv").is_file() and path.name.startswith("version_"):
        return 0.9
    return 0.0


def owns(directory: Path, path: Path) -> bool:
    """The files of a ``version_N`` folder read with it: ``metrics.csv`` and ``hparams.yaml``."""
    return path.parent == directory and path.name in ("metrics.csv", "hparams.yaml")


register(Reader(FORMAT, sniff_file, read_metrics))
register(Reader(FORMAT, sniff_dir, read_version_dir, directory=True, owns=owns))
