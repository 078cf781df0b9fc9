"""Fixtures: the sample reports of report_samples.py."""

from __future__ import annotations

import pytest
from report_samples import failed_report, healthy_report, preflight_report

from trainmedic.report.model import Report


@pytest.fixture
def failed() -> Report:
    return failed_report()


@pytest.fixture
def healthy() -> Report:
    return healthy_report()


@pytest.fixture
def preflight() -> Report:
    return preflight_report()
