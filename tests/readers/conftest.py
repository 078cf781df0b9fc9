"""Fixtures for the reader tests: artifacts written by the real frameworks, made once per session.

The two groups of tiny runs (torch: HF Trainer, Lightning, TensorBoard; trackers: MLflow, W&B) start together in two
processes the first time a test needs one of them, so their start-up costs overlap.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
from shared_paths import ACCEPTANCE, REALWORLD, SHARED  # noqa: E402,F401  (re-exported for older imports)

MAKE_TIMEOUT = 300


class _Made:
    def __init__(self, root: Path) -> None:
        self.root = root
        env = dict(
            os.environ,
            WANDB_MODE="offline",
            WANDB_SILENT="true",
            PYTHONWARNINGS="ignore",
            TOKENIZERS_PARALLELISM="false",
            HF_HUB_OFFLINE="1",
            # one thread each: on a shared 2-core machine, OpenMP threads spinning against each other
            # turn a one-second tiny run into many seconds
            OMP_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
        )
        self.procs = {
            g: subprocess.Popen(
                [sys.executable, str(HERE / "makers.py"), g, str(root)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for g in ("torch", "trackers")
        }
        self.paths: dict = {}

    def get(self, group: str, name: str) -> Path:
        if group not in self.paths:
            proc = self.procs[group]
            out, _ = proc.communicate(timeout=MAKE_TIMEOUT)
            if proc.returncode != 0:
                raise RuntimeError(f"making the {group} artifacts failed:\n{out.decode(errors='replace')[-3000:]}")
            self.paths[group] = json.loads((self.root / f"{group}.json").read_text())
        return Path(self.paths[group][name])

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def made(tmp_path_factory):
    m = _Made(tmp_path_factory.mktemp("framework_artifacts"))
    yield m
    m.close()


@pytest.fixture(scope="session")
def hf_output(made) -> Path:
    return made.get("torch", "hf")


@pytest.fixture(scope="session")
def lightning_version(made) -> Path:
    return made.get("torch", "lightning")


@pytest.fixture(scope="session")
def tb_logdir(made) -> Path:
    return made.get("torch", "tensorboard")


@pytest.fixture(scope="session")
def mlruns(made) -> Path:
    return made.get("trackers", "mlflow")


@pytest.fixture(scope="session")
def wandb_run(made) -> Path:
    return made.get("trackers", "wandb")


@pytest.fixture
def snapshot():
    """A function listing every path under a folder with size and mtime: reading must leave it unchanged."""

    def take(folder: Path) -> dict:
        return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}

    return take
