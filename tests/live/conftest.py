"""Fixtures of the live tests."""

from __future__ import annotations

import pytest
from live_models import Classifier

torch = pytest.importorskip("torch")


@pytest.fixture
def classifier():
    torch.manual_seed(0)
    return Classifier()
