"""Where things are by default: the bundled articles and the index beside them (overridable by environment)."""

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
SEEDS = _ROOT / "seeds"
DEFAULT_INDEX_DIR = Path(os.environ.get("QA_INDEX_DIR", _ROOT / "index"))
DEFAULT_TOP_K = 5
# The reader used unless one is named: see `qa.readers`.
DEFAULT_READER = "hybrid"
