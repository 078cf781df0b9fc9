"""Hostile inputs run in forked children under a time and memory budget (see budget.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
