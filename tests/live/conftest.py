"""Fixtures of the live tests."""

from __future__ import annotations

import pytest
from live_models import Classifier

torch = pytest.importorskip("torch")
# The live tests train tiny models: one thread is the fastest for them, and keeps them fast on a loaded machine.
torch.set_num_threads(1)


@pytest.fixture
def classifier():
    torch.manual_seed(0)
    return Classifier()
