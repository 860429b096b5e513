"""Shared test configuration: the Hypothesis profiles and the ``cli`` fixture (the data paths
are in ``data_paths``).

``default`` keeps the README's test command fast (under 90 s on 2 cores); ``thorough`` is for
deep property and fuzz runs::

    python -m pytest --hypothesis-profile=thorough          # every property test, 2,000 examples
    python -m pytest --hypothesis-profile=thorough tests/test_hostile.py -k fuzz

Property tests do not set ``max_examples`` themselves: the profile decides.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from ucwaformat.cli import main

settings.register_profile(
    "default",
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("default")


@pytest.fixture(scope="session", autouse=True)
def _shared_bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The processes the tests start (the command, the examples, pytester runs) share one
    bytecode cache under the run's temporary directory (shared by xdist's workers): where
    ``PYTHONDONTWRITEBYTECODE`` is set, each would otherwise compile the package again, 9,000
    lines of ``types`` among it. Nothing is written beside the sources."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPYCACHEPREFIX", str(shared / "pycache"))
        patch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        yield


@pytest.fixture
def cli(capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch) -> Any:
    """``cli(*argv, stdin=b"")`` runs the command: (exit status, stdout bytes, stderr text)."""

    def run(*argv: str | Path, stdin: bytes = b"") -> tuple[int, bytes, str]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        status = main([str(arg) for arg in argv])
        out, err = capsysbinary.readouterr()
        return status, out, err.decode()

    return run
