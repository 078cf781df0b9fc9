"""Hostile inputs run in forked children under a time and memory budget (see budget.py).

Hypothesis profiles: ``hostile`` (the default here: a dozen fixed examples per reader, the whole folder in about a
minute) and ``hostile-bench`` (``pytest tests/hostile --hypothesis-profile=hostile-bench``: hundreds per reader).
"""

import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

_COMMON = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck))
# The default run is derandomised (the same inputs each time, so a failure is reproducible and CI is stable); the
# bench profile draws new ones each run.
settings.register_profile("hostile", max_examples=12, derandomize=True, **_COMMON)
settings.register_profile("hostile-bench", max_examples=300, **_COMMON)


def pytest_configure(config):
    import budget

    budget.PROFILE = config.getoption("hypothesis_profile", None) or "hostile"
