"""MLflow local runs: ``mlruns/<experiment>/<run>/metrics/<name>`` and ``params/<name>``.

The file store keeps one plain text file per metric, one line per logged value: ``timestamp value step``. Reading
them directly needs no mlflow install. Given a whole ``mlruns`` folder or an experiment folder, the most recently
started run is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from ..run import Run
from . import Reader, register
from .checks import fail
from .columns import SeriesBuilder, parse_number
from .hparams import apply_hparams

FORMAT = "mlflow"
MAX_METRIC_FILES = 2000  # a run logs tens of metrics; far more means this is not an MLflow run folder


def is_run_dir(path: Path) -> bool:
    """An MLflow run folder: ``metrics/`` beside a ``meta.yaml``."""
    return (path / "metrics").is_dir() and (path / "meta.yaml").is_file()


def _start_time(run_dir: Path) -> float:
    try:
        for line in (run_dir / "meta.yaml").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("start_time:"):
                return parse_number(line.split(":", 1)[1]) or 0.0
    except OSError:
        pass
    return 0.0


def _runs_below(path: Path, depth: int = 2) -> list:
    if is_run_dir(path):
        return [path]
    if depth == 0:
        return []
    found: list = []
    try:
        subs = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    for sub in subs[:500]:
        found.extend(_runs_below(sub, depth - 1))
    return found


def latest_run(path: Path) -> Optional[Path]:
    """The run folder started last below ``path`` (an ``mlruns`` folder, an experiment or a run), or None."""
    runs = _runs_below(path)
    return max(runs, key=_start_time) if runs else None


def _read_metric(path: Path) -> tuple:
    steps, values = [], []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 2:
                continue
            value = parse_number(parts[1])
            if value is None:
                continue
            step = parse_number(parts[2]) if len(parts) > 2 else None
            values.append(value)
            steps.append(np.nan if step is None else step)
    return np.asarray(steps, dtype=np.float64), np.asarray(values, dtype=np.float64)


def read_run(run_dir: Path) -> Run:
    """Read one MLflow run folder."""
    metrics_dir = run_dir / "metrics"
    files = sorted(p for p in metrics_dir.rglob("*") if p.is_file())[:MAX_METRIC_FILES]
    builder = SeriesBuilder(str(run_dir))
    epoch = None
    series = []
    for f in files:
        name = f.relative_to(metrics_dir).as_posix()
        try:
            steps, values = _read_metric(f)
        except OSError:
            continue
        if name.lower() == "epoch":
            epoch = (steps, values)
        else:
            series.append((name, steps, values))
    for name, steps, values in series:
        ep = None
        if epoch is not None and len(epoch[0]):
            order = np.argsort(epoch[0], kind="stable")
            ep = np.interp(steps, epoch[0][order], epoch[1][order], left=np.nan, right=np.nan)
        builder.add(name, values, steps, ep)
    run = builder.to_run(str(run_dir), FORMAT)
    if not run.series:
        raise fail(run_dir, "readers.error.mlflow_no_metrics")
    params = {}
    params_dir = run_dir / "params"
    if params_dir.is_dir():
        for p in sorted(params_dir.rglob("*"))[:MAX_METRIC_FILES]:
            if p.is_file():
                try:
                    params[p.relative_to(params_dir).as_posix()] = p.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
    apply_hparams(params, run.config, str(params_dir))
    return run


def read_dir(path: Path) -> Run:
    """The latest run below an MLflow folder, as a Run."""
    run_dir = latest_run(path)
    if run_dir is None:
        raise fail(path, "readers.error.mlflow_no_metrics")
    return read_run(run_dir)


def sniff_dir(path: Path, head: bytes) -> float:
    """An MLflow run folder, or an ``mlruns``/experiment folder holding one."""
    if is_run_dir(path):
        return 0.9
    if path.name == "mlruns" or (path / "meta.yaml").is_file():
        return 0.85 if latest_run(path) is not None else 0.0
    return 0.0


register(Reader(FORMAT, sniff_dir, read_dir, directory=True))
