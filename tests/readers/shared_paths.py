"""Where the shared acceptance and real-world artifacts live: the `shared` folder beside the checkout."""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
ACCEPTANCE = SHARED / "acceptance"
REALWORLD = SHARED / "realworld"
