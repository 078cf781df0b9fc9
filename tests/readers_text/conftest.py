"""Fixtures of the console-log, encoding and config reader tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from readers_text_helpers import ACCEPTANCE


@pytest.fixture
def acceptance() -> Path:
    if not ACCEPTANCE.is_dir():
        pytest.skip(f"acceptance artifacts not found at {ACCEPTANCE}")
    return ACCEPTANCE
