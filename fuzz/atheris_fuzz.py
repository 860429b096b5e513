"""Byte-level fuzzing with atheris (libFuzzer's coverage-guided mutation), through the same
oracle as the Hypothesis targets (docs/fuzzing.md). Needs the ``fuzz`` extra::

    python -m pip install -e ".[fuzz]"
    python fuzz/atheris_fuzz.py -max_total_time=600 -timeout=2 -rss_limit_mb=2048 \\
        fuzz/corpus/ tests/data/fuzz/ tests/data/corpus/myAssignedOnlineMeeting/

libFuzzer's own flags follow the script's name: ``-max_total_time`` (seconds), ``-timeout``
(seconds per input: a hang), ``-rss_limit_mb``, and directories of seed inputs (the first one
also receives the new inputs that reach new code). A crash is written to ``crash-<sha1>`` in
the current directory: keep it in ``tests/data/fuzz/`` so that ``tests/test_fuzz.py`` replays it.

Each input is read both ways, as XML and as JSON; only ucwaformat's own Python code is
instrumented for coverage (lxml and orjson are C extensions).
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports(include=["ucwaformat"]):
    import ucwaformat  # noqa: F401 (instrumented here, used through the oracle)

from fuzz import oracle


def test_one_input(data: bytes) -> None:
    oracle.check(data)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
