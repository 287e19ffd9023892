"""Where the tests find the project and the shared material, wherever the clone lives."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OB3_VECTORS = SHARED / "ob3" / "vectors"
