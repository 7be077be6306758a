"""Where the project and `../shared` are, wherever pytest was started from."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("REFDESK_SHARED_DIR", ROOT.parent / "shared")).resolve()
SCHEMAS = SHARED / "schemas"
FIXTURES = SHARED / "fixtures" / "slack"
