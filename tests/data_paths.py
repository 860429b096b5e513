"""Where the tests find what they read, in one place: ``from data_paths import CORPUS``.

(A module of its own, not ``conftest``: ``tests/plugin_project`` has a ``conftest`` too.)
"""

from __future__ import annotations

from pathlib import Path

#: The repository.
ROOT = Path(__file__).resolve().parent.parent
#: The test data (``tests/data``).
DATA = ROOT / "tests" / "data"
#: Microsoft's reference examples as XML/JSON twins, with ``manifest.json``.
CORPUS = DATA / "corpus"
